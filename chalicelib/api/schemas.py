"""Request bodies: one pydantic model per input, unknown fields refused.

This is the one way input is validated; :func:`parse` turns pydantic's errors
into the API's 400 with French details per field.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator
from pydantic import ValidationError as PydanticValidationError

from chalicelib.domain.inspector import SERVICES
from chalicelib.domain.money import AmountError, money, weight
from chalicelib.domain.profiles import Profile
from chalicelib.domain.vat import CHOSEN_RATES
from chalicelib.errors import BodyTooDeepError, BodyTooLargeError, MalformedJsonError, ValidationError

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Siren = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{9}$")]
Siret = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{14}$")]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z -]{2,10}$")]
StreetNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,4}$")]
StreetIndex = Literal["B", "T", "Q", "C"]
Year = Annotated[int, Field(ge=1900, le=2100, strict=True)]
VatNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{2}[0-9A-Z]{2,13}$")]
ApeCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}[A-Z]$")]
InseeCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9][0-9AB][0-9]{3}$")]
Department = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9]{2,3}|2A|2B|99)$")]
PriceCipher = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{10}$")
]


class Strict(BaseModel):
    # defer_build: a cold start builds the validators of the routes it serves only.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class AddressFields(Strict):
    address_complement: Text | None = None
    street_number: StreetNumber | None = None
    street_index: StreetIndex | None = None
    street_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4)] | None = None
    street_name: Text | None = None
    postcode: Postcode | None = None
    city: Text | None = None
    country: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None


class SignupBody(Strict):
    company_name: Name
    creation_year: Year
    email: Email
    password: Password
    first_name: Text | None = None
    last_name: Text | None = None


class LoginBody(Strict):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RefreshBody(Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class SignupConfirmBody(Strict):
    email: Email
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class SignupResendBody(Strict):
    email: Email


class InspectorAccessBody(Strict):
    """A manager's grant (chalicelib/services/inspectors.py): ``days`` from 1 to 7."""

    inspector: Name
    service: Literal[tuple(SERVICES)]  # type: ignore[valid-type]  # domain/inspector.py's one table
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    days: Annotated[int, Field(ge=1, le=7, strict=True)] = 3
    email: Email | None = None


class InspectorLoginBody(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class UserCreateBody(Strict):
    email: Email
    first_name: Text | None = None
    last_name: Text | None = None
    profile: Profile
    password: Password | None = None


class UserUpdateBody(Strict):
    first_name: Text | None = None
    last_name: Text | None = None
    profile: Profile | None = None
    password: Password | None = None


class TrainingBody(Strict):
    """``PUT /api/me/training``: the caller's training mode (mode formation) on or off."""

    on: Annotated[bool, Field(strict=True)]


class InvoicingSettings(Strict):
    auto: bool | None = None
    prefix: Annotated[str, StringConstraints(max_length=10, pattern=r"^[A-Za-z0-9_-]*$")] | None = None
    year_digits: Literal[0, 2, 4] | None = None


class LabelOptions(Strict):
    show_price: bool | None = None
    show_description: bool | None = None
    show_price_code: bool | None = None


class ReceiptOptions(Strict):
    legal_mention: LongText | None = None


class CompanyBody(AddressFields):
    company_name: Name | None = None
    legal_form: Text | None = None
    siren: Siren | None = None
    siret: Siret | None = None
    vat_number: VatNumber | None = None
    rcs: Text | None = None
    ape_code: ApeCode | None = None
    city_insee: InseeCode | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    email: Email | None = None
    contact_name: Text | None = None
    creation_year: Year | None = None
    invoicing: InvoicingSettings | None = None
    invoice_legal_comment: LongText | None = None
    contract_legal_comment: LongText | None = None
    label_options: LabelOptions | None = None
    receipt_options: ReceiptOptions | None = None
    strict_police_register: bool | None = None
    price_code_cipher: PriceCipher | None = None

    @field_validator("price_code_cipher")
    @classmethod
    def _ten_distinct_letters(cls, value: str | None) -> str | None:
        if value is not None and len(set(value)) != 10:
            raise ValueError("Le code prix doit compter 10 lettres toutes différentes (une par chiffre).")
        return value


class FamilyBody(Strict):
    label: Name
    metal_2093: bool = False
    # the invoice mention of art. 242 nonies A annexe II CGI; absent on PUT: unchanged
    margin_category: Literal["second_hand", "art", "collection_antique"] | None = None


class PartyBody(AddressFields):
    title: Literal["M", "MME"] | None = None
    last_name: Text | None = None
    birth_name: Text | None = None
    first_names: Text | None = None
    company_name: Text | None = None
    siret: Siret | None = None
    birth_date: date | None = None
    birth_city: Text | None = None
    birth_department: Department | None = None
    birth_insee: InseeCode | None = None
    id_document_type: Text | None = None
    id_document_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    id_document_date: date | None = None
    id_document_authority: Text | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    email: Email | None = None
    comment: LongText | None = None
    subscriber_ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None

    @field_validator("birth_date", "id_document_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("La date ne peut pas être dans le futur.")
        return value


# ---------------------------------------------------------------- parsing

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "Champ obligatoire.",
    "extra_forbidden": "Champ inconnu.",
    "string_type": "Doit être une chaîne de caractères.",
    "string_too_short": "Trop court.",
    "string_too_long": "Trop long.",
    "string_pattern_mismatch": "Format invalide.",
    "int_type": "Doit être un nombre entier.",
    "int_parsing": "Doit être un nombre entier.",
    "bool_type": "Doit valoir vrai ou faux.",
    "bool_parsing": "Doit valoir vrai ou faux.",
    "literal_error": "Valeur non autorisée.",
    "enum": "Valeur non autorisée.",
    "date_type": "Date attendue au format AAAA-MM-JJ.",
    "date_parsing": "Date attendue au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Date attendue au format AAAA-MM-JJ.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
    "model_type": "Objet JSON attendu.",
    "dict_type": "Objet JSON attendu.",
}


def _french(error: Any) -> str:
    if error["type"] == "value_error":
        # Our own validators already speak French.
        return str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    return _MESSAGES.get(error["type"], "Valeur invalide.")


def parse(model: type[M], body: Any) -> M:
    if not isinstance(body, dict):
        raise ValidationError("Un objet JSON est attendu.", details={"body": "Objet JSON attendu."})
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        details: dict[str, str] = {}
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"]) or "body"
            details.setdefault(path, _french(error))
        raise ValidationError(details=details) from None


# A JSON body: what any route may need, and no more (a 999-line draft import is CSV, not JSON).
MAX_BODY_BYTES = 1_000_000
MAX_BODY_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_BODY_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity, -Infinity: not JSON (RFC 8259), refused


def load_json(raw: bytes | None) -> Any:
    if not raw:
        return {}
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLargeError()
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise BodyTooDeepError() from None
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError is a ValueError
        raise MalformedJsonError() from None
    if _depth(value) > MAX_BODY_DEPTH:
        raise BodyTooDeepError()
    return value


def changed_fields(model: BaseModel) -> dict[str, Any]:
    """What the client actually sent (explicit nulls included), JSON-ready."""
    return model.model_dump(mode="json", exclude_unset=True)


# ---------------------------------------------------------------- lots


def _decimal_text(parse_one: Any) -> Any:
    def validate(value: Any) -> Decimal:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("Nombre attendu sous forme de texte, par exemple « 12.50 ».")
        try:
            return Decimal(parse_one(value))
        except AmountError as exc:
            raise ValueError(str(exc)) from None

    return validate


# What the OpenAPI document says (api/openapi_spec.py): a decimal string, never a float.
Money = Annotated[Decimal, BeforeValidator(_decimal_text(money)),
                  WithJsonSchema({"type": "string", "pattern": r"^[0-9]+([.,][0-9]{1,2})?$", "examples": ["12.50"]})]
Weight = Annotated[Decimal, BeforeValidator(_decimal_text(weight)),
                   WithJsonSchema({"type": "string", "pattern": r"^[0-9]+([.,][0-9]{1,3})?$", "examples": ["3.25"]})]
Fineness = Annotated[int, Field(ge=0, le=1000, strict=True)]
VatRate = Literal[tuple(CHOSEN_RATES)]  # type: ignore[valid-type]  # never the negative margin's: derived
PaymentMethod = Literal["cash", "card", "cheque", "transfer", "other"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DraftHeaderBody(Strict):
    supplier_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    purchase_date: date | None = None
    purchase_price: Money | None = None
    price_incl_tmp: Money | None = None
    payment_method: PaymentMethod | None = None
    condition: Literal["new", "used"] | None = None
    tmp: bool | None = None
    comment: LongText | None = None


class LineBody(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    family_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    weight_g: Weight | None = None
    fineness: Fineness | None = None
    serial: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None = None
    comment: LongText | None = None
    vat_rate: VatRate = "normal"
    purchase_price: Money | None = None
    reserve_price: Money | None = None
    label_price: Money | None = None
    quantity: Annotated[int, Field(ge=1, le=999, strict=True)] = 1


class CommitBody(Strict):
    mode: Literal["purchase", "consignment"]


class FinalizePendingBody(Strict):
    """A lot received from another subscriber: A's families, by article index or for all."""

    families: dict[Annotated[str, StringConstraints(max_length=4)],
                   Annotated[str, StringConstraints(max_length=64)]] = Field(default_factory=dict)
    family_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    payment_method: PaymentMethod | None = None


class LotCorrectionBody(Strict):
    supplier_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    purchase_date: date | None = None
    purchase_price: Money | None = None
    payment_method: PaymentMethod | None = None
    condition: Literal["new", "used"] | None = None
    comment: LongText | None = None
    reason: Reason | None = None


class ArticleCorrectionBody(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None
    family_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    weight_g: Weight | None = None
    fineness: Fineness | None = None
    serial: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None = None
    comment: LongText | None = None
    vat_rate: VatRate | None = None
    purchase_price: Money | None = None
    reserve_price: Money | None = None
    label_price: Money | None = None
    reason: Reason | None = None


class RetractBody(Strict):
    comment: Reason


# ---------------------------------------------------------------- articles


Ref = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=20)]
ActionDate = date  # the body has a field named "date"


class ActionBody(Strict):
    refs: Annotated[list[Ref], Field(max_length=10000)] | None = None
    date: ActionDate | None = None
    payment_method: PaymentMethod | None = None
    client_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    prices: dict[Ref, Money] | None = None
    vat_rates: dict[Ref, VatRate] | None = None
    invoice_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    reason: Reason | None = None


class SelectionBody(Strict):
    refs: Annotated[list[Ref], Field(max_length=10000)] | None = None
    filter: dict[str, str] | None = None


class ScanBody(Strict):
    ref: Ref


# ---------------------------------------------------------------- media

MediaType = Literal["image", "video", "document", "external_video"]
MediaTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MediaWeight = Annotated[int, Field(ge=-100000, le=100000, strict=True)]
MediaUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class MediaBody(Strict):
    type: MediaType
    filename: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    size: Annotated[int, Field(ge=0, strict=True)] | None = None  # bytes: a too large file is refused before upload
    title: MediaTitle | None = None
    url: MediaUrl | None = None
    active: bool = True
    default: bool = False
    weight: MediaWeight = 0


class MediaPatchBody(Strict):
    title: MediaTitle | None = None
    active: bool | None = None
    default: bool | None = None
    weight: MediaWeight | None = None
    url: MediaUrl | None = None


# ---------------------------------------------------------------- fiscal archives


class FiscalArchiveBody(Strict):
    # "2026-11" (a month) or "2026" (a fiscal year); its form is checked with a French
    # message by chalicelib/domain/fiscal_archive.py.
    period: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


# ---------------------------------------------------------------- query strings


def parse_query(model: str | type[BaseModel], request: Any) -> Any:
    """The request's query string as its model (``api/queries.py``, by name: that module is
    imported with the first request that reads a query string); a bad parameter answers 400
    ``invalid_input`` with its French message (``details: {"param": "message"}``), every bad
    one at once, before anything is done."""
    if isinstance(model, str):
        from chalicelib.api import queries

        model = getattr(queries, model)
    params = {name: value for name, value in (request.query_params or {}).items() if value not in (None, "")}
    try:
        return model.model_validate(params)
    except PydanticValidationError as exc:
        details: dict[str, str] = {}
        for error in exc.errors():
            details.setdefault(str(error["loc"][0]) if error["loc"] else "query", _french(error))
        raise ValidationError(details=details) from None
