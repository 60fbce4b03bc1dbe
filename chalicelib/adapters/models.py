"""DynamoDB tables as pynamodb models: the one definition of every table.

The local stack creates its tables from these models and the cloud template
generator derives its ``AWS::DynamoDB::Table`` resources from them
(:func:`table_specs`), so the schema is never copied by hand.

Every key starts with the tenant. Table names are bound at run time
(:func:`bind_models`) from the settings: ``<prefix>-<base name>``.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class _Base(Model):
    class Meta:
        abstract = True
        billing_mode = "PAY_PER_REQUEST"
        region = "eu-west-3"


class TenantModel(_Base):
    """One subscribing company: its settings and its counters."""

    class Meta(_Base.Meta):
        table_name = "tenants"
        base_name = "tenants"

    tenant_id = UnicodeAttribute(hash_key=True)
    subscriber_ref = UnicodeAttribute()
    settings = JSONAttribute()  # company settings, money and dates as strings
    user_count = NumberAttribute(default=0)
    max_users = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    # The e-mails (lower case) of the users in training mode: a sale reads the tenant anyway,
    # so it knows the seller's mode from the table, never from a container's cache.
    training_users = UnicodeSetAttribute(null=True)


class RegistryModel(_Base):
    """Globally unique keys (subscriber references) pointing at a tenant."""

    class Meta(_Base.Meta):
        table_name = "registry"
        base_name = "registry"

    key = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    # "signup#<email>": a signup awaiting its e-mail confirmation (accounts service).
    user_id = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)  # keyed hash of the code, never the code
    code_salt = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds
    attempts = NumberAttribute(null=True)  # wrong codes so far


class UserModel(_Base):
    class Meta(_Base.Meta):
        table_name = "users"
        base_name = "users"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    email = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    profile = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # None: active. "pending_email": the signup's e-mail is not confirmed yet. "disabled".
    status = UnicodeAttribute(null=True)
    # Tokens issued before this moment are refused (a password change ends every session).
    tokens_after = UTCDateTimeAttribute(null=True)
    # Training mode (mode formation, DOMAIN.md "Audit trail"): this user's sales are fictitious.
    training = BooleanAttribute(null=True)


class FamilyModel(_Base):
    class Meta(_Base.Meta):
        table_name = "families"
        base_name = "families"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    label = UnicodeAttribute()
    metal_2093 = NumberAttribute(default=0)  # 0/1: usable in sparse filters later
    margin_category = UnicodeAttribute(null=True)  # second_hand (None) | art | collection_antique
    # Labels it had before a rename: sealed police-register versions still name them.
    former_labels = JSONAttribute(null=True)


class PartyModel(_Base):
    """Suppliers and clients: the same fields, told apart by ``kind``."""

    class Meta(_Base.Meta):
        table_name = "parties"
        base_name = "parties"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # supplier | client
    fields = JSONAttribute()
    created_at = UTCDateTimeAttribute()


def _article_index(name: str, hash_attr: str, range_attr: str) -> type[GlobalSecondaryIndex[Any]]:
    """A sparse index of the articles table, projecting whole items.

    Whole items, so a search reads what it returns from the index alone.
    """
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attributes = {hash_attr: UnicodeAttribute(hash_key=True), range_attr: UnicodeAttribute(range_key=True)}
    return type(f"Articles_{name}", (GlobalSecondaryIndex,), {"Meta": meta, **attributes})


class ArticleModel(_Base):
    """One unique object; ``data`` holds its fields, the rest are index keys.

    Index keys are set only when they apply ("<tenant>#<id>" or "<date>#<ref>"),
    so every index is sparse and a search reads only what matches.
    """

    class Meta(_Base.Meta):
        table_name = "articles"
        base_name = "articles"

    tenant_id = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)
    lot_ref = UnicodeAttribute()
    status = UnicodeAttribute()
    data = JSONAttribute()
    tenant_status = UnicodeAttribute(null=True)
    tenant_supplier = UnicodeAttribute(null=True)
    tenant_client = UnicodeAttribute(null=True)
    tenant_family = UnicodeAttribute(null=True)
    tenant_transaction = UnicodeAttribute(null=True)
    tenant_invoice = UnicodeAttribute(null=True)
    purchase_key = UnicodeAttribute(null=True)
    sale_key = UnicodeAttribute(null=True)
    deposit_key = UnicodeAttribute(null=True)
    # Written by a chunk of a write larger than one transaction, until its last transaction
    # commits: the pending record's id and the article as it was (gzip JSON; none for an
    # article the write creates). See chalicelib/adapters/repositories/pending.py.
    pending = UnicodeAttribute(null=True)
    undo = BinaryAttribute(legacy_encoding=False, null=True)
    # The few fields a Σ and its filters read (chalicelib/domain/sigma.py SLIM_FIELDS):
    # a Σ the aggregates cannot answer projects these instead of whole articles.
    slim = JSONAttribute(null=True)

    by_status = _article_index("by_status", "tenant_status", "ref")()
    by_supplier = _article_index("by_supplier", "tenant_supplier", "ref")()
    by_client = _article_index("by_client", "tenant_client", "ref")()
    by_family = _article_index("by_family", "tenant_family", "ref")()
    by_transaction = _article_index("by_transaction", "tenant_transaction", "ref")()
    by_invoice = _article_index("by_invoice", "tenant_invoice", "ref")()
    by_purchase_date = _article_index("by_purchase_date", "tenant_id", "purchase_key")()
    by_sale_date = _article_index("by_sale_date", "tenant_id", "sale_key")()
    by_deposit_date = _article_index("by_deposit_date", "tenant_id", "deposit_key")()


class SaleModel(_Base):
    """One sale (a transaction): its lines, totals, invoice and receipt numbers."""

    class Meta(_Base.Meta):
        table_name = "sales"
        base_name = "sales"

    tenant_id = UnicodeAttribute(hash_key=True)
    transaction_ref = UnicodeAttribute(range_key=True)
    data = JSONAttribute()


class SelectionModel(_Base):
    """Each user's selection (basket of references), gzip-compressed: one item."""

    class Meta(_Base.Meta):
        table_name = "selections"
        base_name = "selections"

    tenant_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    refs = BinaryAttribute(legacy_encoding=False)
    version = VersionAttribute()


class SearchModel(_Base):
    """The words of a lot's articles (description, serial, comment, reference).

    One item per lot, gzip JSON ``{ref: "word word ..."}``, kept in the same
    transactions as the articles' text: a text search reads these small
    documents instead of the whole inventory, then only the articles it found.
    """

    class Meta(_Base.Meta):
        table_name = "search"
        base_name = "search"

    tenant_id = UnicodeAttribute(hash_key=True)
    lot_ref = UnicodeAttribute(range_key=True)
    words = BinaryAttribute(legacy_encoding=False)


class LotModel(_Base):
    class Meta(_Base.Meta):
        table_name = "lots"
        base_name = "lots"

    tenant_id = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    data = JSONAttribute()
    version = VersionAttribute()


class DraftModel(_Base):
    """Each user's draft lot (saisie en cours): header and lines, one item.

    Lines are gzip-compressed JSON so a 999-line draft stays one read and one
    write, far under DynamoDB's 400 KB item limit.
    """

    class Meta(_Base.Meta):
        table_name = "drafts"
        base_name = "drafts"

    tenant_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    header = JSONAttribute()
    lines = BinaryAttribute(legacy_encoding=False)
    # A lot reference reserved by a commit that did not finish: the retry reuses it.
    reserved = JSONAttribute(null=True)
    # A lot received from another subscriber (``user_id`` is then ``pending#<id>``):
    # where it comes from (chalicelib/services/transfers.py).
    pending = JSONAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class CounterModel(_Base):
    """Gap-free sequences (lot ranks per month and kind, invoice numbers...)."""

    class Meta(_Base.Meta):
        table_name = "counters"
        base_name = "counters"

    tenant_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    state = JSONAttribute(null=True)  # e.g. a cash register's running totals


class JournalModel(_Base):
    """Append-only business events; its stream feeds the sealer.

    ``payload`` is gzip-compressed canonical JSON: a police-register version of
    a 999-article lot must fit in one item.
    """

    class Meta(_Base.Meta):
        table_name = "journal"
        base_name = "journal"
        stream_view_type = "NEW_IMAGE"

    tenant_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)  # time-ordered id
    kind = UnicodeAttribute()
    subject = UnicodeAttribute()  # what it is about: a lot ref, a sale...
    payload = BinaryAttribute(legacy_encoding=False)
    at = UTCDateTimeAttribute()


class TransferModel(_Base):
    """Articles crossing between subscribers (DOMAIN.md "Between subscribers").

    ``out#<source>``: written by V's sale or deposit in the same transaction; its
    stream delivers it (app.deliver_transfers). ``in#<pending id>``: kept by A's
    side once delivered, so a redelivered record never makes a second pending lot.
    """

    class Meta(_Base.Meta):
        table_name = "transfers"
        base_name = "transfers"
        stream_view_type = "KEYS_ONLY"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    data = BinaryAttribute(legacy_encoding=False, null=True)  # gzip JSON (out#)
    status = UnicodeAttribute()  # out#: new | delivered | not_delivered; in#: delivered
    detail = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()


class IdempotencyModel(_Base):
    """Powertools idempotency records (its DynamoDB layer's default shape)."""

    class Meta(_Base.Meta):
        table_name = "idempotency"
        base_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)


class SealedBySubject(GlobalSecondaryIndex["SealedRecordModel"]):
    """A subject's records in order: the versions of a lot, the records of a sale."""

    class Meta:
        index_name = "by_subject"
        projection = AllProjection()

    tenant_subject = UnicodeAttribute(hash_key=True)  # "<tenant>#<chain>#<subject>"
    position = UnicodeAttribute(range_key=True)


class SealedByNumber(GlobalSecondaryIndex["SealedRecordModel"]):
    """A record by the number it is known by (a receipt number...)."""

    class Meta:
        index_name = "by_number"
        projection = AllProjection()

    tenant_number = UnicodeAttribute(hash_key=True)  # "<tenant>#<chain>#<number>"
    position = UnicodeAttribute(range_key=True)


class SealedRecordModel(_Base):
    """The index of the vault: one item per sealed record, where it is and its hashes.

    ``position`` is ``<chain>#<rank, 10 digits>``, so a chain reads in rank order
    with one query. The vault object is the record; this item only finds it.
    """

    class Meta(_Base.Meta):
        table_name = "sealed"
        base_name = "sealed"

    tenant_id = UnicodeAttribute(hash_key=True)
    position = UnicodeAttribute(range_key=True)
    chain = UnicodeAttribute()
    rank = NumberAttribute()
    seq = UnicodeAttribute()  # the journal entry sealed
    kind = UnicodeAttribute()
    number = UnicodeAttribute()
    subject = UnicodeAttribute()
    sealed_at = UnicodeAttribute()  # ISO 8601, exactly as in the sealed record
    sha256 = UnicodeAttribute()
    prev_sha256 = UnicodeAttribute()
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    version_id = UnicodeAttribute()
    retention_mode = UnicodeAttribute()
    retain_until = UnicodeAttribute()
    summary = JSONAttribute(null=True)  # a few fields of the content, for lists
    tenant_subject = UnicodeAttribute()
    tenant_number = UnicodeAttribute()

    by_subject = SealedBySubject()
    by_number = SealedByNumber()


class ChainHeadModel(_Base):
    """Each chain's head, per tenant: the one place ranks are handed out.

    ``reserved`` ranks are given to journal entries before their object is
    stored (``pending``: ``[{seq, rank, kind, sealed_at}]``); ``sealed`` is the last
    rank whose object and index item exist, ``sha256`` its hash. Every change is
    a conditional write on (``reserved``, ``sealed``): ranks stay gap-free under
    concurrency and retries.
    """

    class Meta(_Base.Meta):
        table_name = "chain_heads"
        base_name = "chain_heads"

    tenant_id = UnicodeAttribute(hash_key=True)
    chain = UnicodeAttribute(range_key=True)
    reserved = NumberAttribute(default=0)
    sealed = NumberAttribute(default=0)
    sha256 = UnicodeAttribute()
    pending = JSONAttribute(null=True)
    updated_at = UTCDateTimeAttribute()


class SealClaimModel(_Base):
    """One item per journal entry sealed, written with its index item: the
    strongly consistent "already sealed?" of a redelivered stream record."""

    class Meta(_Base.Meta):
        table_name = "seal_claims"
        base_name = "seal_claims"

    tenant_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)
    chain = UnicodeAttribute()
    rank = NumberAttribute()
    sha256 = UnicodeAttribute()


class SealFailureModel(_Base):
    """A journal entry the sealer could not seal, until it is: what the health check,
    the verification screen and the retries read (services/sealing.py)."""

    class Meta(_Base.Meta):
        table_name = "seal_failures"
        base_name = "seal_failures"

    tenant_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    error = UnicodeAttribute()
    first_at = UnicodeAttribute()
    last_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    poison = BooleanAttribute(default=False)


class InspectionModel(_Base):
    """Inspection reports (Réservé gouv.fr): written once, never updated."""

    class Meta(_Base.Meta):
        table_name = "inspections"
        base_name = "inspections"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # time-ordered
    at = UnicodeAttribute()
    inspector = UnicodeAttribute()
    service = UnicodeAttribute()
    email = UnicodeAttribute()
    text = UnicodeAttribute()
    md5 = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    by = UnicodeAttribute()  # the logged-in user who handed over the session
    seq = UnicodeAttribute()  # its journal entry


class JobModel(_Base):
    """Long work run by a state machine (2093 file, backup, closure), per tenant."""

    class Meta(_Base.Meta):
        table_name = "jobs"
        base_name = "jobs"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # time-ordered
    kind = UnicodeAttribute()
    status = UnicodeAttribute()  # running | succeeded | failed
    progress = NumberAttribute(default=0)
    params = JSONAttribute(null=True)
    result = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class ArchiveModel(_Base):
    """A backup or a closure's backup: one gzip JSON-lines object in the files bucket."""

    class Meta(_Base.Meta):
        table_name = "archives"
        base_name = "archives"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # backup | closure
    status = UnicodeAttribute()  # running | ready
    title = UnicodeAttribute(null=True)
    key = UnicodeAttribute()
    info = JSONAttribute(null=True)  # counts, until, size
    created_at = UTCDateTimeAttribute()


class MediaModel(_Base):
    """Media of suppliers, clients, lots, articles and the company (chalicelib/domain/media.py).

    ``key`` is ``<owner kind>#<owner id>#<media id>``: an owner's media are one Query.
    ``<owner kind>#<owner id>`` alone is the owner's cover, its default medium kept
    for lists (the article list's thumbnails are one BatchGetItem per page); ``stamp``
    orders the covers' writes so an older computation never replaces a newer one.
    """

    class Meta(_Base.Meta):
        table_name = "media"
        base_name = "media"

    tenant_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    data = JSONAttribute()
    revision = NumberAttribute(null=True)  # media: each write expects the one it read
    stamp = UnicodeAttribute(null=True)  # covers only


ALL_MODELS: tuple[type[Model], ...] = (
    TenantModel,
    RegistryModel,
    UserModel,
    FamilyModel,
    PartyModel,
    ArticleModel,
    SaleModel,
    SelectionModel,
    SearchModel,
    LotModel,
    DraftModel,
    CounterModel,
    JournalModel,
    TransferModel,
    IdempotencyModel,
    SealedRecordModel,
    ChainHeadModel,
    SealClaimModel,
    SealFailureModel,
    InspectionModel,
    JobModel,
    ArchiveModel,
    MediaModel,
)

# Tables whose items expire (attribute name).
TTL_ATTRIBUTES = {"idempotency": "expiration"}


def bind_models(table_prefix: str, region: str, host: str | None) -> None:
    """Point every model at ``<prefix>-<base>`` in ``region`` (and ``host``)."""
    for model in ALL_MODELS:
        meta: Any = model.Meta
        meta.table_name = f"{table_prefix}-{meta.base_name}"
        meta.region = region
        meta.host = host
        model._connection = None


def _keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB wants the hash key first.
    return sorted(
        ({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema),
        key=lambda k: k["KeyType"] != "HASH",
    )


def table_specs() -> list[dict[str, Any]]:
    """Each table as CreateTable-style data (base name, keys, indexes, stream)."""
    specs = []
    for model in ALL_MODELS:
        meta: Any = model.Meta
        schema: Any = model._get_schema()
        specs.append(
            {
                "base_name": meta.base_name,
                "model": model.__name__,
                "AttributeDefinitions": sorted(
                    (dict(a) for a in schema["attribute_definitions"]),
                    key=lambda a: a["AttributeName"],
                ),
                "KeySchema": _keys(schema["key_schema"]),
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": gsi["index_name"],
                        "KeySchema": _keys(gsi["key_schema"]),
                        "Projection": dict(gsi["projection"]),
                    }
                    for gsi in sorted(
                        schema["global_secondary_indexes"], key=lambda g: g["index_name"]
                    )
                ],
                "StreamViewType": getattr(meta, "stream_view_type", None),
                "TimeToLiveAttribute": TTL_ATTRIBUTES.get(meta.base_name),
            }
        )
    return specs
