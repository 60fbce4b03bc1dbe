"""Article search, the Σ summary, an article's history, and the selection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.adapters import unit_of_work
from chalicelib.adapters.repositories import articles as repo
from chalicelib.adapters.repositories import search_index
from chalicelib.adapters.repositories import selection as selection_repo
from chalicelib.adapters.repositories import sigma as sigma_repo
from chalicelib.auth import Principal
from chalicelib.domain import search, sigma
from chalicelib.domain.actions import STATUS_LABELS
from chalicelib.domain.article import Article
from chalicelib.domain.search import Filters
from chalicelib.domain.visibility import article_for, event_for, filterable, sortable
from chalicelib.errors import NotFoundError, ValidationError

KNOWN_STATUSES = set(STATUS_LABELS)
# Technical redirects left by buy_consigned are not inventory.
_HIDDEN_BY_DEFAULT = {"replaced"}


def parse_filters(params: dict[str, str]) -> Filters:
    try:
        return search.parse_filters(params, KNOWN_STATUSES)
    except search.FilterError as exc:
        raise ValidationError("Filtres invalides.", details=exc.details) from None


def _candidates(who: Principal, filters: Filters, selection: set[str]) -> Iterable[Article]:
    """The narrowest stored access path for these filters (the rest is filtered after)."""
    tenant = who.tenant_id
    if filters.ref:
        found = repo.get_articles(tenant, [filters.ref]).get(filters.ref)
        # a consigned article bought since lives on under a new reference
        while found is not None and found.replaced_by:
            found = repo.get_articles(tenant, [found.replaced_by]).get(found.replaced_by)
        return [found] if found is not None else []
    if filters.in_selection:
        return repo.get_articles(tenant, selection).values()
    for name, index in (("transaction_ref", "by_transaction"), ("invoice_number", "by_invoice")):
        if name in filters.equal:
            return repo.by_index(index, f"{tenant}#{filters.equal[name]}")
    if "lot_ref" in filters.equal:
        return repo.lot_articles(tenant, filters.equal["lot_ref"])
    if filters.text:
        return repo.get_articles(tenant, search_index.text_candidates(tenant, filters.text)).values()
    for name in ("sale", "deposit", "purchase"):
        if name in filters.ranges:
            low, high = filters.ranges[name]
            return repo.by_date(tenant, f"by_{name}_date", low, high)
    for name, index in (("client_id", "by_client"), ("supplier_id", "by_supplier"), ("family_id", "by_family")):
        if name in filters.equal:
            return repo.by_index(index, f"{tenant}#{filters.equal[name]}")
    if len(filters.statuses) == 1:
        (status,) = filters.statuses
        return repo.by_index("by_status", f"{tenant}#{status}")
    return repo.all_articles(tenant)


def find(who: Principal, filters: Filters) -> list[Article]:
    """Every article matching all the filters, sorted."""
    if not sortable("article", filters.sort.lstrip("-"), who.may("see_purchase_data")):
        raise ValidationError(details={"sort": "Tri impossible sur ce champ pour votre profil."})
    unit_of_work.recover_before_reading(who.tenant_id)  # never list what a dead bulk action half wrote
    selection = set(selection_refs(who)) if filters.in_selection is not None else set()
    sees = who.may("see_purchase_data")
    found = [a for a in _candidates(who, filters, selection)
             if search.matches(filterable(a, sees), filters, selection)]
    if not filters.statuses and not filters.ref:
        found = [a for a in found if a.status not in _HIDDEN_BY_DEFAULT]
    return search.sort_articles(found, filters.sort)


def view(who: Principal, article: Article) -> dict[str, Any]:
    shown = article_for(article, who.may("see_purchase_data"))
    return {k: v for k, v in shown.items() if k not in ("events", "vat_rate_before_sale")}


def summary(who: Principal, filters: Filters) -> dict[str, Any]:
    """The Σ of the articles the filters find, the cheapest way that gives the same figures.

    Whole months of sale and statuses (or no filter): from the Σ buckets, one small Query
    (chalicelib/domain/sigma.py). Other filters: from the articles' slim copies along the
    search's access path. Text, traces, a reference or the selection: from whole articles
    (those paths read few). Each way sums what :func:`search.summary` sums.
    """
    who.require("see_purchase_data")
    tenant = who.tenant_id
    unit_of_work.recover_before_reading(tenant)  # never count what a dead bulk action half wrote
    ask = sigma.question(filters)
    if ask is not None and sigma_repo.is_ready(tenant):
        return sigma.summary_from(sigma_repo.buckets(tenant, ask.first_month, ask.last_month), ask)
    slim = _slim_candidates(tenant, filters)
    if slim is None:
        return search.summary(find(who, filters))
    found = [a for a in slim if search.matches(a, filters)]
    if not filters.statuses:
        found = [a for a in found if a["status"] not in _HIDDEN_BY_DEFAULT]
    return search.summary(found)


def _slim_candidates(tenant: str, filters: Filters) -> Iterable[dict[str, Any]] | None:
    """Slim copies along an access path wide enough for these filters; None when whole
    articles are needed (text, traces) or few anyway (a reference, the selection, a sale)."""
    if (not sigma.slim_enough(filters) or filters.ref or filters.in_selection is not None
            or {"transaction_ref", "invoice_number", "lot_ref"} & set(filters.equal)):
        return None
    for name in ("sale", "deposit", "purchase"):
        if name in filters.ranges:
            return repo.slim_articles(tenant, f"by_{name}_date", dates=filters.ranges[name])
    for name, index in (("client_id", "by_client"), ("supplier_id", "by_supplier"), ("family_id", "by_family")):
        if name in filters.equal:
            return repo.slim_articles(tenant, index, f"{tenant}#{filters.equal[name]}")
    if len(filters.statuses) == 1:
        (status,) = filters.statuses
        return repo.slim_articles(tenant, "by_status", f"{tenant}#{status}")
    return repo.slim_articles(tenant)


def history(who: Principal, ref: str) -> list[dict[str, Any]]:
    """Every event of the article, oldest first: entry, corrections, actions."""
    article = repo.get_article(who.tenant_id, ref)
    events: list[dict[str, Any]] = []
    if article.purchase_date:
        from chalicelib.adapters.repositories.lots import get_lot

        try:
            lot = get_lot(who.tenant_id, article.lot_ref)
            events.append({"at": None if lot.committed_at is None else lot.committed_at.isoformat(),
                           "user": lot.committed_by, "event": "lot_committed",
                           "date": None if lot.purchase_date is None else lot.purchase_date.isoformat(),
                           "details": {"lot_ref": lot.ref, "kind": lot.kind}})
        except NotFoundError:
            pass
    for t in article.traces:
        events.append({"at": t["at"], "user": t["user"], "event": "correction", "date": None,
                       "details": {k: t[k] for k in ("field", "old", "new", "reason")}})
    events.extend(dict(e) for e in article.events)
    sees = who.may("see_purchase_data")
    shown = [e for e in (event_for(e, sees) for e in events) if e is not None]
    return sorted(shown, key=lambda e: e.get("at") or "")


# ---------------------------------------------------------------- selection


def selection_refs(who: Principal) -> list[str]:
    refs, _ = selection_repo.get_selection(who.tenant_id, who.user_id)
    return refs


def selection_view(who: Principal) -> dict[str, Any]:
    refs = selection_refs(who)
    return {"refs": refs, "count": len(refs)}


def _update_selection(who: Principal, add: Iterable[str] = (), remove: Iterable[str] = ()) -> dict[str, Any]:
    for _ in range(3):  # a concurrent change of the same selection: re-read and retry
        refs, version = selection_repo.get_selection(who.tenant_id, who.user_id)
        removed = set(remove)
        kept = [r for r in refs if r not in removed]
        present = set(kept)
        kept += [r for r in dict.fromkeys(add) if r not in present]
        try:
            selection_repo.save_selection(who.tenant_id, who.user_id, kept, version)
            return {"refs": kept, "count": len(kept)}
        except Exception as exc:  # noqa: BLE001 - only the version conflict is retried
            if getattr(exc, "code", None) != "conflict":
                raise
    raise ValidationError("La sélection change trop vite : réessayez.")


# What a select-all may sort on from the slim copies (the rest needs whole articles).
_SLIM_SORTS = {"ref", "status", *sigma.SLIM_FIELDS}


def _matching_refs(who: Principal, filters: Filters) -> list[str]:
    """The references :func:`find` lists, in its order, read from the keys or the slim
    copies when they carry what the filters and the sort look at (a select-all keeps only
    references: no article is read whole for them)."""
    name = filters.sort.lstrip("-")
    if name not in _SLIM_SORTS or _slim_candidates(who.tenant_id, filters) is None:
        return [a.ref for a in find(who, filters)]
    if not sortable("article", name, who.may("see_purchase_data")):
        raise ValidationError(details={"sort": "Tri impossible sur ce champ pour votre profil."})
    tenant = who.tenant_id
    unit_of_work.recover_before_reading(tenant)  # never list what a dead bulk action half wrote
    if len(filters.statuses) == 1 and name == "ref" and filters == Filters(statuses=filters.statuses,
                                                                           sort=filters.sort):
        (status,) = filters.statuses  # one status, nothing else: the index's keys say it all
        return sorted(repo.refs_by_index("by_status", f"{tenant}#{status}"), reverse=filters.sort.startswith("-"))
    found = [a for a in _slim_candidates(tenant, filters) or () if search.matches(a, filters)]
    if not filters.statuses:
        found = [a for a in found if a["status"] not in _HIDDEN_BY_DEFAULT]
    return [a["ref"] for a in search.sort_articles(found, filters.sort)]


def _resolve(who: Principal, refs: list[str] | None, filter_params: dict[str, str] | None) -> list[str]:
    if filter_params is not None:
        return _matching_refs(who, parse_filters(filter_params))
    wanted = [r.strip().upper() for r in refs or []]
    found = repo.get_articles(who.tenant_id, wanted)
    unknown = [r for r in wanted if r not in found]
    if unknown:
        raise NotFoundError("Référence(s) inconnue(s) : " + ", ".join(unknown) + ".", details={"refs": unknown})
    return wanted


def select(who: Principal, refs: list[str] | None, filter_params: dict[str, str] | None) -> dict[str, Any]:
    return _update_selection(who, add=_resolve(who, refs, filter_params))


def deselect(who: Principal, refs: list[str] | None, filter_params: dict[str, str] | None) -> dict[str, Any]:
    if filter_params is not None:
        return _update_selection(who, remove=_resolve(who, None, filter_params))
    return _update_selection(who, remove=[r.strip().upper() for r in refs or []])


def reset_selection(who: Principal) -> None:
    _, version = selection_repo.get_selection(who.tenant_id, who.user_id)
    selection_repo.save_selection(who.tenant_id, who.user_id, [], version)


def scan(who: Principal, ref: str) -> dict[str, Any]:
    """A scanner typed a reference: find that one article and select it."""
    wanted = ref.strip().upper()
    candidates = list(_candidates(who, parse_filters({"ref": wanted}), set()))
    if not candidates:
        raise NotFoundError(f"Aucun article ne porte la référence {wanted}.")
    found = candidates[0]
    selection = _update_selection(who, add=[found.ref])
    return {"article": view(who, found), "selection": selection}
