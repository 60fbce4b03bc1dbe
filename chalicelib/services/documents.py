"""Printable documents: load what each shows, decide what the caller may see,
build the view (chalicelib/documents/views.py), hand it to its renderer.

Who prints what: every profile prints labels, receipts, invoices and credit
notes (the shop's till); the rest (purchase contract, police register, lists,
summary, deposit list) is back-office work and shows purchase data, so it asks
for ``see_purchase_data``. The shop never gets a price code nor a purchase price.

The renderers (and so ReportLab) are imported on the first PDF asked for, never
at cold start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import lots as lots_repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.documents import text
from chalicelib.documents.views import (
    Column,
    CompanyBlock,
    Contract,
    ContractLine,
    Invoice,
    InvoiceLine,
    Label,
    Listing,
    PoliceBook,
    PoliceSheet,
    Receipt,
    ReceiptLine,
    TableSection,
)
from chalicelib.domain.company import DEFAULT_SETTINGS
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.price_code import price_code
from chalicelib.domain.vat import NOTE_EXEMPT_EXPORT, NOTE_EXEMPT_MELT, NOTE_MARGIN_SCHEME, invoice_notes
from chalicelib.errors import (
    NotAPurchaseLotError,
    NotFoundError,
    NothingToPrintError,
    TooManyToPrintError,
    ValidationError,
)
from chalicelib.observability import logger
from chalicelib.services import actions, articles, lots

# A Lambda answers at most 6 MB, base64 included: these bounds keep every PDF well
# under it (a label page weighs about 1 kB, a list row about 100 bytes).
MAX_LABELS = 2000
MAX_LIST_ROWS = 5000
MAX_LOTS_PER_BOOK = 300

CONTRACT_LEGAL = ("default", "own", "both", "none")
WITHDRAWAL_HOURS = 48


@dataclass(frozen=True)
class Pdf:
    filename: str
    content: bytes


def _now() -> str:
    return datetime.now(text.PARIS).strftime("%d/%m/%Y %H:%M")


def _settings(who: Principal) -> dict[str, Any]:
    return tenant_repo.get_tenant(who.tenant_id).settings


def _company(settings: dict[str, Any], logo: bytes | None = None) -> CompanyBlock:
    return CompanyBlock(name=str(settings.get("company_name") or ""), address=tuple(text.address_lines(settings)),
                        contact=tuple(text.contact_lines(settings)), legal=tuple(text.company_legal_lines(settings)),
                        logo=logo)


def _logo(who: Principal) -> bytes | None:
    """The company's logo (its default active image medium), or None: a document still
    prints when the media bucket cannot be read."""
    from chalicelib.services import media

    try:
        return media.company_logo(who.tenant_id)
    except Exception:  # noqa: BLE001 - the logo is decoration, never a reason to fail a print
        logger.exception("logo unavailable")
        return None


def _letterhead(who: Principal, settings: dict[str, Any]) -> CompanyBlock:
    return _company(settings, _logo(who))


def _back_office(who: Principal) -> None:
    who.require("see_purchase_data")


def _family_labels(tenant_id: str) -> dict[str, str]:
    return {f.id: f.label for f in catalog_repo.list_families(tenant_id)}


def _party_lines(tenant_id: str, kind: str, party_id: str | None) -> tuple[str, ...]:
    if not party_id:
        return ()
    try:
        fields = catalog_repo.get_party(tenant_id, kind, party_id).fields
    except NotFoundError:
        return ()
    lines = [text.person_name(fields), *text.address_lines(fields)]
    if fields.get("siret"):
        lines.append(f"SIRET {fields['siret']}")
    return tuple(line for line in lines if line)


def _filters_line(params: dict[str, str]) -> tuple[str, ...]:
    shown = {k: v for k, v in params.items() if k not in ("page", "page_size", "sort")}
    if not shown:
        return ("Sans filtre",)
    return ("Filtres : " + ", ".join(f"{k} = {v}" for k, v in sorted(shown.items())),)


# ---------------------------------------------------------------- labels


def _labels(who: Principal, items: Iterable[dict[str, Any]], settings: dict[str, Any]) -> list[Label]:
    options = {**DEFAULT_SETTINGS["label_options"], **(settings.get("label_options") or {})}
    cipher = settings.get("price_code_cipher")
    coded = bool(options.get("show_price_code") and cipher and who.may("see_purchase_data"))
    out = []
    for article in items:
        code = None
        if coded and article.get("purchase_price"):
            code = price_code(Decimal(article["purchase_price"]), str(cipher))
        out.append(Label(
            ref=article["ref"],
            description=(article.get("description") or None) if options.get("show_description") else None,
            price=(text.euros(article.get("label_price")) or None) if options.get("show_price") else None,
            price_code=code,
        ))
    return out


def _label_pdf(who: Principal, items: list[dict[str, Any]], name: str) -> Pdf:
    if not items:
        raise NothingToPrintError("Aucune étiquette à imprimer.")
    if len(items) > MAX_LABELS:
        raise TooManyToPrintError(f"{len(items)} étiquettes : {MAX_LABELS} au plus par impression.")
    settings = _settings(who)
    from chalicelib.documents.labels import LabelRenderer

    content = LabelRenderer().render(_labels(who, items, settings), title=f"Étiquettes {name}",
                                     author=str(settings.get("company_name") or ""))
    return Pdf(f"etiquettes-{name}.pdf", content)


def lot_labels(who: Principal, ref: str) -> Pdf:
    lots_repo.get_lot(who.tenant_id, ref)  # 404 for an unknown lot
    items = [a for a in lots_repo.lot_articles(who.tenant_id, ref) if a["status"] != "replaced"]
    return _label_pdf(who, sorted(items, key=lambda a: a["ref"]), ref)


def article_labels(who: Principal, ref: str) -> Pdf:
    return _label_pdf(who, [articles_repo.get_article(who.tenant_id, ref.strip().upper())], ref)


def selection_labels(who: Principal, refs: list[str] | None) -> Pdf:
    """The ``labels`` bulk action's articles: ``refs``, or else the caller's selection."""
    result = actions.execute(who, "labels", refs, {})
    return _label_pdf(who, result["articles"], "selection")


# ---------------------------------------------------------------- receipt


def _receipt_view(receipt: dict[str, Any], settings: dict[str, Any]) -> Receipt:
    company = receipt.get("company") or {}
    lines = tuple(ReceiptLine(label=str(line.get("label") or ""), ref=str(line["ref"]),
                              quantity=str(line.get("quantity", 1)), unit_price=text.euros(line["unit_price"]),
                              total_excl_vat=text.euros(line["total_excl_vat"]),
                              vat_rate=text.percent(line.get("vat_rate_percent") or "0"))
                  for line in receipt.get("lines", []))
    vat = tuple((text.vat_label(rate), text.euros(entry["base"]), text.euros(entry["vat"]))
                for rate, entry in sorted((receipt.get("vat") or {}).items()))
    totals = receipt.get("running_totals") or {}
    payment = receipt.get("payment") or {}
    references = [("Transaction", receipt.get("transaction_ref")), ("Facture", receipt.get("invoice_number"))]
    return Receipt(
        company=CompanyBlock(name=str(company.get("company_name") or ""),
                             address=tuple(text.address_lines(company)),
                             legal=tuple(text.company_legal_lines({"siret": company.get("siret"),
                                                                   "vat_number": company.get("vat_number")}))),
        title="TICKET DE CAISSE",
        ticket_number=str(receipt["ticket_number"]),
        register=str(receipt.get("register") or ""),
        at=text.moment(receipt.get("at")),
        lines=lines,
        vat=vat,
        total=text.euros(receipt.get("total")),
        payment=((text.payment_label(payment.get("method")), text.euros(payment.get("amount"))),),
        running_totals=(
            (f"Total du jour ({text.day(totals.get('day'))})", text.euros(totals.get("day_total"))),
            (f"Total de la période {totals.get('period', '')}", text.euros(totals.get("period_total"))),
            ("Grand total perpétuel", text.euros(totals.get("perpetual_total"))),
        ),
        references=tuple((label, str(value)) for label, value in references if value),
        legal_mention=((settings.get("receipt_options") or {}).get("legal_mention") or None),
    )


def _sale(who: Principal, transaction_ref: str, kind: str) -> dict[str, Any]:
    sale = articles_repo.get_sale(who.tenant_id, transaction_ref.strip().upper())
    if sale.get("kind", "sale") != kind:
        raise NotFoundError("Aucune vente sous cette référence." if kind == "sale"
                            else "Aucun avoir sous ce numéro.")
    return sale


def receipt(who: Principal, transaction_ref: str) -> Pdf:
    """The sealed receipt of a sale, printed as stored (never recomputed)."""
    sale = _sale(who, transaction_ref, "sale")
    if not sale.get("receipt"):
        raise NotFoundError("Aucun ticket de caisse enregistré pour cette vente.")
    from chalicelib.documents.receipt import ReceiptRenderer

    view = _receipt_view(sale["receipt"], _settings(who))
    view = replace(view, company=replace(view.company, logo=_logo(who)))
    return Pdf(f"ticket-{view.ticket_number}.pdf", ReceiptRenderer().render(view))


# ---------------------------------------------------------------- invoice, credit note

_NOTE_TAGS = {NOTE_MARGIN_SCHEME: "marge", NOTE_EXEMPT_MELT: "exonérée", NOTE_EXEMPT_EXPORT: "exonérée"}


def _invoice_body(lines: list[dict[str, Any]], sign: int) -> tuple[tuple[InvoiceLine, ...], tuple[str, ...],
                                                                    tuple[tuple[str, str, str], ...], bool]:
    """Lines with their VAT regime, the numbered notes, the VAT table of the normal regime,
    and whether every line is under the normal regime."""
    notes: list[str] = []
    out = []
    normal: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        line_notes = invoice_notes(line.get("condition") or "used", line["vat_rate"])
        tags = []
        for note in line_notes:
            if note not in notes:
                notes.append(note)
            tags.append(f"{_NOTE_TAGS.get(note, 'voir')} ({notes.index(note) + 1})")
        if not line_notes:
            entry = normal.setdefault(line["vat_rate"], {"base": ZERO, "vat": ZERO})
            entry["base"] += Decimal(line["total_excl_vat"])
            entry["vat"] += Decimal(line["vat"])
        price = Decimal(line["unit_price"]) * sign
        out.append(InvoiceLine(ref=str(line["ref"]), label=str(line.get("label") or ""),
                               quantity=str(line.get("quantity", 1)), unit_price=text.euros(price),
                               vat=" ".join(tags) or text.vat_label(line["vat_rate"]),
                               total=text.euros(Decimal(line["total"]) * sign)))
    table = tuple((text.vat_label(rate), text.euros(v["base"] * sign), text.euros(v["vat"] * sign))
                  for rate, v in sorted(normal.items()))
    numbered = tuple(f"({n}) {note}" for n, note in enumerate(notes, start=1))
    return tuple(out), numbered, table, bool(lines) and len(notes) == 0


def _totals(lines: list[dict[str, Any]], total: str, sign: int, all_normal: bool,
            vat_table: tuple[tuple[str, str, str], ...], last_label: str) -> tuple[tuple[str, str], ...]:
    normal_vat = sum((Decimal(line["vat"]) for line in lines
                      if not invoice_notes(line.get("condition") or "used", line["vat_rate"])), ZERO) * sign
    rows: list[tuple[str, str]] = []
    if all_normal:
        rows.append(("Total HT", text.euros(Decimal(total) - normal_vat)))
        rows.append(("Total TVA", text.euros(normal_vat)))
    elif vat_table:
        rows.append(("dont TVA (régime normal)", text.euros(normal_vat)))
    rows.append((last_label, text.euros(total)))
    return tuple(rows)


def _legal_comment(settings: dict[str, Any]) -> str | None:
    return settings.get("invoice_legal_comment") or None


def invoice(who: Principal, transaction_ref: str) -> Pdf:
    sale = _sale(who, transaction_ref, "sale")
    if not sale.get("invoice_number"):
        raise NotFoundError("Cette vente n'a pas de numéro de facture.")
    settings = _settings(who)
    lines, notes, vat_table, all_normal = _invoice_body(sale["lines"], 1)
    view = Invoice(
        title="Facture", number=str(sale["invoice_number"]), date=text.day(sale["date"]),
        company=_letterhead(who, settings),
        client=_party_lines(who.tenant_id, "client", sale.get("client_id")),
        references=(("Transaction", sale["transaction_ref"]), ("Ticket de caisse", sale.get("receipt_number") or "")),
        lines=lines, totals=_totals(sale["lines"], sale["total"], 1, all_normal, vat_table, "Total TTC"),
        vat_table=vat_table, notes=notes, legal_comment=_legal_comment(settings),
        payment=f"Réglée le {text.day(sale['date'])} — {text.payment_label(sale.get('payment_method'))} : "
                f"{text.euros(sale['total'])}",
    )
    from chalicelib.documents.invoice import InvoiceRenderer

    return Pdf(f"facture-{view.number}.pdf", InvoiceRenderer().render(view))


def credit_note(who: Principal, number: str) -> Pdf:
    note = _sale(who, number, "credit_note")
    settings = _settings(who)
    lines, notes, vat_table, all_normal = _invoice_body(note["lines"], -1)
    references = [("Avoir sur la facture", note.get("invoice_number")),
                  ("Transaction d'origine", note.get("original_transaction_ref")), ("Motif", note.get("reason"))]
    view = Invoice(
        title="Avoir", number=str(note["credit_note_number"]), date=text.day(note["date"]),
        company=_letterhead(who, settings), client=_party_lines(who.tenant_id, "client", note.get("client_id")),
        references=tuple((label, str(value)) for label, value in references if value),
        lines=lines, totals=_totals(note["lines"], note["total"], -1, all_normal, vat_table, "Total de l'avoir TTC"),
        vat_table=vat_table, notes=notes, legal_comment=_legal_comment(settings),
    )
    from chalicelib.documents.invoice import CreditNoteRenderer

    return Pdf(f"avoir-{view.number}.pdf", CreditNoteRenderer().render(view))


# ---------------------------------------------------------------- purchase contract


def default_legal_mentions(settings: dict[str, Any]) -> list[str]:
    """The buyer's classic mentions: name and address, RCS or RM, VAT number."""
    identity = ", ".join([str(settings.get("company_name") or ""), *text.address_lines(settings)])
    register = settings.get("rcs")
    parts = [identity + "."]
    parts.append(f"Immatriculation : {register}." if register else "Immatriculation RCS / RM : non renseignée.")
    if settings.get("siret"):
        parts.append(f"SIRET {settings['siret']}.")
    parts.append(f"N° individuel d'identification à la TVA : {settings['vat_number']}." if settings.get("vat_number")
                 else "N° individuel d'identification à la TVA : non renseigné.")
    return [
        " ".join(parts),
        "Contrat d'achat de métaux précieux et d'objets auprès d'un particulier, établi en deux exemplaires dont "
        "un est remis au vendeur. Le vendeur dispose d'un délai de rétractation de "
        f"{WITHDRAWAL_HOURS} heures à compter de la signature ; pendant ce délai, l'acheteur ne revend ni ne "
        "transforme les biens.",
    ]


def contract(who: Principal, ref: str, legal: str, agreement: bool, withdrawal: bool) -> Pdf:
    _back_office(who)
    if legal not in CONTRACT_LEGAL:
        raise ValidationError(details={"legal": "Valeurs possibles : " + ", ".join(CONTRACT_LEGAL) + "."})
    lot = lots.lot_view(who, ref.strip().upper())
    if lot["kind"] != "purchase":
        raise NotAPurchaseLotError()
    settings = _settings(who)
    families = _family_labels(who.tenant_id)
    mentions: list[str] = []
    if legal in ("default", "both"):
        mentions += default_legal_mentions(settings)
    if legal in ("own", "both") and settings.get("contract_legal_comment"):
        mentions.append(str(settings["contract_legal_comment"]))
    goods = tuple(ContractLine(ref=a["ref"], description=str(a.get("description") or ""),
                               family=families.get(a.get("family_id") or "", ""), weight=text.weight(a.get("weight_g")),
                               fineness=text.number(a["fineness"], 0) if a.get("fineness") not in (None, "") else "",
                               price=text.euros(a.get("purchase_price")))
                  for a in sorted(lot["articles"], key=lambda a: a["ref"]) if a["status"] != "replaced")
    if lot.get("tmp"):
        rate = Decimal(lot.get("tmp_rate") or get_settings().tmp_rate) * 100
        totals = (("Prix d'achat des biens", text.euros(lot["purchase_price"])),
                  (f"Taxe sur les métaux précieux (TMP {text.percent(rate)})", text.euros(lot.get("tmp_due"))),
                  ("Prix TMP incluse", text.euros(lot.get("price_incl_tmp"))))
    else:
        totals = (("Prix d'achat total", text.euros(lot["purchase_price"])),)
    place = ", ".join(text.address_lines(settings)) or "(adresse de l'établissement non renseignée)"
    view = Contract(
        company=_letterhead(who, settings), lot_ref=lot["ref"], place=place, date=text.day(lot["purchase_date"]),
        seller=tuple(text.identity_lines(lot.get("supplier") or {})), lines=goods, totals=totals,
        payment=text.payment_label(lot.get("payment_method")) or "non renseigné", legal_mentions=tuple(mentions),
        agreement=agreement, withdrawal=withdrawal,
        warning="Lot rétracté / annulé : ce bordereau n'a plus d'effet." if lot["status"] == "retracted" else None,
    )
    from chalicelib.documents.contract import ContractRenderer

    return Pdf(f"bordereau-achat-{view.lot_ref}.pdf", ContractRenderer().render(view))


# ---------------------------------------------------------------- police register

_MONEY_FIELDS = {"purchase_price", "price_incl_tmp", "label_price", "reserve_price", "sale_price", "deposit_price"}


def _trace_value(field: str, value: Any, families: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if field in _MONEY_FIELDS:
        return text.euros(value)
    if field == "family_id":
        return families.get(str(value), str(value))
    if field == "purchase_date":
        return text.day(value)
    if field == "status":
        return text.status_label(str(value)) if value != "retracted" else "rétracté"
    if field == "payment_method":
        return text.payment_label(str(value))
    if field == "condition":
        return text.CONDITION_LABELS.get(str(value), str(value))
    return str(value)


def _trace_row(subject: str, trace: dict[str, Any], families: dict[str, str]) -> tuple[str, ...]:
    field = str(trace.get("field") or "")
    change = (f"de « {_trace_value(field, trace.get('old'), families)} » "
              f"à « {_trace_value(field, trace.get('new'), families)} »")
    return (text.moment(trace.get("at")), str(trace.get("user") or ""), subject,
            text.FIELD_LABELS.get(field, field), change, str(trace.get("reason") or ""))


def _police_sheet(lot: dict[str, Any], items: list[dict[str, Any]], families: dict[str, str]) -> PoliceSheet:
    purchase = lot["kind"] == "purchase"
    tmp = "non"
    if lot.get("tmp"):
        rate = text.percent(Decimal(lot.get("tmp_rate") or "0") * 100)
        tmp = (f"oui ({rate}) — TMP {text.euros(lot.get('tmp_due'))}, "
               f"TMP incluse {text.euros(lot.get('price_incl_tmp'))}")
    header = (
        ("Référence", lot["ref"]), ("Nature", text.KIND_LABELS.get(lot["kind"], lot["kind"])),
        ("Date d'achat", text.day(lot["purchase_date"])),
        ("Enregistré le", f"{text.moment(lot.get('committed_at'))} par {lot.get('committed_by') or '—'}"),
        ("Prix d'achat", text.euros(lot.get("purchase_price")) if purchase else "sans (confié)"), ("TMP", tmp),
        ("Mode de paiement", text.payment_label(lot.get("payment_method")) or "—"),
        ("État", text.CONDITION_LABELS.get(lot.get("condition") or "", "—")),
        ("Statut", text.LOT_STATUS_LABELS.get(lot.get("status") or "", lot.get("status") or "")),
        ("Version du registre", str(lot.get("register_version") or 1)),
    )
    ordered = sorted(items, key=lambda a: a["ref"])
    rows = tuple((a["ref"], str(a.get("description") or ""), families.get(a.get("family_id") or "", ""),
                  text.weight(a.get("weight_g")), text.fineness(a.get("fineness")), str(a.get("serial") or ""),
                  text.euros(a.get("purchase_price")) if purchase
                  else f"réserve {text.euros(a.get('reserve_price'))}".strip(),
                  text.status_label(a.get("status")))
                 for a in ordered)
    traces = [(t.get("at") or "", _trace_row("lot", t, families)) for t in lot.get("traces") or []]
    for a in ordered:
        traces += [(t.get("at") or "", _trace_row(a["ref"], t, families)) for t in a.get("traces") or []]
    traces.sort(key=lambda pair: pair[0])
    return PoliceSheet(lot_ref=lot["ref"], header=header, seller=tuple(text.identity_lines(lot.get("supplier") or {})),
                       articles=rows, traces=tuple(row for _, row in traces), comment=lot.get("comment") or None)


def _police_pdf(who: Principal, sheets: list[PoliceSheet], title: str, filename: str,
                filters: tuple[str, ...] = ()) -> Pdf:
    if not sheets:
        raise NothingToPrintError("Aucun lot ne correspond à ces filtres.")
    settings = _settings(who)
    from chalicelib.documents.police import PoliceSheetRenderer

    book = PoliceBook(company=_letterhead(who, settings), title=title, printed_at=_now(), sheets=tuple(sheets),
                      filters=filters)
    return Pdf(filename, PoliceSheetRenderer().render(book))


def police_sheet(who: Principal, ref: str) -> Pdf:
    _back_office(who)
    lot = lots.lot_view(who, ref.strip().upper())
    sheet = _police_sheet(lot, lot.pop("articles"), _family_labels(who.tenant_id))
    return _police_pdf(who, [sheet], f"Livre de police — lot {lot['ref']}", f"livre-police-{lot['ref']}.pdf")


def police_sheets(who: Principal, filters: dict[str, str]) -> Pdf:
    _back_office(who)
    found = sorted(lots.list_lots(who, filters), key=lambda lot: (lot["purchase_date"], lot["ref"]))
    if len(found) > MAX_LOTS_PER_BOOK:
        raise TooManyToPrintError(f"{len(found)} lots : {MAX_LOTS_PER_BOOK} au plus par impression, "
                                  "précisez les filtres (dates d'achat).")
    families = _family_labels(who.tenant_id)
    sheets = [_police_sheet(lot, lots_repo.lot_articles(who.tenant_id, lot["ref"]), families) for lot in found]
    return _police_pdf(who, sheets, "Livre de police", "livre-police.pdf", _filters_line(filters))


# ---------------------------------------------------------------- lists, summary, deposit list


def _listing_pdf(who: Principal, listing_args: dict[str, Any], renderer: str, filename: str) -> Pdf:
    settings = _settings(who)
    listing = Listing(company=_letterhead(who, settings), printed_at=_now(), **listing_args)
    from chalicelib.documents import lists

    return Pdf(filename, getattr(lists, renderer)().render(listing))


def _check_rows(count: int) -> None:
    if count > MAX_LIST_ROWS:
        raise TooManyToPrintError(f"{count} lignes : {MAX_LIST_ROWS} au plus par impression, précisez les filtres.")


def article_list(who: Principal, params: dict[str, str]) -> Pdf:
    _back_office(who)
    found = articles.find(who, articles.parse_filters(params))
    _check_rows(len(found))
    families = _family_labels(who.tenant_id)
    columns = (Column("Réf.", 9), Column("Désignation", 27), Column("Statut", 8), Column("Famille", 9),
               Column("Poids", 6, "RIGHT"), Column("Titre", 5, "RIGHT"), Column("Prix d'achat", 9, "RIGHT"),
               Column("Prix étiquette", 9, "RIGHT"), Column("Prix de vente", 9, "RIGHT"),
               Column("Date d'achat", 8, "CENTER"), Column("Date de vente", 8, "CENTER"))
    rows = tuple((a["ref"], str(a.get("description") or ""), text.status_label(a.get("status")),
                  families.get(a.get("family_id") or "", ""), text.weight(a.get("weight_g")),
                  text.fineness(a.get("fineness")), text.euros(a.get("purchase_price")),
                  text.euros(a.get("label_price")), text.euros(a.get("sale_price")), text.day(a.get("purchase_date")),
                  text.day(a.get("sale_date"))) for a in found)

    def total(field: str) -> str:
        return text.euros(sum((Decimal(a[field]) for a in found if a.get(field)), ZERO))

    footer = (f"{len(found)} article(s)", "", "", "", "", "", total("purchase_price"), total("label_price"),
              total("sale_price"), "", "")
    section = TableSection(columns=columns, rows=rows, footer=footer)
    return _listing_pdf(who, {"title": "Liste des articles", "sections": (section,),
                              "subtitle": _filters_line(params)}, "ArticleListRenderer", "articles.pdf")


def lot_list(who: Principal, filters: dict[str, str]) -> Pdf:
    _back_office(who)
    found = lots.list_lots(who, filters)
    _check_rows(len(found))
    columns = (Column("Réf.", 9), Column("Date d'achat", 8, "CENTER"), Column("Fournisseur", 22), Column("Nature", 10),
               Column("État", 7), Column("Paiement", 9), Column("Articles", 6, "RIGHT"), Column("Prix", 10, "RIGHT"),
               Column("TMP due", 8, "RIGHT"), Column("Statut", 9), Column("Traces", 5, "RIGHT"))
    rows = tuple((lot["ref"], text.day(lot["purchase_date"]), text.person_name(lot.get("supplier") or {}),
                  text.KIND_LABELS.get(lot["kind"], lot["kind"]),
                  text.CONDITION_LABELS.get(lot.get("condition") or "", ""),
                  text.payment_label(lot.get("payment_method")), str(lot.get("article_count") or 0),
                  text.euros(lot.get("purchase_price")), text.euros(lot.get("tmp_due")),
                  text.LOT_STATUS_LABELS.get(lot.get("status") or "", ""), str(len(lot.get("traces") or [])))
                 for lot in found)

    def total(field: str) -> str:
        return text.euros(sum((Decimal(lot[field]) for lot in found if lot.get(field)), ZERO))

    footer = (f"{len(found)} lot(s)", "", "", "", "", "", str(sum(int(lot.get("article_count") or 0) for lot in found)),
              total("purchase_price"), total("tmp_due"), "", "")
    section = TableSection(columns=columns, rows=rows, footer=footer)
    return _listing_pdf(who, {"title": "Liste des achats et prises en confié", "sections": (section,),
                              "subtitle": _filters_line(filters)}, "LotListRenderer", "lots.pdf")


def articles_summary(who: Principal, params: dict[str, str]) -> Pdf:
    _back_office(who)
    summary = articles.summary(who, articles.parse_filters(params))
    figures = TableSection(
        columns=(Column("Indicateur", 3), Column("Valeur", 2, "RIGHT")), title="Synthèse",
        rows=(("Nombre d'articles", str(summary["count"])),
              ("Total des achats", text.euros(summary["purchase_total"])),
              ("Total des ventes", text.euros(summary["sale_total"])),
              ("Marge totale", text.euros(summary["margin_total"]))))
    vat_rows = tuple((text.vat_label(rate), text.euros(entry["base"]), text.euros(entry["deductible"]),
                      text.euros(entry["collected"])) for rate, entry in summary["vat"].items())

    def total(field: str) -> str:
        return text.euros(sum((Decimal(entry[field] or "0") for entry in summary["vat"].values()), ZERO))

    vat = TableSection(columns=(Column("Taux", 3), Column("Base", 2, "RIGHT"), Column("TVA déductible", 2, "RIGHT"),
                                Column("TVA collectée", 2, "RIGHT")),
                       rows=vat_rows, title="TVA par taux", footer=("Total", total("base"), total("deductible"),
                                                                    total("collected")))
    return _listing_pdf(who, {"title": "Synthèse des articles", "sections": (figures, vat),
                              "subtitle": _filters_line(params)}, "SummaryRenderer", "synthese-articles.pdf")


def deposit_list(who: Principal, refs: list[str] | None) -> Pdf:
    """The articles on deposit (``deposit_list`` action), per depositary, for signature."""
    result = actions.execute(who, "deposit_list", refs, {})
    found = sorted(result["articles"], key=lambda a: a["ref"])
    _check_rows(len(found))
    by_client: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for article in found:
        by_client[article.get("client_id") or ""].append(article)
    columns = (Column("Réf.", 12), Column("Désignation", 46), Column("Date de dépôt", 12, "CENTER"),
               Column("Prix de dépôt", 12, "RIGHT"))
    sections = []
    party: tuple[str, ...] = ()
    for client_id, items in sorted(by_client.items()):
        lines = _party_lines(who.tenant_id, "client", client_id)
        if len(by_client) == 1:
            party = ("Dépositaire :", *lines)
        rows = tuple((a["ref"], str(a.get("description") or ""), text.day(a.get("deposit_date")),
                      text.euros(a.get("deposit_price"))) for a in items)
        amount = sum((Decimal(a["deposit_price"]) for a in items if a.get("deposit_price")), ZERO)
        sections.append(TableSection(columns=columns, rows=rows,
                                     title=None if len(by_client) == 1 else f"Dépositaire : {', '.join(lines)}",
                                     footer=(f"{len(items)} article(s)", "", "", text.euros(fmt(amount)))))
    settings = _settings(who)
    closing = ("Les objets ci-dessus, propriété de " + str(settings.get("company_name") or "la société") +
               ", sont remis en dépôt au dépositaire, qui s'engage à les restituer sur simple demande ou à en "
               "régler le prix de dépôt en cas de vente.",)
    return _listing_pdf(who, {"title": "Liste des articles en dépôt", "sections": tuple(sections), "party": party,
                              "closing": closing, "signatures": ("Le dépositaire", "Pour la société")},
                        "DepositListRenderer", "liste-depot.pdf")

