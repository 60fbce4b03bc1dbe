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
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
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


class RegistryModel(_Base):
    """Globally unique keys (subscriber references) pointing at a tenant."""

    class Meta(_Base.Meta):
        table_name = "registry"
        base_name = "registry"

    key = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()


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


class FamilyModel(_Base):
    class Meta(_Base.Meta):
        table_name = "families"
        base_name = "families"

    tenant_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    label = UnicodeAttribute()
    metal_2093 = NumberAttribute(default=0)  # 0/1: usable in sparse filters later


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


class ArticlesBySupplier(GlobalSecondaryIndex["ArticleModel"]):
    class Meta:
        index_name = "by_supplier"
        projection = KeysOnlyProjection()

    tenant_supplier = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)


class ArticlesByClient(GlobalSecondaryIndex["ArticleModel"]):
    class Meta:
        index_name = "by_client"
        projection = KeysOnlyProjection()

    tenant_client = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)


class ArticlesByFamily(GlobalSecondaryIndex["ArticleModel"]):
    class Meta:
        index_name = "by_family"
        projection = KeysOnlyProjection()

    tenant_family = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)


class ArticleModel(_Base):
    """One unique object. Lots issue ("Purchases") fills in the rest."""

    class Meta(_Base.Meta):
        table_name = "articles"
        base_name = "articles"

    tenant_id = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)
    lot_ref = UnicodeAttribute()
    status = UnicodeAttribute()
    data = JSONAttribute()
    # Sparse index keys: "<tenant>#<id>", present only when linked.
    tenant_supplier = UnicodeAttribute(null=True)
    tenant_client = UnicodeAttribute(null=True)
    tenant_family = UnicodeAttribute(null=True)

    by_supplier = ArticlesBySupplier()
    by_client = ArticlesByClient()
    by_family = ArticlesByFamily()


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


class IdempotencyModel(_Base):
    """Powertools idempotency records (its DynamoDB layer's default shape)."""

    class Meta(_Base.Meta):
        table_name = "idempotency"
        base_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    TenantModel,
    RegistryModel,
    UserModel,
    FamilyModel,
    PartyModel,
    ArticleModel,
    LotModel,
    DraftModel,
    CounterModel,
    JournalModel,
    IdempotencyModel,
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
