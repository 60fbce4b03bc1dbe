"""Fiscal archives: a closed month's sealed records in open formats, checked by the
standalone verifier; automatic after the closings; building and downloading are events."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import time
import urllib.request
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import IDENTIFIED_SELLER, TenantSession, commit_lot

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "chalicelib" / "verifier" / "lotbook_verify.py"


def _verify(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    # -I -S: no site-packages, no environment: the standard library alone.
    return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), *options, str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local stack
        return bytes(response.read())


def _periods() -> tuple[str, Any]:
    """This month (Europe/Paris) and the first day of the next: the day its closing runs."""
    from chalicelib.services.closings import PARIS

    today = datetime.now(PARIS).date()
    return f"{today:%Y-%m}", (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def _sealed_contents(tenant_id: str, chain: str) -> list[dict[str, Any]]:
    from chalicelib.adapters import vault
    from chalicelib.adapters.repositories import sealed_records

    out = []
    for entry in sealed_records.chain_entries(tenant_id, chain):
        stored = vault.read(entry.key, entry.version_id)
        assert stored is not None
        out.append(json.loads(stored[0])["content"])
    return out


def _events(tenant_id: str, kind: str, period: str) -> list[dict[str, Any]]:
    return [c for c in _sealed_contents(tenant_id, "event")
            if c.get("event") == kind and (c.get("details") or {}).get("period") == period]


def _wait(check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _archive(api: Any, period: str) -> dict[str, Any] | None:
    reply = api.get("/api/compliance/archives")
    assert reply.status == 200, reply.body
    return next((a for a in reply.body["items"] if a["period"] == period), None)


def _ready(api: Any, period: str) -> dict[str, Any]:
    archive = _wait(lambda: (a := _archive(api, period)) and a["status"] != "running" and a)
    assert archive and archive["status"] == "ready", archive
    return dict(archive)


@pytest.fixture
def month_of_business(tenant: TenantSession) -> TenantSession:
    """Lots committed and corrected, two sales, a refund: this month's receipts and register."""
    api = tenant.api
    family = api.post("/api/families", {"label": "Mobilier", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", IDENTIFIED_SELLER).body["id"]
    lot = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00", "30.00"])
    fixed = api.patch(f"/api/lots/{lot['lot']['ref']}", {"payment_method": "cheque", "reason": "Erreur de saisie"})
    assert fixed.status == 200, fixed.body
    refs = [a["ref"] for a in lot["articles"]]
    today = datetime.now().date().isoformat()
    for ref, price in ((refs[0], "100.00"), (refs[1], "50.00")):
        sold = api.post("/api/actions/sell", {"refs": [ref], "date": today, "payment_method": "card",
                                              "prices": {ref: price}})
        assert sold.status == 200, sold.body
    returned = api.post("/api/actions/customer_return", {"refs": [refs[0]], "date": today,
                                                         "reason": "Ne convient pas"})
    assert returned.status == 200, returned.body
    return tenant


def test_a_closed_month_is_archived_after_its_closing_and_the_standalone_verifier_checks_every_byte(
        month_of_business: TenantSession, tmp_path: Path) -> None:
    from chalicelib.services.closings import close_tenant

    tenant, api = month_of_business, month_of_business.api
    period, next_month = _periods()
    # Not closed yet: refused, and nothing is started.
    refused = api.post("/api/compliance/archives", {"period": period})
    assert refused.status == 409 and refused.body["error"]["code"] == "period_not_closed", refused.body
    assert "clôturée" in refused.body["error"]["message"]
    malformed = api.post("/api/compliance/archives", {"period": "2026-13"})
    assert malformed.status == 400 and "AAAA-MM" in malformed.body["error"]["details"]["period"]
    # More than a year before the company's first sealed record (today) there is nothing to archive:
    # no empty jobs by the hundred.
    for ancient in ("2000-01", "2019", f"{date.today().year - 2}-12"):
        empty = api.post("/api/compliance/archives", {"period": ancient})
        assert empty.status == 409 and empty.body["error"]["code"] == "period_before_first_record", empty.body
    assert _archive(api, period) is None and _archive(api, "2000-01") is None

    # The nightly closing of the month starts its archive: nobody asks for it.
    made = close_tenant(tenant.tenant_id, next_month)
    assert f"01-M-{period}" in made
    archive = _ready(api, period)
    assert archive["automatic"] is True and archive["kind"] == "monthly"
    assert close_tenant(tenant.tenant_id, next_month) == []  # run again: still one archive for the period
    assert [a["period"] for a in api.get("/api/compliance/archives").body["items"]].count(period) == 1
    again = api.post("/api/compliance/archives", {"period": period})
    assert again.status == 409 and again.body["error"]["code"] == "fiscal_archive_exists"

    # Building it is one event, sealed, carrying the manifest's SHA-256.
    built = _wait(lambda: _events(tenant.tenant_id, "archive_built", period))
    assert len(built) == 1 and built[0]["details"]["manifest_sha256"] == archive["manifest_sha256"]
    assert _wait(lambda: (_archive(api, period) or {}).get("event_rank"))  # the sealed record's rank is listed

    # Downloading it is one event, and a consultation of the police register.
    reply = api.get(f"/api/compliance/archives/{period}")
    assert reply.status == 200, reply.body
    links = {f["name"]: f["url"] for f in reply.body["files"]}
    assert _wait(lambda: len(_events(tenant.tenant_id, "archive_downloaded", period)) == 1)
    assert _wait(lambda: [c for c in _sealed_contents(tenant.tenant_id, "consultation")
                          if c["what"] == f"archive:{period}"])
    body = _download(links[f"lotbook-archive-fiscale-{period}.zip"])
    manifest_alone = _download(links[f"manifest-{period}.json"])
    assert hashlib.sha256(manifest_alone).hexdigest() == archive["manifest_sha256"]

    zipped = zipfile.ZipFile(io.BytesIO(body))
    names = set(zipped.namelist())
    manifest = json.loads(zipped.read("manifest.json"))
    assert zipped.read("manifest.json") == manifest_alone
    assert manifest["period"] == period and manifest["company"]["company_name"] == "Antiquités Test"
    chains = {c["chain"]: c for c in manifest["chains"]}
    assert {"receipt", "closing", "police_register", "event"} <= set(chains)
    assert chains["receipt"]["records"] == 3 and chains["police_register"]["records"] == 2
    assert {f["name"] for f in manifest["files"]} | {"manifest.json"} == names
    for chain in chains.values():  # each record exactly as the vault holds it
        for rank in range(chain["first_rank"], chain["last_rank"] + 1):
            assert f"{chain['chain']}/{rank:010d}.json" in names
    receipts = list(csv.DictReader(io.StringIO(zipped.read("receipts.csv").decode("utf-8")), delimiter="|"))
    assert [r["Total TTC"] for r in receipts] == ["100.00", "50.00", "-100.00"]
    closings = list(csv.DictReader(io.StringIO(zipped.read("closings.csv").decode("utf-8")), delimiter="|"))
    assert f"01-M-{period}" in [c["Numéro de clôture"] for c in closings]
    register = list(csv.DictReader(io.StringIO(zipped.read("police_register.csv").decode("utf-8")), delimiter="|"))
    assert {r["Motif"] for r in register} == {"", "Erreur de saisie"} and len(register) == 6  # 2 versions × 3
    assert "events.csv" in names

    # The standalone verifier: the zip and its extracted folder verify against the sealed hash;
    # without it, the files match the manifest but nothing says the manifest is the sealed one.
    original = tmp_path / "archive.zip"
    original.write_bytes(body)
    done = _verify(original, "--manifest-sha256", archive["manifest_sha256"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "l'archive est intègre" in done.stdout
    alone = _verify(original)
    assert alone.returncode == 3 and "intègre" not in alone.stdout, alone.stdout
    assert "non vérifié contre l'empreinte scellée" in alone.stdout and archive["manifest_sha256"] in alone.stdout
    folder = tmp_path / "extracted"
    zipped.extractall(folder)
    assert _verify(folder, "--manifest-sha256", archive["manifest_sha256"]).returncode == 0

    def tampered(name: str, change: Any, manifest_too: bool = False) -> Path:
        out = tmp_path / f"tampered-{len(list(tmp_path.iterdir()))}.zip"
        files = {n: zipped.read(n) for n in zipped.namelist()}
        files[name] = change(files[name])
        if manifest_too:  # a forger who also rewrites the manifest's hashes
            listed = json.loads(files["manifest.json"])
            for entry in listed["files"]:
                entry["sha256"] = hashlib.sha256(files[entry["name"]]).hexdigest()
                entry["size"] = len(files[entry["name"]])
            files["manifest.json"] = json.dumps(listed, indent=2).encode()
        with zipfile.ZipFile(out, "w") as target:
            for n, data in files.items():
                target.writestr(n, data)
        return out

    first_receipt = f"receipt/{chains['receipt']['first_rank']:010d}.json"
    one_byte = tampered(first_receipt, lambda b: b.replace(b'"100.00"', b'"900.00"', 1))
    report = json.loads(_verify(one_byte, "--json").stdout)
    assert _verify(one_byte).returncode == 1 and report["ok"] is False
    problems = {p["name"]: p["reason"] for p in report["archive"]["problems"]}
    assert problems.pop(first_receipt) == "file_changed"  # and the CSV files no longer render it
    assert problems and set(problems.values()) == {"csv_mismatch"} and set(problems) <= {"receipts.csv",
                                                                                          "receipt_lines.csv"}
    assert _verify(tampered("receipts.csv", lambda b: b[:-3] + (b"1" if b[-3:-2] == b"0" else b"0") + b"\r\n")
                   ).returncode == 1
    # Hashes recomputed in the manifest: the chain's links still give the record away.
    forged = json.loads(_verify(tampered(first_receipt, lambda b: b.replace(b'"100.00"', b'"900.00"', 1),
                                         manifest_too=True), "--json").stdout)
    assert forged["ok"] is False and {p["reason"] for p in forged["archive"]["problems"]} == {"csv_mismatch"}
    assert [(c["chain"], c["broken"]["rank"], c["broken"]["reason"]) for c in forged["chains"] if c["broken"]] == [
        ("receipt", chains["receipt"]["first_rank"], "hash_mismatch")]
    # The manifest changed: a listed hash, or anything at all against its sealed SHA-256.
    changed_hash = tampered("manifest.json", lambda b: b.replace(b'"sha256": "', b'"sha256": "0', 1))
    assert _verify(changed_hash).returncode == 1
    renamed = tampered("manifest.json", lambda b: b.replace("Antiquités Test".encode(), b"Antiquites Test"))
    assert _verify(renamed, "--manifest-sha256", archive["manifest_sha256"]).returncode == 1
    # A record removed from the zip and from the manifest: a gap in its chain.
    removed = tmp_path / "removed.zip"
    with zipfile.ZipFile(removed, "w") as target:
        listed = dict(manifest, files=[f for f in manifest["files"] if f["name"] != first_receipt])
        target.writestr("manifest.json", json.dumps(listed, indent=2))
        for n in zipped.namelist():
            if n not in ("manifest.json", first_receipt):
                target.writestr(n, zipped.read(n))
    assert _verify(removed).returncode == 1
    _forgeries(zipped, chains, archive["manifest_sha256"], tmp_path)


def _forgeries(zipped: zipfile.ZipFile, chains: dict[str, Any], sealed: str, tmp_path: Path) -> None:
    """The reviewer's forgeries, each with the manifest rewritten to match: a CSV that no longer
    renders its records is named (exit 1); records dropped consistently pass every check but the
    sealed manifest hash (exit 3 without it, 1 with it)."""
    from chalicelib.verifier import lotbook_verify as verifier

    original = {n: zipped.read(n) for n in zipped.namelist()}

    def write(files: dict[str, bytes], drop_chains: tuple[str, ...] = (), last: dict[str, int] | None = None) -> Path:
        listed = json.loads(files["manifest.json"])
        listed["files"] = [{"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                           for n, d in sorted(files.items()) if n != "manifest.json"]
        listed["chains"] = [dict(c, last_rank=(last or {}).get(c["chain"], c["last_rank"]))
                            for c in listed["chains"] if c["chain"] not in drop_chains]
        out = tmp_path / f"forged-{len(list(tmp_path.iterdir()))}.zip"
        with zipfile.ZipFile(out, "w") as target:
            for n, d in {**files, "manifest.json": json.dumps(listed, indent=2).encode()}.items():
                target.writestr(n, d)
        return out

    def csv_forged(name: str, old: bytes, new: bytes) -> dict[str, Any]:
        assert old in original[name], (name, old)
        done = _verify(write({**original, name: original[name].replace(old, new, 1)}), "--json")
        assert done.returncode == 1, done.stdout
        report = json.loads(done.stdout)
        assert report["verdict"] == "altered" and report["chains"] and all(not c["broken"] for c in report["chains"])
        [problem] = report["archive"]["problems"]
        assert (problem["name"], problem["reason"]) == (name, "csv_mismatch")
        return dict(problem)

    # receipts.csv: ticket 1's total, then the last ticket's; police_register.csv: the seller's ID number.
    assert csv_forged("receipts.csv", b"|100.00|", b"|90.00|")["line"] == 2
    assert csv_forged("receipts.csv", b"|-100.00|", b"|-10.00|")["line"] == 4
    assert csv_forged("police_register.csv", b"880254301234", b"880254309999")["line"] == 2
    text = _verify(write({**original, "receipts.csv": original["receipts.csv"].replace(b"|100.00|", b"|90.00|", 1)}))
    assert "FICHIER / FILE receipts.csv (csv_mismatch)" in text.stdout and "première ligne différente" in text.stdout

    def rendered(files: dict[str, bytes]) -> dict[str, bytes]:  # a forger who re-renders the CSV files too
        records: dict[str, list[tuple[dict[str, Any], str]]] = {}
        for n in sorted(files):
            if n.endswith(".json") and "/" in n:
                sha = hashlib.sha256(files[n]).hexdigest()
                records.setdefault(n.split("/")[0], []).append((json.loads(files[n]), sha))
        return {**files, **verifier.render_csv_files(records)}

    # The last receipt dropped, the CSV files and the manifest made to match.
    receipt = chains["receipt"]
    last = f"receipt/{receipt['last_rank']:010d}.json"
    dropped = write(rendered({n: d for n, d in original.items() if n != last}),
                    last={"receipt": receipt["last_rank"] - 1})
    assert _verify(dropped).returncode == 3 and "intègre" not in _verify(dropped).stdout
    assert _verify(dropped, "--manifest-sha256", sealed).returncode == 1
    # The whole consultation chain and its CSV dropped, the manifest adjusted.
    no_log = {n: d for n, d in original.items() if not n.startswith("consultation")}
    assert _verify(write(no_log, drop_chains=("consultation",))).returncode == 1  # a CSV file missing
    emptied = write(rendered(no_log), drop_chains=("consultation",))
    assert _verify(emptied).returncode == 3
    assert _verify(emptied, "--manifest-sha256", sealed).returncode == 1


def test_a_user_builds_the_archive_of_a_closed_month_as_a_job_and_the_build_is_one_event(
        month_of_business: TenantSession, monkeypatch: Any) -> None:
    from chalicelib.services import fiscal_archives
    from chalicelib.services.closings import close_tenant

    tenant, api = month_of_business, month_of_business.api
    monkeypatch.setattr(fiscal_archives, "archive_closed_periods", lambda *args, **kwargs: [])
    period, next_month = _periods()
    close_tenant(tenant.tenant_id, next_month)
    assert _archive(api, period) is None  # nothing automatic here

    started = api.post("/api/compliance/archives", {"period": period})
    assert started.status == 202, started.body
    job = _wait(lambda: (j := api.get(f"/api/jobs/{started.body['job_id']}").body)["status"] != "running" and j)
    assert job["status"] == "succeeded", job
    assert "files" not in job["result"]  # handed out by GET /api/compliance/archives/{period} alone
    _ready(api, period)
    archive = _wait(lambda: (a := _archive(api, period)) and a["event_rank"] and a)  # figures: from the seal
    assert archive["automatic"] is False and archive["size"] > 0 and archive["records"]["receipt"] == 3
    built = _wait(lambda: _events(tenant.tenant_id, "archive_built", period))
    assert len(built) == 1 and built[0]["user"] == tenant.email
    assert _events(tenant.tenant_id, "archive_downloaded", period) == []  # building is no download


def test_a_past_month_without_tickets_has_an_empty_archive_and_others_cannot_reach_it(
        tenant: TenantSession, other_tenant: TenantSession) -> None:
    api = tenant.api
    assert api.post("/api/compliance/archives", {"period": "2999"}).status == 409  # not over
    assert api.post("/api/compliance/archives", {"period": "11-2026"}).status == 400
    assert api.post("/api/compliance/archives", {"month": "2026-11"}).status == 400
    shop = tenant.add_user("shop")
    assert shop.post("/api/compliance/archives", {"period": "2025-06"}).status == 403
    assert shop.get("/api/compliance/archives").status == 403

    # Over, and no ticket to close: nothing waits for a closing.
    assert api.post("/api/compliance/archives", {"period": "2025-06"}).status == 202
    archive = _ready(api, "2025-06")
    assert archive["records"] == {} and archive["period_label"] == "juin 2025"
    assert other_tenant.api.get("/api/compliance/archives/2025-06").status == 404
    assert other_tenant.api.get("/api/compliance/archives").body["items"] == []


def test_a_failed_build_leaves_the_archive_failed_in_french_and_the_next_closing_run_builds_it_once(
        month_of_business: TenantSession, monkeypatch: Any) -> None:
    from chalicelib.errors import FiscalArchiveSourceError
    from chalicelib.services import fiscal_archives
    from chalicelib.services.closings import close_tenant

    tenant, api = month_of_business, month_of_business.api
    period, next_month = _periods()
    real_build = fiscal_archives.build

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise FiscalArchiveSourceError(details={"chain": "receipt", "rank": 1})

    monkeypatch.setattr(fiscal_archives, "build", broken)
    close_tenant(tenant.tenant_id, next_month)
    failed = _wait(lambda: (a := _archive(api, period)) and a["status"] == "failed" and a)
    assert failed and "vérification des registres" in failed["error"], _archive(api, period)
    assert api.get(f"/api/compliance/archives/{period}").status == 409  # nothing to download
    assert _events(tenant.tenant_id, "archive_built", period) == []

    monkeypatch.setattr(fiscal_archives, "build", real_build)
    close_tenant(tenant.tenant_id, next_month)  # nothing left to close; the archive is started again
    assert _ready(api, period)["automatic"] is True
    assert len(_wait(lambda: _events(tenant.tenant_id, "archive_built", period))) == 1


def test_an_insider_who_overwrites_the_stored_archive_and_its_item_gets_nothing_past_the_sealed_event(
        month_of_business: TenantSession, tmp_path: Path) -> None:
    """The zip is locked in the vault (a new version over it is seen); the list, the download and
    the downloaded event take the hashes from the sealed archive_built event, not the item."""
    from chalicelib.adapters import vault
    from chalicelib.adapters.aws import client
    from chalicelib.adapters.models import CounterModel
    from chalicelib.services.closings import close_tenant

    tenant, api = month_of_business, month_of_business.api
    period, next_month = _periods()
    close_tenant(tenant.tenant_id, next_month)
    archive = _ready(api, period)
    sealed = _wait(lambda: _events(tenant.tenant_id, "archive_built", period))[0]["details"]
    assert _wait(lambda: (_archive(api, period) or {}).get("event_rank"))
    prefix = f"archives/{tenant.tenant_id}/{period}/1/"
    zip_key = f"{prefix}lotbook-archive-fiscale-{period}.zip"
    s3 = client("s3")
    head = s3.head_object(Bucket=vault.bucket(), Key=zip_key)
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["VersionId"] == sealed["zip_version_id"]
    checked = {a["period"]: a for a in api.get("/api/compliance/verify").body["archives"]}
    assert checked[period] == {"period": period, "ok": True, "reason": None}  # (and the year's, in December)

    # The item's hash rewritten: the list still shows the sealed one.
    item = CounterModel.get(tenant.tenant_id, f"fiscal_archive#{period}")
    item.state = {**item.state, "manifest_sha256": "f" * 64, "archive_sha256": "e" * 64}
    item.save()
    listed = _archive(api, period)
    assert listed and listed["manifest_sha256"] == sealed["manifest_sha256"] == archive["manifest_sha256"]
    assert listed["archive_sha256"] == sealed["archive_sha256"]

    # A forged zip written over the stored one (a new version at its key).
    s3.put_object(Bucket=vault.bucket(), Key=zip_key, Body=b"PK forged")
    refused = api.get(f"/api/compliance/archives/{period}")
    assert refused.status == 409 and refused.body["error"]["code"] == "fiscal_archive_altered", refused.body
    assert "empreinte scellée" in refused.body["error"]["message"]
    assert refused.body["error"]["details"]["file"] == f"lotbook-archive-fiscale-{period}.zip"
    altered = _wait(lambda: _events(tenant.tenant_id, "archive_altered", period))
    assert len(altered) == 1 and altered[0]["details"]["reason"] == "overwritten"
    assert _events(tenant.tenant_id, "archive_downloaded", period) == []  # nothing handed out
    report = api.get("/api/compliance/verify").body
    assert report["ok"] is False
    assert {a["period"]: a for a in report["archives"]}[period] == {
        "period": period, "ok": False, "reason": "overwritten", "file": f"lotbook-archive-fiscale-{period}.zip"}
    # The locked version itself cannot be removed.
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        s3.delete_object(Bucket=vault.bucket(), Key=zip_key, VersionId=sealed["zip_version_id"])

