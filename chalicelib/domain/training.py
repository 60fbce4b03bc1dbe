"""Training mode (mode formation, DOMAIN.md "Audit trail and the authorities").

A per-user switch. In training the till sells as usual on screen, but a sale changes
no article, no sale record, no counter of the real cash register (receipt numbers,
invoice numbers, running totals), no Σ bucket, no transfer: its receipt, marked
:data:`MENTION`, numbered in a training numbering of its own and totalled on a
training register of its own, is journalled as one ``training_sale`` entry and sealed
in the tenant's ``training`` chain. Other writes are refused while training is on
(:func:`write_allowed`): a trainee changes nothing real.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.sale import SaleLine

MENTION = "FICTIF — MODE FORMATION"
JOURNAL_KIND = "training_sale"
REGISTER = "01"
# The training register's counter (number and running totals): never the real register's.
COUNTER_KEY = f"training#{REGISTER}"

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A real sale's transaction is V<yymmdd>-XXXXXX, a credit note AV-NNNNN: a training one T<yymmdd>-XXXXXX.
_TRAINING_REF = re.compile(r"^T\d{6}-[A-Z0-9]{6}$")

# The writes a trainee may still make: the till's sale (made fictitious) and the read-only
# bulk actions (prints), the selection (the till's basket), the purchase desk's draft (a
# scratch pad, its commit refused) and the switch itself. Reads are always allowed.
_ALLOWED_WRITES = frozenset({
    "PUT /api/me/training",
    "POST /api/actions/{action}",  # chalicelib/services/actions.py refuses all but sell and prints
    "POST /api/selection/add",
    "POST /api/selection/remove",
    "POST /api/selection/scan",
    "DELETE /api/selection",
    "PUT /api/lots/draft",
    "DELETE /api/lots/draft",
    "POST /api/lots/draft/lines",
    "PUT /api/lots/draft/lines/{n}",
    "DELETE /api/lots/draft/lines/{n}",
    "POST /api/lots/draft/import",
    "POST /api/lots/draft/distribute-by-weight",
})
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def write_allowed(method: str, route: str) -> bool:
    """Whether a request (``METHOD /api/path`` as in the route table) runs in training mode."""
    method = method.upper()
    return method in _READS or f"{method} {route}" in _ALLOWED_WRITES


def action_allowed(action: str, read_only: bool) -> bool:
    """The bulk actions of a trainee: the sale (fictitious) and the prints."""
    return action == "sell" or read_only


def transaction_ref(on: Any) -> str:
    """A training sale's reference (``on``: its date): never one of a real sale."""
    return f"T{on:%y%m%d}-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def is_training_ref(ref: str) -> bool:
    return bool(_TRAINING_REF.match(ref.strip().upper()))


def ticket_number(seq: int) -> str:
    """The training numbering: ``F01-00000001`` (F for formation), apart from ``01-…``."""
    return f"F{REGISTER}-{seq:08d}"


def mark(receipt: Mapping[str, Any], *, date: str, seller: str, client_id: str | None,
         lines: Sequence[SaleLine]) -> dict[str, Any]:
    """The receipt content of a training sale as sealed: the till's receipt marked fictitious,
    with what printing it again needs (each line's condition and margin category)."""
    return {
        **receipt,
        "training": True,
        "mention": MENTION,
        "date": date,
        "seller": seller,
        "client_id": client_id,
        "conditions": {line.ref: line.goods_condition for line in lines},
        "margin_categories": {line.ref: line.margin_category for line in lines if line.margin_category},
    }


def sale_view(content: Mapping[str, Any]) -> dict[str, Any]:
    """A training receipt shown like a sale (``GET /api/sales/{ref}``): the receipt's lines
    with their condition, the sale's fields, and the marks."""
    conditions = content.get("conditions") or {}
    categories = content.get("margin_categories") or {}
    receipt = {k: v for k, v in content.items() if k not in ("conditions", "margin_categories")}
    lines = [{**line, "condition": conditions.get(line["ref"], "used"), "total": line.get("unit_price"),
              **({"margin_category": categories[line["ref"]]} if line["ref"] in categories else {})}
             for line in content.get("lines") or []]
    return {
        "kind": JOURNAL_KIND, "transaction_ref": content.get("transaction_ref"), "date": content.get("date"),
        "at": content.get("at"), "client_id": content.get("client_id"),
        "payment_method": (content.get("payment") or {}).get("method"), "lines": lines, "vat": content.get("vat"),
        "total": content.get("total"), "invoice_number": None, "register": content.get("register"),
        "receipt_number": content.get("ticket_number"), "seller": content.get("seller"), "receipt": receipt,
        "training": True, "mention": MENTION,
    }


def summary(content: Mapping[str, Any]) -> dict[str, Any]:
    """What the vault's index keeps of a training receipt, to list them unread."""
    keep = ("ticket_number", "at", "total", "transaction_ref")
    return {k: content[k] for k in keep if k in content and not isinstance(content[k], (dict, list))}
