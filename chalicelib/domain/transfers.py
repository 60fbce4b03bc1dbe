"""Between subscribers (DOMAIN.md "Between subscribers"): what crosses from V to A.

When dealer V sells (or deposits) to a client carrying A's subscriber reference,
V's action leaves a *transfer*: the articles as V described them, at V's price,
dated V's day. If A has V as a supplier with V's reference, A receives it as a
*pending lot* (a purchase from a sale, a consignment from a deposit) to finalize
like a draft — families chosen by A, new references in A's inventory — or to
delete. Nothing else of either tenant crosses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.article import Article
from chalicelib.domain.lots import DraftHeader, DraftLine
from chalicelib.domain.money import ZERO, fmt, fmt_weight
from chalicelib.domain.references import MAX_ARTICLES_PER_LOT
from chalicelib.domain.sale import SaleLine
from chalicelib.domain.text import is_whole_number
from chalicelib.domain.vat import RATES

# The company data a colleague may read from a subscriber reference: what is printed on
# an invoice anyway (name, address, SIREN), to fill a supplier or client form.
PUBLIC_COMPANY_FIELDS = (
    "company_name", "legal_form", "siren", "siret", "address_complement", "street_number", "street_index",
    "street_type", "street_name", "postcode", "city", "country",
)
# The article fields copied from V's inventory into A's pending lot.
COPIED_ARTICLE_FIELDS = ("description", "weight_g", "fineness", "serial")

KIND_FROM_ACTION = {"sell": "purchase", "deposit": "consignment"}
PENDING_PREFIX = "pending#"


def normalized_ref(value: str | None) -> str:
    return (value or "").strip().upper()


def public_company(settings: dict[str, Any], subscriber_ref: str) -> dict[str, Any]:
    """A tenant's public card, shaped like a party (supplier or client) form."""
    card = {name: settings.get(name) for name in PUBLIC_COMPANY_FIELDS}
    card["subscriber_ref"] = subscriber_ref
    return card


@dataclass(frozen=True)
class Transfer:
    """What V's sale or deposit sends: one per action, keyed by its source."""

    source: str  # the sale's transaction ref, or the deposit's id
    kind: str  # purchase | consignment (what it becomes at A's)
    from_subscriber_ref: str
    to_subscriber_ref: str
    date: date
    payment_method: str | None
    articles: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "kind": self.kind, "from_subscriber_ref": self.from_subscriber_ref,
            "to_subscriber_ref": self.to_subscriber_ref, "date": self.date.isoformat(),
            "payment_method": self.payment_method, "articles": self.articles,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transfer:
        return cls(source=data["source"], kind=data["kind"], from_subscriber_ref=data["from_subscriber_ref"],
                   to_subscriber_ref=data["to_subscriber_ref"], date=date.fromisoformat(data["date"]),
                   payment_method=data.get("payment_method"), articles=list(data["articles"]))


def wants_transfer(client_fields: dict[str, Any] | None, own_subscriber_ref: str) -> str | None:
    """The colleague's reference when the client is another subscriber, else None."""
    target = normalized_ref((client_fields or {}).get("subscriber_ref"))
    if not target or target == normalized_ref(own_subscriber_ref):
        return None
    return target


def _copied(article: Article) -> dict[str, Any]:
    """The fields of :data:`COPIED_ARTICLE_FIELDS` in their stored form, and the condition."""
    return {"description": article.description, "weight_g": fmt_weight(article.weight_g),
            "fineness": article.fineness, "serial": article.serial, "condition": article.condition or "used"}


def from_sale(source: str, own_ref: str, to_ref: str, when: date, payment_method: str,
              articles: list[Article], lines: Sequence[SaleLine]) -> Transfer:
    """A sale: A's purchase price is what A paid V, article by article, VAT rate kept."""
    by_ref = {line.ref: line for line in lines}
    copied = []
    for article in sorted(articles, key=lambda a: a.ref):
        line = by_ref[article.ref]
        rate = line.vat_rate if line.vat_rate in RATES else "normal"
        copied.append(_copied(article) | {"price": fmt(line.unit_price), "vat_rate": rate})
    return Transfer(source, "purchase", own_ref, to_ref, when, payment_method, copied)


def from_deposit(source: str, own_ref: str, to_ref: str, when: date | None,
                 articles: list[Article]) -> Transfer:
    """A deposit: A takes the articles in consignment, V's deposit price as reserve price."""
    copied = [_copied(a) | {"price": fmt(a.deposit_price), "vat_rate": a.vat_rate or "normal"}
              for a in sorted(articles, key=lambda a: a.ref)]
    return Transfer(source, "consignment", own_ref, to_ref, when or date.today(), None, copied)


def pending_lots(transfer: Transfer, supplier_id: str) -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """A's pending lot(s): ``(suffix, header, lines)`` as draft data, families empty.

    A lot holds at most 999 articles: a larger transfer becomes several lots.
    """
    out = []
    size = MAX_ARTICLES_PER_LOT
    parts = [transfer.articles[i:i + size] for i in range(0, len(transfer.articles), size)] or [[]]
    for n, part in enumerate(parts, start=1):
        lines = []
        for article in part:
            price = Decimal(article["price"]) if article.get("price") not in (None, "") else None
            lines.append(DraftLine(
                description=article.get("description") or "",
                weight_g=Decimal(article["weight_g"]) if article.get("weight_g") not in (None, "") else None,
                fineness=article.get("fineness"), serial=article.get("serial"),
                vat_rate=article.get("vat_rate") or "normal",
                purchase_price=price if transfer.kind == "purchase" else None,
                reserve_price=price if transfer.kind == "consignment" else None,
            ))
        total = sum((line.purchase_price or ZERO for line in lines), ZERO)
        conditions = {a.get("condition") for a in part}
        header = DraftHeader(
            supplier_id=supplier_id, purchase_date=transfer.date,
            purchase_price=total if transfer.kind == "purchase" else None,
            payment_method=transfer.payment_method, condition="new" if conditions == {"new"} else "used",
            comment=f"Reçu de l'abonné {transfer.from_subscriber_ref} ({transfer.source})"
                    + (f", partie {n}/{len(parts)}" if len(parts) > 1 else ""),
        )
        suffix = f"-{n}" if len(parts) > 1 else ""
        out.append((suffix, header.to_json(), [line.to_json() for line in lines]))
    return out


def pending_id(from_tenant_id: str, source: str, suffix: str = "") -> str:
    """Deterministic: a redelivered transfer lands on the same pending lot."""
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in source)
    return f"{from_tenant_id[:8]}-{clean}{suffix}"


def pending_view(pending_id_: str, meta: dict[str, Any], header: dict[str, Any],
                 lines: list[dict[str, Any]]) -> dict[str, Any]:
    """API.md "pending lot": ``id, kind, from_subscriber_ref, date, articles``."""
    articles = [{"index": i, **line} for i, line in enumerate(lines)]
    total = sum((Decimal(line["purchase_price"] or line["reserve_price"] or "0") for line in lines), ZERO)
    return {
        "id": pending_id_, "kind": meta["kind"], "from_subscriber_ref": meta["from_subscriber_ref"],
        "from_name": meta.get("from_name"), "source": meta.get("source"), "received_at": meta.get("received_at"),
        "date": header.get("purchase_date"), "supplier_id": header.get("supplier_id"),
        "payment_method": header.get("payment_method"), "condition": header.get("condition"),
        "article_count": len(lines), "total": fmt(total), "articles": articles,
    }


class FamilyChoiceError(ValueError):
    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("families")
        self.details = details


def with_families(lines: list[dict[str, Any]], families: dict[str, str], default: str | None) -> list[dict[str, Any]]:
    """The pending lines with A's families: by article index, else the default for all."""
    bad = sorted(k for k in families if not is_whole_number(k) or int(k) >= len(lines))
    if bad:
        raise FamilyChoiceError({"families": "Index d'article inconnu : " + ", ".join(bad) + "."})
    out = []
    for i, line in enumerate(lines):
        chosen = families.get(str(i)) or line.get("family_id") or default
        out.append({**line, "family_id": chosen})
    return out
