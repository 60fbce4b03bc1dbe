"""Jobs and archives (backups, closures): their items, and a tenant's data as a whole."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import (
    ArchiveModel,
    ArticleModel,
    CounterModel,
    FamilyModel,
    JobModel,
    LotModel,
    PartyModel,
    SaleModel,
    SearchModel,
    TenantModel,
    UserModel,
)
from chalicelib.adapters.repositories.article_items import article_item, article_record
from chalicelib.adapters.repositories.bulk import batch_delete, query_in_ranges
from chalicelib.adapters.repositories.search_index import search_item
from chalicelib.adapters.repositories.sigma import MOVE_PREFIX
from chalicelib.domain.article import Article
from chalicelib.errors import NotFoundError


def job_id() -> str:
    import secrets

    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(6)


def _job(item: JobModel) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "status": item.status, "progress": float(item.progress or 0),
            "params": item.params or {}, "result": item.result, "error": item.error,
            "created_at": item.created_at.isoformat()}


def create_job(tenant_id: str, kind: str, params: dict[str, Any], user_id: str | None) -> dict[str, Any]:
    ensure_models_bound()
    item = JobModel(tenant_id, job_id(), kind=kind, status="running", progress=0, params=params,
                    created_by=user_id, created_at=datetime.now(UTC))
    item.save(condition=JobModel.id.does_not_exist())
    return _job(item)


def get_job(tenant_id: str, id_: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return _job(JobModel.get(tenant_id, id_))
    except DoesNotExist:
        raise NotFoundError("Tâche introuvable.") from None


def update_job(tenant_id: str, id_: str, **fields: Any) -> None:
    ensure_models_bound()
    actions = [getattr(JobModel, name).set(value) for name, value in fields.items() if value is not None]
    actions += [getattr(JobModel, name).remove() for name, value in fields.items() if value is None]
    JobModel(tenant_id, id_).update(actions=actions)


# ---------------------------------------------------------------- archives


def _archive(item: ArchiveModel) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "status": item.status, "title": item.title, "key": item.key,
            **(item.info or {}), "created_at": item.created_at.isoformat()}


def list_archives(tenant_id: str) -> list[dict[str, Any]]:
    ensure_models_bound()
    return [_archive(i) for i in ArchiveModel.query(tenant_id)]


def get_archive(tenant_id: str, id_: str) -> dict[str, Any]:
    ensure_models_bound()
    try:
        return _archive(ArchiveModel.get(tenant_id, id_))
    except DoesNotExist:
        raise NotFoundError("Sauvegarde introuvable.") from None


def put_archive(tenant_id: str, archive: dict[str, Any]) -> None:
    ensure_models_bound()
    ArchiveModel(tenant_id, archive["id"], kind=archive["kind"], status=archive["status"],
                 title=archive.get("title"), key=archive["key"], info=archive.get("info") or {},
                 created_at=datetime.fromisoformat(archive["created_at"])).save()


def delete_archive(tenant_id: str, id_: str) -> None:
    ensure_models_bound()
    ArchiveModel(tenant_id, id_).delete()


# ---------------------------------------------------------------- a tenant's data


def _b64(value: Any) -> Any:
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes | bytearray) else value


def tenant_records(tenant_id: str) -> Iterator[dict[str, Any]]:
    """Every record a backup keeps: ``{"type", ...}``; not the selection, not drafts."""
    ensure_models_bound()
    tenant = TenantModel.get(tenant_id)
    yield {"type": "company", "settings": tenant.settings}
    for family in FamilyModel.query(tenant_id):
        yield {"type": "family", "id": family.id, "label": family.label, "metal_2093": int(family.metal_2093 or 0),
               "margin_category": family.margin_category, "former_labels": family.former_labels}
    for party in PartyModel.query(tenant_id):
        yield {"type": "party", "id": party.id, "kind": party.kind, "fields": party.fields,
               "created_at": party.created_at.isoformat()}
    for lot in LotModel.query(tenant_id):
        yield {"type": "lot", "ref": lot.ref, "kind": lot.kind, "data": lot.data}
    for article in query_in_ranges(ArticleModel, tenant_id):  # the big one: ranges read side by side
        yield {"type": "article", "article": article_record(article)}
    for sale in SaleModel.query(tenant_id):
        yield {"type": "sale", "transaction_ref": sale.transaction_ref, "data": sale.data}
    for search in SearchModel.query(tenant_id):
        yield {"type": "search", "lot_ref": search.lot_ref, "words": _b64(search.words)}
    for counter in CounterModel.query(tenant_id):
        yield {"type": "counter", "key": counter.key, "value": int(counter.value or 0), "state": counter.state}
    for user in UserModel.query(tenant_id):
        yield {"type": "user", "id": user.id, "email": user.email, "first_name": user.first_name,
               "last_name": user.last_name, "profile": user.profile}


def all_tenant_ids() -> Iterator[str]:
    """Every tenant (the yearly schedules visit each once)."""
    ensure_models_bound()
    return (item.tenant_id for item in TenantModel.scan(attributes_to_get=["tenant_id"]))


def tenant_is_empty(tenant_id: str) -> bool:
    ensure_models_bound()
    return not any(True for model in (ArticleModel, LotModel, PartyModel, FamilyModel, SaleModel)
                   for _ in model.query(tenant_id, limit=1))


def restore_records(tenant_id: str, records: Iterator[dict[str, Any]]) -> dict[str, int]:
    """Write a backup's records into ``tenant_id`` (users are reported, not recreated)."""
    ensure_models_bound()
    counts: dict[str, int] = {}
    writers = {model: model.batch_write() for model in (FamilyModel, PartyModel, LotModel, ArticleModel,
                                                         SaleModel, SearchModel, CounterModel)}
    for writer in writers.values():
        writer.__enter__()
    try:
        for record in records:
            kind = record["type"]
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "company":
                TenantModel(tenant_id).update(actions=[TenantModel.settings.set(record["settings"])])
            elif kind == "family":
                writers[FamilyModel].save(FamilyModel(tenant_id, record["id"], label=record["label"],
                                                      metal_2093=record["metal_2093"],
                                                      margin_category=record.get("margin_category"),
                                                      former_labels=record.get("former_labels")))
            elif kind == "party":
                writers[PartyModel].save(PartyModel(tenant_id, record["id"], kind=record["kind"],
                                                    fields=record["fields"],
                                                    created_at=datetime.fromisoformat(record["created_at"])))
            elif kind == "lot":
                writers[LotModel].save(LotModel(tenant_id, record["ref"], kind=record["kind"], data=record["data"]))
            elif kind == "article":
                writers[ArticleModel].save(article_item(tenant_id, record["article"]))
            elif kind == "sale":
                writers[SaleModel].save(SaleModel(tenant_id, record["transaction_ref"], data=record["data"]))
            elif kind == "search":
                writers[SearchModel].save(SearchModel(tenant_id, record["lot_ref"],
                                                      words=base64.b64decode(record["words"])))
            elif kind == "counter" and not record["key"].startswith(("sigma#", MOVE_PREFIX)):  # from the articles
                writers[CounterModel].save(CounterModel(tenant_id, record["key"], value=record["value"],
                                                        state=record["state"]))
    finally:
        for writer in writers.values():
            writer.__exit__(None, None, None)
    return counts


def delete_articles_and_lots(tenant_id: str, articles: list[dict[str, Any]], lot_refs: list[str], *,
                             tag: str = "closure", progress: Callable[[int], None] | None = None) -> set[str]:
    """A closure's deletions: the articles (as its snapshot has them; each only if still so)
    by several transactions at once, then out of their Σ buckets; the lots left empty.
    Returns the articles kept because they changed since the snapshot (their lots stay)."""
    from chalicelib.adapters.repositories.sigma import delete_counted

    ensure_models_bound()
    kept = delete_counted(tenant_id, articles, tag, progress)
    holding = {a["lot_ref"] for a in articles if a["ref"] in kept}
    lot_refs = [ref for ref in lot_refs if ref not in holding]
    for model in (LotModel, SearchModel):  # several writers, throttled batches retried
        batch_delete(model, tenant_id, lot_refs)
    return kept


def save_search_documents(tenant_id: str, remaining: dict[str, list[Article]]) -> None:
    """Rewrite the search document of each lot from the articles it still has."""
    ensure_models_bound()
    with SearchModel.batch_write() as batch:
        for lot_ref, articles in remaining.items():
            batch.save(search_item(tenant_id, lot_ref, articles))


# ---------------------------------------------------------------- what closures deleted

# One counters item per closure, written before it deletes anything and kept for good
# (unlike its archive, which the dealer may delete): the verification exempts exactly
# these references from "deleted behind the application's back".
PURGE_PREFIX = "purge#"


def record_purge(tenant_id: str, archive_id: str, until: str, article_refs: list[str], lot_refs: list[str]) -> None:
    import gzip
    import json

    ensure_models_bound()
    packed = gzip.compress(json.dumps({"articles": sorted(article_refs), "lots": sorted(lot_refs)},
                                      separators=(",", ":")).encode("utf-8"))
    CounterModel(tenant_id, PURGE_PREFIX + archive_id, value=len(article_refs),
                 state={"until": until, "at": datetime.now(UTC).isoformat(),
                        "refs": base64.b64encode(packed).decode("ascii")}).save()


def forget_purge(tenant_id: str, archive_id: str) -> None:
    """A closure that failed put everything back: it deleted nothing."""
    ensure_models_bound()
    CounterModel(tenant_id, PURGE_PREFIX + archive_id).delete()


def purged_refs(tenant_id: str) -> tuple[set[str], set[str]]:
    """Every (article refs, lot refs) the tenant's closures deleted."""
    import gzip
    import json

    ensure_models_bound()
    articles: set[str] = set()
    lots: set[str] = set()
    for item in CounterModel.query(tenant_id, CounterModel.key.startswith(PURGE_PREFIX), consistent_read=True):
        refs = json.loads(gzip.decompress(base64.b64decode((item.state or {}).get("refs", ""))) or b"{}")
        articles.update(refs.get("articles", []))
        lots.update(refs.get("lots", []))
    return articles, lots
