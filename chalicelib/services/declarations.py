"""The yearly 2093 declaration: pre-check, file generation (as a job), the DGFiP key."""

from __future__ import annotations

import gzip
import hashlib
import warnings
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.adapters import files
from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import counters as counters_repo
from chalicelib.adapters.repositories import tenants as tenants_repo
from chalicelib.auth import Principal
from chalicelib.domain import dmet
from chalicelib.domain.parties import display_name
from chalicelib.domain.text import is_whole_number
from chalicelib.errors import DeclarationBlockedError, InvalidKeyError, ValidationError
from chalicelib.services import audit, jobs

PARIS = ZoneInfo("Europe/Paris")
PERMISSION = "year_end"  # chalicelib/domain/profiles.py: the back office; shop never sees purchases
NOT_DECLARED = frozenset({"retracted"})


def _prefix(tenant_id: str) -> str:
    return f"tenants/{tenant_id}/declarations/2093"


def _year(value: Any) -> int:
    if value is None:  # the declaration filed in January is the previous year's
        return datetime.now(PARIS).year - 1
    # A whole number, in ASCII digits (int() would take 2026.7, "٢٠٢٦", " 2026 " and fail on 1e309).
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str) and is_whole_number(value) and len(value) == 4:
        year = int(value)
    else:
        raise ValidationError(details={"year": "Année attendue (AAAA)."})
    if not 2000 <= year <= 2100:
        raise ValidationError(details={"year": "Année attendue (AAAA)."})
    return year


def _sellers(tenant_id: str, year: int) -> list[dmet.Seller]:
    """Per supplier, the yearly total of purchases of articles in ``metal_2093`` families."""
    metal = {f.id for f in catalog_repo.list_families(tenant_id) if f.metal_2093}
    purchases = []
    for article in articles_repo.by_date(tenant_id, "by_purchase_date", f"{year}-01-01", f"{year}-12-31"):
        if (article.family_id in metal and article.supplier_id and article.purchase_price is not None
                and article.status not in NOT_DECLARED):
            purchases.append((article.supplier_id, article.purchase_price))
    totals = dmet.seller_totals(purchases)
    parties = {p.id: p.fields for p in catalog_repo.list_parties(tenant_id, "supplier")}
    return [dmet.Seller(seller_id, parties.get(seller_id, {}), total) for seller_id, total in totals.items()]


def _check(company: dict[str, Any], sellers: list[dmet.Seller]) -> dict[str, Any]:
    kept = dmet.declared(sellers)
    blocking = [{"supplier_id": s.id, "name": display_name(s.fields), "problems": problems}
                for s in kept if (problems := dmet.seller_problems(s.fields))]
    return {"company": dmet.company_problems(company), "blocking": sorted(blocking, key=lambda b: b["name"]),
            "declared": len(kept), "left_out": len(sellers) - len(kept),
            "total": sum(dmet.euros(s.total) for s in kept)}


def precheck(who: Principal, year: Any) -> dict[str, Any]:
    who.require(PERMISSION)
    year_ = _year(year)
    company = tenants_repo.get_tenant(who.tenant_id).settings
    report = _check(company, _sellers(who.tenant_id, year_))
    return {"year": year_, "ready": not report["company"] and not report["blocking"], **report}


def start_2093(who: Principal, year: Any) -> dict[str, Any]:
    who.require(PERMISSION)
    return jobs.start(who.tenant_id, "dmet_2093", {"year": _year(year), "by": who.email}, who.user_id)


def run_2093(tenant_id: str, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    year = int(params["year"])
    company = tenants_repo.get_tenant(tenant_id).settings
    sellers = _sellers(tenant_id, year)
    progress(0.4)
    report = _check(company, sellers)
    if report["company"] or report["blocking"]:
        raise DeclarationBlockedError(details={"company": report["company"], "blocking": report["blocking"]})
    now = datetime.now(PARIS)
    text = dmet.build_file(year, company, sellers, now.strftime("%Y%m%d"))
    progress(0.6)
    key = _load_key(tenant_id)
    order = counters_repo.next_value(tenant_id, f"dmet_order#{year}")
    name = dmet.file_name(year, dmet.company_siren(company), order, now.strftime("%Y%m%d%H%M%S"))
    raw = text.encode("ascii")
    packed = gzip.compress(raw, mtime=0)
    outputs = [(name, raw, "text/plain"), (name + ".gz", packed, "application/gzip")]
    fingerprint = None
    if key is not None:
        outputs.append((name + ".gz.gpg", _encrypt(key, packed, name + ".gz"), "application/pgp-encrypted"))
        fingerprint = str(key.fingerprint)
    stored = []
    for filename, body, content_type in outputs:
        object_key = f"{_prefix(tenant_id)}/{year}/{filename}"
        files.put(object_key, body, content_type)
        stored.append({"name": filename, "key": object_key})
    progress(0.9)
    audit.record_event(tenant_id, "export", user=params.get("by"), details={
        "export": "dmet_2093", "year": year, "order": order, "files": [f["name"] for f in stored],
        "declared": report["declared"], "total": report["total"], "sha256": hashlib.sha256(raw).hexdigest(),
        "encrypted_for": fingerprint})
    return {"year": year, "order": order, "files": stored, "declared": report["declared"],
            "left_out": report["left_out"], "total": report["total"], "key_fingerprint": fingerprint}


# ---------------------------------------------------------------- the DGFiP public key


def _parse_key(armored: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy  # pure Python OpenPGP: imported only here (cold start)

        try:
            key, _ = pgpy.PGPKey.from_blob(armored)
        except Exception:
            raise InvalidKeyError() from None
    if not key.is_public:
        raise InvalidKeyError("Envoyez la clé publique de la DGFiP, jamais une clé privée.")
    return key


def _encrypt(key: Any, data: bytes, filename: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy

        message = pgpy.PGPMessage.new(data, file=True, filename=filename)
        encrypted = key.encrypt(message)
        if not encrypted.is_encrypted:  # pragma: no cover - pgpy always encrypts here
            raise RuntimeError("not encrypted")
        return bytes(encrypted)


def _load_key(tenant_id: str) -> Any:
    armored = files.get(f"{_prefix(tenant_id)}/key.asc")
    return _parse_key(armored.decode("ascii")) if armored else None


def _key_view(key: Any) -> dict[str, Any]:
    if key is None:
        return {"fingerprint": None, "user_ids": []}
    return {"fingerprint": str(key.fingerprint), "user_ids": [str(u.userid or u.name) for u in key.userids]}


def put_key(who: Principal, armored: Any) -> dict[str, Any]:
    who.require(PERMISSION)
    if not isinstance(armored, str) or "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
        raise InvalidKeyError()
    key = _parse_key(armored)
    files.put(f"{_prefix(who.tenant_id)}/key.asc", armored.encode("ascii", "replace"), "application/pgp-keys")
    return _key_view(key)


def get_key(who: Principal) -> dict[str, Any]:
    who.require(PERMISSION)
    return _key_view(_load_key(who.tenant_id))


def delete_key(who: Principal) -> None:
    who.require(PERMISSION)
    files.delete(f"{_prefix(who.tenant_id)}/key.asc")


# ---------------------------------------------------------------- January 2nd: drafts


def run_2093_draft(tenant_id: str, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    """A draft: the pre-check of the year, no file and no filing order taken."""
    year = int(params["year"])
    company = tenants_repo.get_tenant(tenant_id).settings
    report = _check(company, _sellers(tenant_id, year))
    return {"year": year, "ready": not report["company"] and not report["blocking"], **report}


def prepare_drafts(year: int | None = None) -> dict[str, Any]:
    """For every tenant with metal purchases in ``year`` (default: last year), a draft job."""
    from chalicelib.adapters.repositories import jobs as jobs_repo

    year_ = year or datetime.now(PARIS).year - 1
    started = []
    for tenant_id in jobs_repo.all_tenant_ids():
        if dmet.declared(_sellers(tenant_id, year_)):
            started.append({"tenant_id": tenant_id, **jobs.start(tenant_id, "dmet_2093_draft", {"year": year_})})
    return {"year": year_, "jobs": started}
