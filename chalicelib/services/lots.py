"""Purchases: the draft lot, its commit, corrections and retraction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import unit_of_work
from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import counters as counters_repo
from chalicelib.adapters.repositories import drafts as drafts_repo
from chalicelib.adapters.repositories import lots as lots_repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain import csv_import, references, register
from chalicelib.domain import lots as rules
from chalicelib.domain.article import Article
from chalicelib.domain.lot import Lot
from chalicelib.domain.lots import DraftHeader, DraftLine
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.parties import missing_police_identity
from chalicelib.domain.records import JournalEntry, NewLot, SearchDocument
from chalicelib.domain.visibility import article_for, lot_for
from chalicelib.errors import (
    AlreadyRetractedError,
    CashMetalPurchaseError,
    ConcurrentChangeError,
    DateBeforeCreationYearError,
    DateInFutureError,
    IncompleteDraftError,
    InvalidCsvError,
    LotTotalMismatchError,
    MetalSellerUnidentifiedError,
    NotFoundError,
    NoWeightToDistributeError,
    PoliceIdentityIncompleteError,
    ReasonRequiredError,
    ReferenceUnavailableError,
    RegisterDivergenceError,
    SoldArticleRateError,
    TooManyArticlesError,
    TooWideWriteError,
    ValidationError,
    WrongStatusError,
)
from chalicelib.observability import logger

# ---------------------------------------------------------------- errors


def _metal_seller_refusal(missing: dict[str, str]) -> MetalSellerUnidentifiedError:
    return MetalSellerUnidentifiedError(
        "Achat de métaux refusé : l'identité du vendeur est incomplète (art. R321-3 du code pénal). "
        f"Manque : {', '.join(missing.values())}.", details={"missing": missing})


# ---------------------------------------------------------------- helpers


def _actor(who: Principal) -> register.Actor:
    return register.Actor(user=who.email, at=datetime.now(UTC))


def _today() -> date:
    return datetime.now(UTC).date()


def _families(tenant_id: str) -> dict[str, Any]:
    return {f.id: f for f in catalog_repo.list_families(tenant_id)}


def _check_purchase_date(purchase_date: date, creation_year: int) -> None:
    if rules.before_creation_year(DraftHeader(purchase_date=purchase_date), creation_year):
        raise DateBeforeCreationYearError(
            f"Achat daté d'avant le 1er janvier {creation_year}, année de création de l'entreprise.")
    if purchase_date > _today():
        raise DateInFutureError("La date d'achat ne peut pas être dans le futur.")


def _supplier_identity(tenant_id: str, supplier_id: str) -> dict[str, Any]:
    supplier = catalog_repo.get_party(tenant_id, "supplier", supplier_id)
    return register.frozen_identity(supplier.id, supplier.fields)


# ---------------------------------------------------------------- the draft


def _load(who: Principal) -> tuple[drafts_repo.Draft, DraftHeader, list[DraftLine]]:
    draft = drafts_repo.get_draft(who.tenant_id, who.user_id)
    return draft, draft.header, list(draft.lines)


def _store(who: Principal, draft: drafts_repo.Draft, header: DraftHeader, lines: list[DraftLine]) -> dict[str, Any]:
    if len(lines) > references.MAX_ARTICLES_PER_LOT:
        raise TooManyArticlesError()
    draft.header = header
    draft.lines = list(lines)
    drafts_repo.save_draft(who.tenant_id, who.user_id, draft)
    return _draft_view(header, lines)


def _draft_view(header: DraftHeader, lines: list[DraftLine]) -> dict[str, Any]:
    tmp_rate = get_settings().tmp_rate
    view = header.to_json()
    view["price_incl_tmp"] = (fmt(rules.price_incl_tmp(header.purchase_price, tmp_rate))
                              if header.tmp and header.purchase_price is not None else None)
    view["tmp_rate"] = str(tmp_rate)
    view["lines"] = [{"n": n, **line.to_json()} for n, line in enumerate(lines, start=1)]
    view["article_count"] = len(lines)
    view["lines_total"] = fmt(rules.lines_total(lines))
    diff = rules.difference(header, lines)
    view["difference"] = fmt(diff)
    return view


def draft_view(who: Principal) -> dict[str, Any]:
    who.require("enter_lots")
    _, header, lines = _load(who)
    return _draft_view(header, lines)


def update_draft_header(who: Principal, changes: dict[str, Any]) -> dict[str, Any]:
    """Partial update; with TMP, a price including the tax gives the price without."""
    who.require("enter_lots")
    draft, header, lines = _load(who)
    if changes.get("supplier_id"):
        catalog_repo.get_party(who.tenant_id, "supplier", changes["supplier_id"])
    incl = changes.pop("price_incl_tmp", None)
    # An explicit null puts a field back to its default, as the stored draft reads back
    # (``"tmp": null`` had answered ``null`` where API.md has a boolean).
    defaults = DraftHeader()
    header = replace(header, **{k: getattr(defaults, k) if v is None else v for k, v in changes.items()})
    if incl is not None:
        if not header.tmp:
            raise ValidationError(details={"price_incl_tmp": "Seulement pour un lot soumis à la TMP."})
        header = replace(header, purchase_price=rules.purchase_from_incl_tmp(incl, get_settings().tmp_rate))
    return _store(who, draft, header, lines)


def clear_draft(who: Principal) -> None:
    who.require("enter_lots")
    drafts_repo.delete_draft(who.tenant_id, who.user_id)


def _check_family(tenant_id: str, family_id: str | None) -> None:
    if family_id is not None and family_id not in _families(tenant_id):
        raise ValidationError(details={"family_id": "Famille inconnue."})


def add_lines(who: Principal, line: DraftLine, quantity: int) -> dict[str, Any]:
    """``quantity`` identical lines: as many distinct articles at commit."""
    who.require("enter_lots")
    _check_family(who.tenant_id, line.family_id)
    draft, header, lines = _load(who)
    return _store(who, draft, header, [*lines, *([line] * quantity)])


def _line_index(lines: list[DraftLine], n: int) -> int:
    if not 1 <= n <= len(lines):
        raise NotFoundError(f"Pas de ligne {n} dans le lot en cours.")
    return n - 1


def replace_line(who: Principal, n: int, line: DraftLine) -> dict[str, Any]:
    who.require("enter_lots")
    _check_family(who.tenant_id, line.family_id)
    draft, header, lines = _load(who)
    lines[_line_index(lines, n)] = line
    return _store(who, draft, header, lines)


def remove_line(who: Principal, n: int) -> dict[str, Any]:
    who.require("enter_lots")
    draft, header, lines = _load(who)
    del lines[_line_index(lines, n)]
    return _store(who, draft, header, lines)


def import_csv(who: Principal, data: bytes, separator: str, skip: int,
               default_family_id: str | None, default_vat_rate: str) -> dict[str, Any]:
    who.require("enter_lots")
    families = {fid: f.label for fid, f in _families(who.tenant_id).items()}
    if default_family_id is not None and default_family_id not in families:
        raise ValidationError(details={"family": "Famille par défaut inconnue."})
    result = csv_import.parse(data, separator=separator, skip=skip, families=families,
                              default_family_id=default_family_id, default_vat_rate=default_vat_rate)
    if result.errors:
        raise InvalidCsvError(details={"lines": result.errors})
    draft, header, lines = _load(who)
    if len(lines) + len(result.lines) > references.MAX_ARTICLES_PER_LOT:
        raise TooManyArticlesError(
            f"Le lot compterait {len(lines) + len(result.lines)} articles : 999 au plus.")
    view = _store(who, draft, header, [*lines, *result.lines])
    view["imported"] = len(result.lines)
    return view


def distribute_by_weight(who: Principal) -> dict[str, Any]:
    who.require("enter_lots")
    draft, header, lines = _load(who)
    if header.purchase_price is None:
        raise ValidationError(details={"purchase_price": "Saisissez d'abord le prix d'achat du lot."})
    try:
        prices = rules.distribute_by_weight(header.purchase_price, [line.weight_g for line in lines])
    except rules.NoWeightError as exc:
        raise NoWeightToDistributeError(str(exc)) from None
    return _store(who, draft, header, rules.with_prices(lines, prices))


# ---------------------------------------------------------------- commit


def commit(who: Principal, kind: str) -> dict[str, Any]:
    who.require("enter_lots")
    return commit_draft(who, who.user_id, drafts_repo.get_draft(who.tenant_id, who.user_id), kind)


def commit_draft(who: Principal, owner: str, draft: drafts_repo.Draft, kind: str) -> dict[str, Any]:
    """Commit a stored draft: the user's own, or a lot received from another subscriber
    (``owner`` is then ``pending#<id>``, see services/transfers.py)."""
    header, lines = draft.header, list(draft.lines)
    tenant = tenant_repo.get_tenant(who.tenant_id)
    families = _families(who.tenant_id)

    problems = rules.check_draft(kind, header, lines, set(families))
    if kind == "consignment":
        for n, line in enumerate(lines, start=1):
            if line.reserve_price is None:
                problems.line(n, "Prix de réserve manquant (lot en confié).")
    supplier: dict[str, Any] | None = None
    if header.supplier_id is not None:
        try:
            supplier = _supplier_identity(who.tenant_id, header.supplier_id)
        except NotFoundError:
            problems.fields["supplier_id"] = "Fournisseur introuvable."
    if problems:
        raise IncompleteDraftError(details=problems.details())
    assert header.purchase_date is not None and supplier is not None

    creation_year = int(tenant.settings["creation_year"])
    _check_purchase_date(header.purchase_date, creation_year)
    metal = {fid for fid, f in families.items() if f.metal_2093}
    if kind == "purchase":
        mismatch = rules.total_mismatch(header, lines)
        if mismatch is not None:
            raise LotTotalMismatchError(
                f"Le total des articles ({fmt(rules.lines_total(lines))} €) diffère du prix du lot "
                f"({fmt(header.purchase_price)} €) de {fmt(mismatch)} €.",
                details={"difference": fmt(mismatch), "lines_total": fmt(rules.lines_total(lines)),
                         "purchase_price": fmt(header.purchase_price)})
        if rules.cash_metal_purchase(header, lines, metal):
            raise CashMetalPurchaseError()
    missing = missing_police_identity(supplier)
    if missing and rules.holds_metal(lines, metal):  # whatever strict_police_register says
        raise _metal_seller_refusal(missing)
    if missing and tenant.settings.get("strict_police_register"):
        raise PoliceIdentityIncompleteError(details={"missing": missing})

    ref = _reserve_reference(who, owner, draft, kind, header.purchase_date, creation_year)
    actor = _actor(who)
    try:
        lot, articles = register.new_lot(kind, ref, header, lines, supplier, get_settings().tmp_rate, actor)
        labels = {fid: f.label for fid, f in families.items()}
        payload = register.register_version(lot, articles, labels, "lot_committed", actor)
        _write_commit(who, owner, lot, articles, payload, draft.version)
    except Exception:
        _release_claim(who, owner, draft, ref)  # the retry keeps the reference
        raise

    warnings = [f"Livre de police : {label} du vendeur manquant(e)." for label in missing.values()]
    sees = who.may("see_purchase_data")
    return {"lot": lot_for(_public_lot(lot), sees),
            "articles": [article_for(a, sees) for a in articles],
            "warnings": warnings}


def _reserve_reference(who: Principal, owner: str, draft: drafts_repo.Draft, kind: str, purchase_date: date,
                       creation_year: int) -> str:
    """Claim the draft, then its reference: reused from a commit that failed, or the month's next rank.

    The claim comes BEFORE the counter moves: a conditional write on the draft's version
    marks it ``claimed_at``. Of parallel commits of one draft (a double click, two tabs)
    only the one whose claim passes goes on; the others are refused (409) without touching
    the counter, and so is a commit that finds a fresh claim (another one is writing the
    lot). The claim lasts until the commit's last transaction deletes the draft, or is
    released when the commit fails (:func:`_release_claim`); one left by a dead process
    expires after :data:`CLAIM_SECONDS`.

    The reference is stored in the draft as soon as it is taken, so a retry keeps it
    and the month's sequence stays without gaps.
    """
    month_key = references.counter_key(kind, purchase_date)
    reserved = draft.reserved or {}
    if reserved.get("claimed_at") and not _claim_expired(str(reserved["claimed_at"])):
        raise ConcurrentChangeError("Ce lot est déjà en cours d'enregistrement : rechargez dans un instant.")
    try:  # out-of-range year: refused before the draft is claimed or a rank taken
        references.lot_ref(creation_year, purchase_date, 1, kind == "consignment")
    except references.ReferenceFormatError as exc:
        raise ReferenceUnavailableError(str(exc)) from None
    kept = reserved.get("ref") if reserved.get("counter") == month_key else None
    claim = {"counter": month_key, "claimed_at": datetime.now(UTC).isoformat()}
    draft.reserved = {**claim, "ref": kept} if kept else claim
    drafts_repo.save_draft(who.tenant_id, owner, draft)  # 409 for every parallel commit but one
    if kept:
        return str(kept)
    try:
        ref = references.lot_ref(creation_year, purchase_date, counters_repo.next_value(who.tenant_id, month_key),
                                 kind == "consignment")
    except references.ReferenceFormatError as exc:
        _release_claim(who, owner, draft, None)  # the month is full
        raise ReferenceUnavailableError(str(exc)) from None
    except Exception:
        _release_claim(who, owner, draft, None)
        raise
    draft.reserved = {**claim, "ref": ref}
    drafts_repo.save_draft(who.tenant_id, owner, draft)
    return ref


CLAIM_SECONDS = 60  # far beyond a commit's writes (19 requests for 999 articles)


def _claim_expired(claimed_at: str) -> bool:
    try:
        at = datetime.fromisoformat(claimed_at)
    except ValueError:
        return True
    return (datetime.now(UTC) - at).total_seconds() > CLAIM_SECONDS


def _release_claim(who: Principal, owner: str, draft: drafts_repo.Draft, ref: str | None) -> None:
    """After a failed commit: the draft keeps its reference (if any) for the retry, unclaimed."""
    reserved = draft.reserved or {}
    draft.reserved = {"counter": reserved.get("counter"), "ref": ref} if ref else None
    try:
        drafts_repo.save_draft(who.tenant_id, owner, draft)
    except Exception:  # noqa: BLE001 - the commit's own error is the one to report; the claim expires
        logger.warning("draft claim not released", extra={"tenant_id": who.tenant_id})


def _write_commit(who: Principal, owner: str, lot: Lot, articles: list[Article],
                  payload: dict[str, Any], draft_version: int | None) -> None:
    """The lot, its articles, its journal entry and search document, and the draft's removal:
    one unit of work (chalicelib/adapters/unit_of_work.py), all or nothing.

    A failure undoes the articles already written; the reserved reference stays in the
    draft for the next attempt. If the process dies before the last transaction, the next
    look at the inventory deletes them.
    """
    unit = unit_of_work.UnitOfWork(who.tenant_id)
    unit.add(NewLot(lot), JournalEntry("lot_committed", lot.ref, payload), SearchDocument.of(lot.ref, articles))
    unit.delete_draft(owner, draft_version)
    for article in articles:
        unit.create(article, overwrite=True)  # under the reference the draft reserved
    unit.commit()


# ---------------------------------------------------------------- reading


def _public_lot(lot: Lot) -> dict[str, Any]:
    return {**lot.to_record(), "tmp_due": fmt(lot.tmp_due)}


def lot_view(who: Principal, ref: str) -> dict[str, Any]:
    unit_of_work.recover_before_reading(who.tenant_id)  # never show what a dead write half did
    lot = _public_lot(lots_repo.get_lot(who.tenant_id, ref))
    lot["articles"] = articles_repo.lot_articles(who.tenant_id, ref)
    return lot_for(lot, who.may("see_purchase_data"))


def article_view(who: Principal, ref: str) -> dict[str, Any]:
    return article_for(articles_repo.get_article(who.tenant_id, ref), who.may("see_purchase_data"))


LOT_FILTERS = ("supplier_id", "kind", "condition", "status", "purchase_from", "purchase_to", "has_traces", "q")


def _matches(lot: Lot, filters: dict[str, str]) -> bool:
    bought = "" if lot.purchase_date is None else lot.purchase_date.isoformat()  # the filters' dates are ISO text
    for name, wanted in filters.items():
        if name in ("supplier_id", "kind", "condition", "status") and getattr(lot, name) != wanted:
            return False
        if name == "purchase_from" and bought < wanted:
            return False
        if name == "purchase_to" and bought > wanted:
            return False
        if name == "has_traces" and bool(lot.traces) != (wanted in ("1", "true", "oui")):
            return False
        if name == "q" and not lot.ref.startswith(wanted.strip().upper()):
            return False
    return True


def list_lots(who: Principal, filters: dict[str, str]) -> list[dict[str, Any]]:
    lots = [_public_lot(lot) for lot in lots_repo.list_lots(who.tenant_id) if _matches(lot, filters)]
    lots.sort(key=lambda lot: (lot["purchase_date"], lot["ref"]), reverse=True)
    sees = who.may("see_purchase_data")
    return [lot_for(lot, sees) for lot in lots]


def lots_summary(who: Principal, filters: dict[str, str]) -> dict[str, Any]:
    """The Σ of the filtered lots: counts, purchase total, TMP due."""
    who.require("see_purchase_data")
    lots = [lot for lot in lots_repo.list_lots(who.tenant_id) if _matches(lot, filters)]

    def total(amounts: Iterable[Decimal | None]) -> Decimal:
        return sum((amount for amount in amounts if amount is not None), ZERO)

    return {
        "count": len(lots),
        "article_count": sum(lot.article_count for lot in lots),
        "purchase_total": fmt(total(lot.purchase_price for lot in lots)),
        "price_incl_tmp_total": fmt(total(lot.price_incl_tmp for lot in lots)),
        "tmp_due": fmt(total(lot.tmp_due for lot in lots)),
    }


# ---------------------------------------------------------------- corrections


def _require_reason(changed_register: bool, reason: str | None) -> None:
    if changed_register and not reason:
        raise ReasonRequiredError(details={"reason": "Motif obligatoire pour corriger le registre."})


def _require_as_registered(who: Principal, lot: Lot, articles: list[Article],
                           families: dict[str, Any]) -> None:
    """A new police-register version starts from what the last one holds: while the live lot
    or its articles differ from it (a change made behind the application's back), a
    correction would seal the forged values as the user's, so it is refused."""
    from chalicelib.adapters.repositories import jobs as jobs_repo
    from chalicelib.domain import divergence
    from chalicelib.services import sealed_register

    last = sealed_register.last_version(who.tenant_id, lot.ref, lot.register_version)
    if last is None:
        return
    purged_articles, purged_lots = jobs_repo.purged_refs(who.tenant_id)
    found = divergence.register_divergences(
        [(last.rank or 0, last.content)], {lot.ref: lot.to_record()}, {a.ref: a for a in articles},
        {fid: [f.label, *f.former_labels] for fid, f in families.items()},
        divergence.Purged(frozenset(purged_lots), frozenset(purged_articles)))
    if found:
        raise RegisterDivergenceError(details={"divergences": [
            {"record": d.record, "ref": d.ref, "field": d.field} for d in found]})


def correct_lot(who: Principal, ref: str, changes: dict[str, Any], reason: str | None) -> dict[str, Any]:
    who.require("correct_lots")
    lot = lots_repo.get_lot(who.tenant_id, ref)
    if lot.status == "retracted":
        raise AlreadyRetractedError("Un lot rétracté ne se corrige plus.")
    tenant = tenant_repo.get_tenant(who.tenant_id)
    articles = articles_repo.lot_articles(who.tenant_id, ref)
    families = _families(who.tenant_id)
    values = {k: (fmt(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date) else v)
              for k, v in changes.items()}
    if lot.kind == "consignment":
        values.pop("purchase_price", None)
    kept = ("supplier_id", "purchase_date", "payment_method", "condition") + (
        ("purchase_price",) if lot.kind == "purchase" else ())
    cleared = sorted(k for k in kept if k in values and values[k] is None)
    if cleared:  # the police register keeps these: a correction changes them, never removes them
        raise ValidationError(details={k: "Ce champ du livre de police ne peut pas être vidé." for k in cleared})
    stored = lot.to_record()  # ``values`` are in the stored form too ("12.00", ISO dates)
    register_changes = {k: v for k, v in values.items()
                        if k in register.LOT_REGISTER_FIELDS and stored.get(k) != v}
    _require_reason(bool(register_changes), reason)

    if "purchase_date" in register_changes:
        _check_purchase_date(date.fromisoformat(register_changes["purchase_date"]),
                             int(tenant.settings["creation_year"]))
    new_payment = values.get("payment_method", lot.payment_method)
    metal = {fid for fid, f in families.items() if f.metal_2093}
    if (lot.kind == "purchase" and new_payment == "cash"
            and any(a.family_id in metal for a in articles)):
        raise CashMetalPurchaseError()
    new_supplier = (_supplier_identity(who.tenant_id, register_changes["supplier_id"])
                    if "supplier_id" in register_changes else None)
    if new_supplier is not None and any(a.family_id in metal for a in articles):
        missing = missing_police_identity(new_supplier)
        if missing:  # a metal lot never moves to an unidentified seller
            raise _metal_seller_refusal(missing)

    actor = _actor(who)
    updated, traces = register.apply_changes(lot, values, actor, reason)
    if new_supplier is not None:
        updated = replace(updated, supplier=new_supplier)
    if ("purchase_price" in register_changes and lot.tmp and updated.purchase_price is not None
            and lot.tmp_rate is not None):
        updated = replace(updated, price_incl_tmp=rules.price_incl_tmp(updated.purchase_price, lot.tmp_rate))
    changed_articles = []
    for article in articles:
        article_changes = {k: register_changes[k] for k in ("condition", "supplier_id", "purchase_date")
                           if k in register_changes}
        if article_changes:
            changed, _ = register.apply_changes(article, article_changes, actor, reason)
            changed_articles.append(changed)
    journal = None
    if register_changes:
        _require_as_registered(who, lot, articles, families)
        updated = replace(updated, register_version=lot.register_version + 1)
        by_ref = {a.ref: a for a in articles} | {a.ref: a for a in changed_articles}
        payload = register.register_version(updated, list(by_ref.values()),
                                            {fid: f.label for fid, f in families.items()},
                                            "lot_corrected", actor, reason)
        journal = JournalEntry("lot_corrected", ref, payload)
    if traces:
        _save_lot_and_articles(who, updated, changed_articles, articles, journal)
    return lot_view(who, ref)


def correct_article(who: Principal, ref: str, changes: dict[str, Any], reason: str | None) -> dict[str, Any]:
    who.require("correct_lots")
    article = articles_repo.get_article(who.tenant_id, ref)
    if article.status == "retracted":
        raise AlreadyRetractedError("Un article rétracté ne se corrige plus.")
    lot = lots_repo.get_lot(who.tenant_id, article.lot_ref)
    families = _families(who.tenant_id)
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "weight_g":
            values[name] = DraftLine("x", weight_g=value).to_json()["weight_g"]
        elif isinstance(value, Decimal):
            values[name] = fmt(value)
        else:
            values[name] = value
    if lot.kind == "consignment":
        values.pop("purchase_price", None)
    if article.status == "sold" and "vat_rate" in values and values["vat_rate"] != article.vat_rate:
        raise SoldArticleRateError()  # the rate of a sale is on its sealed receipt: Σ and closings follow it
    if values.get("family_id") and values["family_id"] not in families:
        raise ValidationError(details={"family_id": "Famille inconnue."})
    stored = article.to_record()  # ``values`` are in the stored form too ("12.00", ISO dates)
    register_changes = {k: v for k, v in values.items()
                        if k in register.ARTICLE_REGISTER_FIELDS and stored.get(k) != v}
    _require_reason(bool(register_changes), reason)
    if ("family_id" in register_changes and lot.kind == "purchase" and lot.payment_method == "cash"
            and families[register_changes["family_id"]].metal_2093):
        raise CashMetalPurchaseError()
    if "family_id" in register_changes and families[register_changes["family_id"]].metal_2093:
        missing = missing_police_identity(dict(lot.supplier or {}))
        if missing:  # an article becomes metal: the lot's seller must be identified
            raise _metal_seller_refusal(missing)

    actor = _actor(who)
    updated, traces = register.apply_changes(article, values, actor, reason)
    if not traces:
        return article_view(who, ref)
    journal = None
    others: list[Article] | None = None  # the lot's other articles, when read
    if register_changes:
        siblings = articles_repo.lot_articles(who.tenant_id, lot.ref)
        _require_as_registered(who, lot, siblings, families)
        lot = replace(lot, register_version=lot.register_version + 1)
        others = [a for a in siblings if a.ref != ref]
        payload = register.register_version(lot, [*others, updated],
                                            {fid: f.label for fid, f in families.items()},
                                            "lot_corrected", actor, reason)
        journal = JournalEntry("lot_corrected", lot.ref, payload)
    unit = unit_of_work.UnitOfWork(who.tenant_id).change(article, updated)
    if journal is not None:
        unit.save_lot(lot).add(journal)
    search = _search_after(who, lot.ref, updated, article, others)
    if search is not None:
        unit.add(search)
    unit.commit()
    return article_view(who, ref)


def _search_after(who: Principal, lot_ref: str, updated: Article, before: Article,
                  others: list[Article] | None) -> SearchDocument | None:
    """The lot's new search document when the article's text changed, else None."""
    if (updated.description, updated.serial, updated.comment) == (before.description, before.serial, before.comment):
        return None
    if others is None:
        others = [a for a in articles_repo.lot_articles(who.tenant_id, lot_ref) if a.ref != updated.ref]
    return SearchDocument.of(lot_ref, [*others, updated])


def _save_lot_and_articles(who: Principal, lot: Lot, articles: list[Article],
                           before: list[Article], journal: JournalEntry | None) -> None:
    """The lot and its articles, one unit of work (chalicelib/adapters/unit_of_work.py):
    all or nothing, even beyond one transaction.

    ``before`` is the lot's articles as read: each must still have its status when
    written, and they are what a failure puts back.
    """
    originals = {a.ref: a for a in before}
    unit = unit_of_work.UnitOfWork(who.tenant_id).save_lot(lot)
    if journal is not None:
        unit.add(journal)
    for article in articles:
        unit.change(originals[article.ref], article)
    try:
        unit.commit()
    except TooWideWriteError:  # articles sold over more than ~8 years, each month a Σ bucket to move
        raise ValidationError("Cette correction touche trop de périodes de vente à la fois : "
                              "corrigez les articles un par un.") from None


# ---------------------------------------------------------------- retraction


def retract(who: Principal, ref: str, comment: str) -> dict[str, Any]:
    """48 h withdrawal of a private seller, or a lot entered twice."""
    who.require("correct_lots")
    unit_of_work.recover(who.tenant_id)
    lot = lots_repo.get_lot(who.tenant_id, ref)
    if lot.status == "retracted":
        raise AlreadyRetractedError()
    articles = articles_repo.lot_articles(who.tenant_id, ref)
    in_stock = register.STATUS_AFTER_COMMIT[lot.kind]
    elsewhere = sorted(a.ref for a in articles if a.status != in_stock)
    if elsewhere:
        raise WrongStatusError(
            "Rétractation impossible : tous les articles du lot doivent être en stock.",
            details={"refs": elsewhere})
    actor = _actor(who)
    new_lot, new_articles = register.retracted(lot, articles, comment, actor)
    families = _families(who.tenant_id)
    payload = register.register_version(new_lot, new_articles, {fid: f.label for fid, f in families.items()},
                                        "lot_retracted", actor, comment)
    journal = JournalEntry("lot_retracted", ref, payload)
    _save_lot_and_articles(who, new_lot, new_articles, articles, journal)
    return lot_view(who, ref)
