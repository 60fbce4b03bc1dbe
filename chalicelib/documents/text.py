"""How values read on paper, in French: amounts, weights, dates, addresses, labels.

Pure Python (no ReportLab): the service builds the documents' views with these,
so a renderer only lays out strings it is given.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.actions import STATUS_LABELS
from chalicelib.domain.parties import street_type_name

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"  # keeps "1 250,00 €" on one line; the narrow one (U+202F) is not in the font

PAYMENT_LABELS = {
    "cash": "Espèces",
    "card": "Carte bancaire",
    "cheque": "Chèque",
    "transfer": "Virement",
    "other": "Autre",
    "refund": "Remboursement",
}

VAT_LABELS = {
    "normal": "20 %",
    "intermediate": "10 %",
    "reduced": "5,5 %",
    "super_reduced": "2,1 %",
    "exempt_melt": "Exonérée (fonte)",
    "exempt_export": "Exonérée (export)",
    "zero_negative_margin": "0 % (marge négative)",
    "none": "Sans TVA",
}

KIND_LABELS = {"purchase": "Achat", "consignment": "Confié (dépôt-vente)"}
CONDITION_LABELS = {"new": "Neuf", "used": "Occasion"}
LOT_STATUS_LABELS = {"committed": "Enregistré", "retracted": "Rétracté / annulé"}

FIELD_LABELS = {
    "supplier_id": "fournisseur", "purchase_date": "date d'achat", "purchase_price": "prix d'achat",
    "payment_method": "moyen de paiement", "condition": "état", "description": "désignation",
    "family_id": "famille", "weight_g": "poids (g)", "fineness": "titre (‰)", "serial": "n° de série",
    "status": "statut", "comment": "commentaire", "label_price": "prix étiquette",
    "reserve_price": "prix de réserve", "vat_rate": "taux de TVA", "sale_price": "prix de vente",
    "transaction_ref": "transaction", "invoice_number": "n° de facture", "client_id": "client",
    "price_incl_tmp": "prix TMP incluse",
}

ID_DOCUMENT_LABELS = {"cni": "Carte nationale d'identité", "passport": "Passeport",
                      "residence_permit": "Titre de séjour", "driving_licence": "Permis de conduire"}


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _group(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NBSP.join(groups)


def number(value: Any, places: int = 2) -> str:
    """``"1250.5"`` → ``"1 250,50"`` (non-breaking space between thousands)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    text = f"{abs(amount):.{places}f}"
    whole, _, fraction = text.partition(".")
    sign = "-" if amount < 0 else ""
    return sign + _group(whole) + ("," + fraction if fraction else "")


def euros(value: Any) -> str:
    """``"1250.00"`` → ``"1 250,00 €"``; nothing for no amount."""
    text = number(value)
    return f"{text}{NBSP}€" if text else ""


def weight(value: Any) -> str:
    """Grams as stored (``"3.250"``) → ``"3,25 g"``."""
    amount = _decimal(value)
    if amount is None:
        return ""
    text = format(amount.normalize(), "f")
    return text.replace(".", ",") + f"{NBSP}g"


def fineness(value: Any) -> str:
    """Fineness in thousandths: ``750`` → ``"750 ‰"``."""
    return f"{value}{NBSP}‰" if value not in (None, "") else ""


def percent(value: Any) -> str:
    amount = _decimal(value)
    return "" if amount is None else number(amount, 1).removesuffix(",0") + f"{NBSP}%"


def day(value: Any) -> str:
    """``"2021-03-01"`` → ``"01/03/2021"``."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def moment(value: Any) -> str:
    """An ISO timestamp (any zone) → Paris time to the minute, ``"01/03/2021 14:05"``."""
    if not value:
        return ""
    text = str(value)
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M%z")  # the receipts' own form
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return text
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(PARIS)
    return parsed.strftime("%d/%m/%Y %H:%M")


def vat_label(rate: str | None) -> str:
    return VAT_LABELS.get(rate or "", rate or "")


def payment_label(method: str | None) -> str:
    return PAYMENT_LABELS.get(method or "", method or "")


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "")


def person_name(fields: dict[str, Any]) -> str:
    """``"Mme DURAND Marie"``; a company's name first, its representative after."""
    title = {"M": "M.", "MME": "Mme"}.get(str(fields.get("title") or "").upper(), "")
    person = " ".join(p for p in (title, str(fields.get("last_name") or "").upper(),
                                  str(fields.get("first_names") or "")) if p)
    company = str(fields.get("company_name") or "")
    if company:
        return f"{company} (représentée par {person})" if person else company
    return person


def address_lines(fields: dict[str, Any]) -> list[str]:
    street = " ".join(street_type_name(str(fields[k])) if k == "street_type" else str(fields[k])
                      for k in ("street_number", "street_index", "street_type", "street_name") if fields.get(k))
    city = " ".join(str(fields[k]) for k in ("postcode", "city") if fields.get(k))
    lines = [line for line in (fields.get("address_complement"), street, city) if line]
    country = fields.get("country")
    if country and str(country).upper() not in ("FR", "FRANCE"):
        lines.append(str(country))
    return [str(line) for line in lines]


def company_legal_lines(settings: dict[str, Any]) -> list[str]:
    """SIRET, RCS or RM, VAT number, APE: what identifies the company on paper."""
    lines = []
    if settings.get("legal_form"):
        lines.append(str(settings["legal_form"]))
    if settings.get("siret"):
        lines.append(f"SIRET {settings['siret']}")
    elif settings.get("siren"):
        lines.append(f"SIREN {settings['siren']}")
    if settings.get("rcs"):
        lines.append(str(settings["rcs"]) if str(settings["rcs"]).upper().startswith(("RCS", "RM"))
                     else f"RCS {settings['rcs']}")
    if settings.get("vat_number"):
        lines.append(f"N° TVA intracommunautaire {settings['vat_number']}")
    if settings.get("ape_code"):
        lines.append(f"Code APE {settings['ape_code']}")
    return lines


def contact_lines(settings: dict[str, Any]) -> list[str]:
    return [f"{label} {settings[k]}" for k, label in (("phone", "Tél."), ("email", "Courriel"))
            if settings.get(k)]


def identity_lines(fields: dict[str, Any]) -> list[str]:
    """A seller as the police register names them (art. R321-3 code pénal)."""
    lines = [person_name(fields) or "(identité non renseignée)"]
    if fields.get("birth_name"):
        lines.append(f"Né(e) {str(fields['birth_name']).upper()}")
    born = " à ".join(p for p in (day(fields.get("birth_date")),
                                  " ".join(str(fields[k]) for k in ("birth_city", "birth_department")
                                           if fields.get(k))) if p)
    if born:
        lines.append(f"Date et lieu de naissance : {born}")
    if fields.get("siret"):
        lines.append(f"SIRET {fields['siret']}")
    lines.extend(address_lines(fields))
    if fields.get("id_document_type") or fields.get("id_document_number"):
        kind = ID_DOCUMENT_LABELS.get(str(fields.get("id_document_type") or ""),
                                      str(fields.get("id_document_type") or "Pièce d'identité"))
        parts = [f"{kind} n° {fields.get('id_document_number') or '—'}"]
        if fields.get("id_document_date"):
            parts.append(f"délivrée le {day(fields['id_document_date'])}")
        if fields.get("id_document_authority"):
            parts.append(f"par {fields['id_document_authority']}")
        lines.append(" ".join(parts))
    return lines


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
