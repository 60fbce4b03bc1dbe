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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import counters as counters_repo
from chalicelib.adapters.repositories import lots as lots_repo
from chalicelib.adapters.repositories import sales as sales_repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.documents import text
from chalicelib.documents.views import (
    ClosingSheet,
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
from chalicelib.domain import training as training_rules
from chalicelib.domain.article import Article
from chalicelib.domain.company import DEFAULT_SETTINGS
from chalicelib.domain.money import CENT, ZERO, fmt
from chalicelib.domain.price_code import price_code
from chalicelib.domain.sale import CREDIT_NOTE, SALE, Sale, SaleLine, minute
from chalicelib.domain.sealed_register import Change, Version, changes
from chalicelib.domain.vat import (
    DEFAULT_MARGIN_CATEGORY,
    NOTE_EXEMPT_EXPORT,
    NOTE_EXEMPT_MELT,
    invoice_notes,
    is_margin_scheme,
)
from chalicelib.domain.withdrawal import withdrawal_deadline
from chalicelib.errors import (
    NotAPurchaseLotError,
    NotFoundError,
    NothingToPrintError,
    TooManyToPrintError,
    ValidationError,
)
from chalicelib.observability import logger
from chalicelib.services import actions, articles, audit, lots, sealed_register

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


def _labels(who: Principal, items: Iterable[Article], settings: dict[str, Any]) -> list[Label]:
    options = {**DEFAULT_SETTINGS["label_options"], **(settings.get("label_options") or {})}
    cipher = settings.get("price_code_cipher")
    coded = bool(options.get("show_price_code") and cipher and who.may("see_purchase_data"))
    out = []
    for article in items:
        code = None
        if coded and article.purchase_price is not None:
            code = price_code(article.purchase_price, str(cipher))
        out.append(Label(
            ref=article.ref,
            description=(article.description or None) if options.get("show_description") else None,
            price=(text.euros(article.label_price) or None) if options.get("show_price") else None,
            price_code=code,
        ))
    return out


def _label_pdf(who: Principal, items: list[Article], name: str) -> Pdf:
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
    items = [a for a in articles_repo.lot_articles(who.tenant_id, ref) if a.status != "replaced"]
    return _label_pdf(who, sorted(items, key=lambda a: a.ref), ref)


def article_labels(who: Principal, ref: str) -> Pdf:
    return _label_pdf(who, [articles_repo.get_article(who.tenant_id, ref.strip().upper())], ref)


def selection_labels(who: Principal, refs: list[str] | None) -> Pdf:
    """The ``labels`` bulk action's articles: ``refs``, or else the caller's selection."""
    result = actions.execute(who, "labels", refs, {})  # the articles as the caller may see them
    return _label_pdf(who, [Article.from_record(a) for a in result["articles"]], "selection")


# ---------------------------------------------------------------- receipt


def _print_mark(tenant_id: str, kind: str, key: str, *, user: str | None = None,
                number: str | None = None) -> str | None:
    """Count one more print of a document (one atomic increment, per tenant and document):
    None for the first, "DUPLICATA n° N" for every later one. Each is an event of the
    log: ``print`` the first time, ``reprint`` with its duplicate number after."""
    count = counters_repo.next_value(tenant_id, f"print#{kind}#{key}")
    details = {"document": kind, "key": key, "number": number or key, "copy": count}
    audit.record_event(tenant_id, "print" if count == 1 else "reprint", user=user, details=details)
    return f"DUPLICATA n° {count}" if count > 1 else None


def _margin_categories(tenant_id: str, refs: Iterable[str],
                       lines: Iterable[SaleLine] = ()) -> dict[str, str]:
    """Each article's margin category (art. 242 nonies A annexe II CGI), by reference: the one
    the sale recorded in its line; for a sale recorded without it, its family's today."""
    recorded = {line.ref: line.margin_category for line in lines if line.margin_category}
    return recorded | _family_categories(tenant_id, [ref for ref in refs if ref not in recorded])


def _family_categories(tenant_id: str, refs: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(refs))
    if not wanted:
        return {}
    found = articles_repo.get_articles(tenant_id, wanted)
    families = {f.id: f.margin_category for f in catalog_repo.list_families(tenant_id)}
    return {ref: families.get(article.family_id or "", DEFAULT_MARGIN_CATEGORY)
            for ref, article in found.items()}


def _line_notes(line: SaleLine, categories: dict[str, str]) -> list[str]:
    return invoice_notes(line.goods_condition, line.vat_rate, categories.get(line.ref))


def _receipt_view(receipt: dict[str, Any], settings: dict[str, Any], conditions: dict[str, str] | None = None,
                  categories: dict[str, str] | None = None) -> Receipt:
    """The printed ticket. Margin-scheme lines (used goods) show neither a VAT amount nor an
    excl.-VAT figure, only their mention (art. 297 E CGI); new goods show both, per rate."""
    company = receipt.get("company") or {}
    conditions, categories = conditions or {}, categories or {}
    receipt_lines = receipt.get("lines", [])
    margin = {str(line["ref"]) for line in receipt_lines
              if is_margin_scheme(conditions.get(str(line["ref"]), "used"), line["vat_rate"])}
    lines = tuple(ReceiptLine(label=str(line.get("label") or ""), ref=str(line["ref"]),
                              quantity=str(line.get("quantity", 1)), unit_price=text.euros(line["unit_price"]),
                              total_excl_vat="" if line["ref"] in margin else text.euros(line["total_excl_vat"]),
                              vat_rate="marge" if line["ref"] in margin
                              else text.percent(line.get("vat_rate_percent") or "0"))
                  for line in receipt_lines)
    by_rate: dict[str, dict[str, Decimal]] = {}
    for line in receipt_lines:
        if line["ref"] not in margin:
            entry = by_rate.setdefault(line["vat_rate"], {"base": ZERO, "vat": ZERO})
            entry["base"] += Decimal(line["total_excl_vat"])
            entry["vat"] += Decimal(line.get("vat") or "0")
    vat = tuple((text.vat_label(rate), text.euros(entry["base"]), text.euros(entry["vat"]))
                for rate, entry in sorted(by_rate.items()))
    mentions: list[str] = []
    for line in receipt_lines:
        condition = conditions.get(str(line["ref"]), "used")
        for note in invoice_notes(condition, line["vat_rate"], categories.get(str(line["ref"]))):
            if note not in mentions:
                mentions.append(note)
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
        show_excl_vat=len(margin) < len(receipt_lines), vat_mentions=tuple(mentions),
    )


def _sale(who: Principal, transaction_ref: str, kind: str) -> Sale:
    sale = sales_repo.get_sale(who.tenant_id, transaction_ref.strip().upper())
    if sale.kind != kind:
        raise NotFoundError("Aucune vente sous cette référence." if kind == "sale"
                            else "Aucun avoir sous ce numéro.")
    return sale


_RECEIPT_COMPANY_FIELDS = ("company_name", "siret", "vat_number", "street_number", "street_type", "street_name",
                           "postcode", "city")


def _refund_ticket(who: Principal, note: Sale) -> Pdf:
    """The refund ticket of a customer return (given for a credit note's number): the
    ticket(s) it refunds, the company's address, the lines given back, its running totals."""
    number = note.receipt_number or ""
    if not number:
        raise NotFoundError("Aucun ticket de remboursement pour cet avoir.")
    # one refund ticket covers the credit notes of one return (one per original sale)
    notes = sorted((s for s in sales_repo.list_sales(who.tenant_id)
                    if s.is_credit_note and s.receipt_number == number),
                   key=lambda s: str(s.credit_note_number)) or [note]
    refunded = []
    for each in notes:
        if each.original_transaction_ref:
            try:
                original = sales_repo.get_sale(who.tenant_id, each.original_transaction_ref)
            except NotFoundError:
                continue
            if original.receipt_number:
                refunded.append(original.receipt_number)
    given_back = [line for each in notes for line in each.lines]
    lines = [{**line.to_record(), "unit_price": fmt(-line.unit_price), "total_excl_vat": fmt(-line.total_excl_vat),
              "vat": fmt(-line.vat)} for line in given_back]
    total = fmt(sum((each.total for each in notes), ZERO))
    settings = _settings(who)
    stored = {
        "ticket_number": number, "register": number.split("-")[0], "at": None if note.at is None else minute(note.at),
        "company": {k: settings.get(k) for k in _RECEIPT_COMPANY_FIELDS},
        "lines": lines, "total": total, "payment": {"method": "refund", "amount": total},
        "running_totals": dict(note.running_totals or {}),
    }
    conditions = {line.ref: line.goods_condition for line in given_back}
    categories = _margin_categories(who.tenant_id, [r for r, c in conditions.items() if c == "used"], given_back)
    view = _receipt_view(stored, settings, conditions, categories)
    references = [("Rembourse le ticket", ", ".join(dict.fromkeys(refunded))),
                  ("Avoir", ", ".join(str(each.credit_note_number) for each in notes)),
                  ("Facture d'origine", ", ".join(dict.fromkeys(each.invoice_number for each in notes
                                                                if each.invoice_number))),
                  ("Motif", note.reason or "")]
    view = replace(view, title="TICKET DE REMBOURSEMENT", references=tuple((k, v) for k, v in references if v),
                   company=replace(view.company, logo=_logo(who)),
                   duplicate=_print_mark(who.tenant_id, "receipt", number, user=who.email, number=number))
    from chalicelib.documents.receipt import ReceiptRenderer

    return Pdf(f"ticket-{number}.pdf", ReceiptRenderer().render(view))


def _training_receipt(who: Principal, transaction_ref: str) -> Pdf:
    """A training-mode receipt (chalicelib/domain/training.py) as sealed, marked « FICTIF —
    MODE FORMATION » in its header, after its total, at its foot and across every page. No
    print count: it is no document of the real register."""
    from chalicelib.documents.receipt import ReceiptRenderer
    from chalicelib.services import training

    content = training.receipt_content(who.tenant_id, transaction_ref)
    conditions = {str(ref): str(c) for ref, c in (content.get("conditions") or {}).items()}
    categories = {str(ref): str(c) for ref, c in (content.get("margin_categories") or {}).items()}
    view = _receipt_view(content, _settings(who), conditions, categories)
    view = replace(view, title="TICKET DE CAISSE FICTIF", company=replace(view.company, logo=_logo(who)),
                   training_mark=training_rules.MENTION)
    return Pdf(f"ticket-{view.ticket_number}.pdf", ReceiptRenderer().render(view))


def receipt(who: Principal, transaction_ref: str) -> Pdf:
    """The sealed receipt of a sale, printed as stored (never recomputed); for a credit
    note's number, the refund ticket of that customer return; for a training sale's
    reference, its fictitious receipt."""
    if training_rules.is_training_ref(transaction_ref):
        return _training_receipt(who, transaction_ref)
    sale = sales_repo.get_sale(who.tenant_id, transaction_ref.strip().upper())
    if sale.is_credit_note:
        return _refund_ticket(who, sale)
    if sale.kind != SALE:
        raise NotFoundError("Aucune vente sous cette référence.")
    if not sale.receipt:
        raise NotFoundError("Aucun ticket de caisse enregistré pour cette vente.")
    from chalicelib.documents.receipt import ReceiptRenderer

    conditions = {line.ref: line.goods_condition for line in sale.lines}
    categories = _margin_categories(who.tenant_id, [ref for ref, condition in conditions.items()
                                                    if condition == "used"], sale.lines)
    view = _receipt_view(dict(sale.receipt), _settings(who), conditions, categories)
    view = replace(view, company=replace(view.company, logo=_logo(who)),
                   duplicate=_print_mark(who.tenant_id, "receipt", sale.transaction_ref, user=who.email,
                                         number=str(sale.receipt.get("ticket_number") or "") or None))
    return Pdf(f"ticket-{view.ticket_number}.pdf", ReceiptRenderer().render(view))


# ---------------------------------------------------------------- invoice, credit note

_NOTE_TAGS = {NOTE_EXEMPT_MELT: "exonérée", NOTE_EXEMPT_EXPORT: "exonérée"}


def _unit_excl_vat(line: SaleLine, sign: int) -> str:
    quantity = Decimal(line.quantity or 1)
    return text.euros((line.total_excl_vat / quantity).quantize(CENT) * sign)


def _invoice_body(lines: Sequence[SaleLine], sign: int, categories: dict[str, str] | None = None
                  ) -> tuple[tuple[InvoiceLine, ...], tuple[str, ...], tuple[tuple[str, str, str], ...], bool]:
    """Lines with their VAT regime, the numbered notes, the VAT table of the normal regime,
    and whether every line is under the normal regime. A margin-scheme line shows neither
    its VAT nor an excl.-VAT price (art. 297 E CGI), only its mention by family category."""
    categories = categories or {}
    notes: list[str] = []
    out = []
    normal: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        line_notes = _line_notes(line, categories)
        margin = is_margin_scheme(line.goods_condition, line.vat_rate)
        tags = []
        for note in line_notes:
            if note not in notes:
                notes.append(note)
            tags.append(f"{'marge' if margin else _NOTE_TAGS.get(note, 'voir')} ({notes.index(note) + 1})")
        if not line_notes:
            entry = normal.setdefault(line.vat_rate, {"base": ZERO, "vat": ZERO})
            entry["base"] += line.total_excl_vat
            entry["vat"] += line.vat
        price = line.unit_price * sign
        out.append(InvoiceLine(ref=line.ref, label=line.label or "",
                               quantity=str(line.quantity), unit_price=text.euros(price),
                               vat=" ".join(tags) or text.vat_label(line.vat_rate),
                               total=text.euros(line.total * sign),
                               unit_price_excl_vat="—" if margin else _unit_excl_vat(line, sign)))
    table = tuple((text.vat_label(rate), text.euros(v["base"] * sign), text.euros(v["vat"] * sign))
                  for rate, v in sorted(normal.items()))
    numbered = tuple(f"({n}) {note}" for n, note in enumerate(notes, start=1))
    return tuple(out), numbered, table, bool(lines) and len(notes) == 0


def _totals(lines: Sequence[SaleLine], total: Decimal, sign: int, all_normal: bool,
            vat_table: tuple[tuple[str, str, str], ...], last_label: str) -> tuple[tuple[str, str], ...]:
    normal_vat = sum((line.vat for line in lines if not _line_notes(line, {})), ZERO) * sign
    rows: list[tuple[str, str]] = []
    if all_normal:
        rows.append(("Total HT", text.euros(total - normal_vat)))
        rows.append(("Total TVA", text.euros(normal_vat)))
    elif vat_table:
        rows.append(("dont TVA (régime normal)", text.euros(normal_vat)))
    rows.append((last_label, text.euros(total)))
    return tuple(rows)


def _used_categories(who: Principal, lines: Sequence[SaleLine]) -> dict[str, str]:
    return _margin_categories(who.tenant_id, [line.ref for line in lines if line.goods_condition == "used"], lines)


def _legal_comment(settings: dict[str, Any]) -> str | None:
    return settings.get("invoice_legal_comment") or None


def invoice(who: Principal, transaction_ref: str) -> Pdf:
    sale = _sale(who, transaction_ref, SALE)
    if not sale.invoice_number:
        raise NotFoundError("Cette vente n'a pas de numéro de facture.")
    settings = _settings(who)
    lines, notes, vat_table, all_normal = _invoice_body(sale.lines, 1, _used_categories(who, sale.lines))
    view = Invoice(
        title="Facture", number=sale.invoice_number, date=text.day(sale.date),
        company=_letterhead(who, settings),
        client=_party_lines(who.tenant_id, "client", sale.client_id),
        references=(("Transaction", sale.transaction_ref), ("Ticket de caisse", sale.receipt_number or "")),
        lines=lines, totals=_totals(sale.lines, sale.total, 1, all_normal, vat_table, "Total TTC"),
        vat_table=vat_table, notes=notes, legal_comment=_legal_comment(settings),
        payment=f"Réglée le {text.day(sale.date)} — {text.payment_label(sale.payment_method)} : "
                f"{text.euros(sale.total)}",
        show_excl_vat=any(line.unit_price_excl_vat != "—" for line in lines),
    )
    view = replace(view, duplicate=_print_mark(who.tenant_id, "invoice", sale.transaction_ref, user=who.email,
                                               number=sale.invoice_number))
    from chalicelib.documents.invoice import InvoiceRenderer

    return Pdf(f"facture-{view.number}.pdf", InvoiceRenderer().render(view))


def credit_note(who: Principal, number: str) -> Pdf:
    note = _sale(who, number, CREDIT_NOTE)
    settings = _settings(who)
    lines, notes, vat_table, all_normal = _invoice_body(note.lines, -1, _used_categories(who, note.lines))
    refunded = None  # the ticket of the sale refunded (the refund ticket names it)
    if note.original_transaction_ref:
        try:
            refunded = sales_repo.get_sale(who.tenant_id, note.original_transaction_ref).receipt_number
        except NotFoundError:
            refunded = None
    references = [("Avoir sur la facture", note.invoice_number),
                  ("Transaction d'origine", note.original_transaction_ref),
                  ("Ticket remboursé", refunded), ("Ticket de remboursement", note.receipt_number),
                  ("Motif", note.reason)]
    view = Invoice(
        title="Avoir", number=str(note.credit_note_number), date=text.day(note.date),
        company=_letterhead(who, settings), client=_party_lines(who.tenant_id, "client", note.client_id),
        references=tuple((label, str(value)) for label, value in references if value),
        lines=lines, totals=_totals(note.lines, note.total, -1, all_normal, vat_table, "Total de l'avoir TTC"),
        vat_table=vat_table, notes=notes, legal_comment=_legal_comment(settings),
        show_excl_vat=any(line.unit_price_excl_vat != "—" for line in lines),
    )
    view = replace(view, duplicate=_print_mark(who.tenant_id, "credit_note", view.number, user=who.email))
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
        "Contrat d'achat de métaux précieux et d'objets auprès d'un particulier (art. L. 224-97 à L. 224-99 et "
        "R. 224-5 à R. 224-7 du code de la consommation), établi en deux exemplaires dont un est remis au vendeur "
        "au moment de sa conclusion. Le vendeur dispose d'un délai de rétractation de "
        f"{WITHDRAWAL_HOURS} heures à compter du jour et de l'heure de la signature ; pendant ce délai, l'acheteur "
        "ne revend ni ne transforme les biens.",
    ]


_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _signed_at(lot: dict[str, Any]) -> datetime | None:
    """The day and hour of signature: the lot's commit, in Paris time."""
    raw = lot.get("committed_at")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return moment.astimezone(text.PARIS) if moment.tzinfo else moment.replace(tzinfo=text.PARIS)


def _at_hour(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y à %H h %M")


def _weekday(moment: datetime) -> str:
    return _WEEKDAYS[moment.weekday()]


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
    shown = [Article.from_record(a) for a in lot["articles"]]  # the lot's articles as the caller may see them
    goods = tuple(ContractLine(ref=a.ref, description=a.description, family=families.get(a.family_id or "", ""),
                               weight=text.weight(a.weight_g),
                               fineness=text.number(a.fineness, 0) if a.fineness is not None else "",
                               price=text.euros(a.purchase_price))
                  for a in sorted(shown, key=lambda a: a.ref) if a.status != "replaced")
    if lot.get("tmp"):
        rate = Decimal(lot.get("tmp_rate") or get_settings().tmp_rate) * 100
        totals = (("Prix d'achat des biens", text.euros(lot["purchase_price"])),
                  (f"Taxe sur les métaux précieux (TMP {text.percent(rate)})", text.euros(lot.get("tmp_due"))),
                  ("Prix TMP incluse", text.euros(lot.get("price_incl_tmp"))))
    else:
        totals = (("Prix d'achat total", text.euros(lot["purchase_price"])),)
    place = ", ".join(text.address_lines(settings)) or "(adresse de l'établissement non renseignée)"
    signed_at = _signed_at(lot)
    signed = _at_hour(signed_at) if signed_at else f"{text.day(lot['purchase_date'])} (heure non enregistrée)"
    deadline = ""
    if signed_at:
        end = withdrawal_deadline(signed_at)
        deadline = f"{_weekday(end)} {_at_hour(end)}"
    purchase_day = text.day(lot["purchase_date"])
    view = Contract(
        company=_letterhead(who, settings), lot_ref=lot["ref"], place=place, date=purchase_day,
        seller=tuple(text.identity_lines(lot.get("supplier") or {})), lines=goods, totals=totals,
        payment=text.payment_label(lot.get("payment_method")) or "non renseigné", legal_mentions=tuple(mentions),
        agreement=agreement, withdrawal=withdrawal,
        warning="Lot rétracté / annulé : ce bordereau n'a plus d'effet." if lot["status"] == "retracted" else None,
        signed=signed,
        withdrawal_deadline=deadline,
        purchase_date="" if signed.startswith(purchase_day) else purchase_day,
        buyer_contact=tuple([str(settings.get("company_name") or ""), *text.address_lines(settings),
                             *text.contact_lines(settings)]),
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


_EVENT_LABELS = {"lot_committed": "enregistrement", "lot_corrected": "correction", "lot_retracted": "rétractation"}
_SELLER_LABELS = {"title": "civilité", "last_name": "nom", "birth_name": "nom de naissance", "first_names": "prénoms",
                  "company_name": "raison sociale", "birth_date": "date de naissance",
                  "birth_city": "lieu de naissance", "id_document_type": "pièce d'identité",
                  "id_document_number": "n° de pièce", "id_document_date": "date de la pièce",
                  "id_document_authority": "autorité de délivrance"}


def _change_row(change: Change) -> tuple[str, ...]:
    if change.subject == "vendeur":
        label = _SELLER_LABELS.get(change.field, change.field.replace("_", " "))
    else:
        label = text.FIELD_LABELS.get("family_id" if change.field == "family" else change.field, change.field)
    field = "" if change.field == "family" else change.field
    shown = ((lambda v: text.LOT_STATUS_LABELS.get(str(v), str(v)) if v not in (None, "") else "—")
             if change.subject == "lot" and change.field == "status" else (lambda v: _trace_value(field, v, {})))
    return (text.moment(change.at), change.by, change.subject, label,
            f"de « {shown(change.old)} » à « {shown(change.new)} »", change.reason)


def _police_sheet(ref: str, versions: list[Version]) -> PoliceSheet:
    """The sheet of a lot as its police-register versions hold it: the latest one, its seal,
    and the corrections between versions — nothing from the live lot."""
    first, latest = versions[0], versions[-1]
    content = latest.content
    lot = content.get("lot") or {}
    purchase = lot.get("kind") == "purchase"
    tmp = f"oui — TMP incluse {text.euros(lot.get('price_incl_tmp'))}" if lot.get("price_incl_tmp") else "non"
    header = (
        ("Référence", str(lot.get("ref") or ref)), ("Nature", text.KIND_LABELS.get(lot.get("kind"), lot.get("kind"))),
        ("Date d'achat", text.day(lot.get("purchase_date"))),
        ("Enregistré le", f"{text.moment(first.content.get('at'))} par {first.content.get('by') or '—'}"),
        ("Prix d'achat", text.euros(lot.get("purchase_price")) if purchase else "sans (confié)"), ("TMP", tmp),
        ("Mode de paiement", text.payment_label(lot.get("payment_method")) or "—"),
        ("État", text.CONDITION_LABELS.get(lot.get("condition") or "", "—")),
        ("Statut", text.LOT_STATUS_LABELS.get(lot.get("status") or "", lot.get("status") or "")),
        ("Version du registre", str(latest.number)),
    )
    rows = tuple((str(a.get("ref") or ""), str(a.get("description") or ""), str(a.get("family") or ""),
                  text.weight(a.get("weight_g")), text.fineness(a.get("fineness")), str(a.get("serial") or ""),
                  text.euros(a.get("purchase_price")) if purchase
                  else f"réserve {text.euros(a.get('reserve_price'))}".strip(),
                  text.status_label(a.get("status")))
                 for a in sorted(content.get("articles") or [], key=lambda a: str(a.get("ref"))))
    event = _EVENT_LABELS.get(str(content.get("event")), str(content.get("event") or ""))
    if latest.sealed:
        seal_lines = (f"Reproduction de la version scellée n° {latest.number} du livre de police ({event})",
                      f"Chaîne : {latest.chain} — rang : {latest.rank} — scellée le {text.moment(latest.sealed_at)}",
                      f"SHA-256 : {latest.sha256}",
                      "Le contenu scellé se relit dans Conformité › Livre de police ; le vérificateur autonome "
                      "recalcule cette empreinte.")
    else:
        seal_lines = (f"Version n° {latest.number} du livre de police ({event}) — en cours de scellement",
                      f"Chaîne : {latest.chain} — rang : en attente — SHA-256 : en cours de scellement",
                      "Cette fiche reproduit l'écriture du journal, pas encore scellée : réimprimez-la dans quelques "
                      "instants pour y lire son rang et son empreinte.")
    history = tuple((str(v.number), _EVENT_LABELS.get(str(v.content.get("event")), str(v.content.get("event") or "")),
                     text.moment(v.content.get("at")), str(v.content.get("by") or ""),
                     str(v.content.get("reason") or ""), str(v.rank) if v.sealed else "en attente",
                     f"{v.sha256[:16]}…" if v.sha256 else "en cours de scellement")
                    for v in versions)
    return PoliceSheet(lot_ref=str(lot.get("ref") or ref), header=header,
                       seller=tuple(text.identity_lines(content.get("seller") or {})), articles=rows,
                       traces=tuple(_change_row(c) for c in changes(versions)), seal=seal_lines,
                       sealed=latest.sealed, versions=history)


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
    """Rendered from the lot's sealed police-register versions (DOMAIN.md "Legal records")."""
    who.require("read_register")  # the back office, and an inspector's session
    ref = ref.strip().upper()
    try:
        live_version: int | None = lots_repo.get_lot(who.tenant_id, ref).register_version
    except NotFoundError:  # gone from the database (a closure, or behind the application's back):
        live_version = None  # the register still holds it, and prints it
    versions = sealed_register.lot_versions(who.tenant_id, ref, live_version)
    if not versions:
        if live_version is None:
            raise NotFoundError()  # no such lot of this tenant, in the database or the register
        raise NothingToPrintError("Ce lot n'a encore aucune version au livre de police.")
    sheet = _police_sheet(ref, versions)
    return _police_pdf(who, [sheet], f"Livre de police — lot {ref}", f"livre-police-{ref}.pdf")


def police_sheets(who: Principal, filters: dict[str, str]) -> Pdf:
    who.require("read_register")  # the back office, and an inspector's session
    found = sorted(lots.list_lots(who, filters), key=lambda lot: (lot["purchase_date"], lot["ref"]))
    if len(found) > MAX_LOTS_PER_BOOK:
        raise TooManyToPrintError(f"{len(found)} lots : {MAX_LOTS_PER_BOOK} au plus par impression, "
                                  "précisez les filtres (dates d'achat).")
    deadline = sealed_register.wait_until()  # one short wait for the sealer, for the whole book
    sheets = []
    for lot in found:  # a lot with no version in the register (not committed) has no sheet
        versions = sealed_register.lot_versions(who.tenant_id, lot["ref"], lot.get("register_version"), deadline)
        if versions:
            sheets.append(_police_sheet(lot["ref"], versions))
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
    rows = tuple((a.ref, a.description, text.status_label(a.status), families.get(a.family_id or "", ""),
                  text.weight(a.weight_g), text.fineness(a.fineness), text.euros(a.purchase_price),
                  text.euros(a.label_price), text.euros(a.sale_price), text.day(a.purchase_date),
                  text.day(a.sale_date)) for a in found)

    def total(amounts: Iterable[Decimal | None]) -> str:
        return text.euros(sum((amount for amount in amounts if amount is not None), ZERO))

    footer = (f"{len(found)} article(s)", "", "", "", "", "", total(a.purchase_price for a in found),
              total(a.label_price for a in found), total(a.sale_price for a in found), "", "")
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
    result = actions.execute(who, "deposit_list", refs, {})  # the articles as the caller may see them
    found = sorted((Article.from_record(a) for a in result["articles"]), key=lambda a: a.ref)
    _check_rows(len(found))
    by_client: dict[str, list[Article]] = defaultdict(list)
    for article in found:
        by_client[article.client_id or ""].append(article)
    columns = (Column("Réf.", 12), Column("Désignation", 46), Column("Date de dépôt", 12, "CENTER"),
               Column("Prix de dépôt", 12, "RIGHT"))
    sections = []
    party: tuple[str, ...] = ()
    for client_id, items in sorted(by_client.items()):
        lines = _party_lines(who.tenant_id, "client", client_id)
        if len(by_client) == 1:
            party = ("Dépositaire :", *lines)
        rows = tuple((a.ref, a.description, text.day(a.deposit_date), text.euros(a.deposit_price)) for a in items)
        amount = sum((a.deposit_price for a in items if a.deposit_price is not None), ZERO)
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



# ---------------------------------------------------------------- cash-register closing

CLOSING_KIND_LABELS = {"daily": "Clôture journalière", "monthly": "Clôture mensuelle", "yearly": "Clôture annuelle"}
_CLOSING_METHODS = {"refund": "Remboursement (retour client)", "unknown": "Non précisé"}


def _period_label(period: str) -> str:
    if len(period) == 10:
        return text.day(period)
    if len(period) == 7:
        return f"{period[5:]}/{period[:4]}"
    return f"exercice {period}" if period else "—"


def closing_pdf(who: Principal, number: str) -> Pdf:
    """A sealed closing, printed from the vault's bytes (what an inspector checks it against)."""
    from chalicelib.domain import seal
    from chalicelib.services import compliance

    stored = compliance.closing_content(who, number)  # the register's readers only; 404 elsewhere
    content = seal.parse(stored.body).get("content") or {}
    entry = stored.entry
    facts = [("Période", _period_label(str(content.get("period") or ""))),
             ("Caisse", str(content.get("register") or "")),
             ("Nombre de tickets", str(content.get("tickets") or 0)),
             ("Premier ticket", str(content.get("first_ticket") or "—")),
             ("Dernier ticket", str(content.get("last_ticket") or "—"))]
    if content.get("late_tickets"):
        facts.append(("Tickets datés d'une période déjà clôturée", ", ".join(content["late_tickets"])))
    facts += [("Total de la période (TTC)", text.euros(content.get("period_total") or "0")),
              (f"Grand total de l'exercice {content.get('fiscal_period') or ''}".strip(),
               text.euros(content.get("period_grand_total") or "0")),
              ("Grand total perpétuel", text.euros(content.get("perpetual_total") or "0"))]
    by_rate = tuple((text.vat_label(rate) if rate != "unallocated" else "Non ventilé",
                     text.euros(v.get("total_excl_vat") or "0"), text.euros(v.get("vat") or "0"),
                     text.euros(v.get("total") or "0"))
                    for rate, v in sorted((content.get("by_vat_rate") or {}).items()))
    by_method = tuple((_CLOSING_METHODS.get(method) or text.payment_label(method), text.euros(amount))
                      for method, amount in sorted((content.get("by_payment_method") or {}).items()))
    seal_rows = (("Chaîne", entry.chain), ("Rang", str(entry.rank)), ("Scellée le", text.moment(entry.sealed_at)),
                 ("SHA-256", entry.sha256), ("Conservée jusqu'au", text.day(entry.retain_until[:10])))
    kind = CLOSING_KIND_LABELS.get(str(content.get("kind") or ""), "Clôture de caisse")
    sheet = ClosingSheet(company=_letterhead(who, _settings(who)), title=f"{kind} n° {entry.number}",
                         facts=tuple(facts), by_rate=by_rate, by_method=by_method, seal=seal_rows,
                         printed_at=_now())
    from chalicelib.documents.closing import ClosingRenderer

    return Pdf(f"cloture-{entry.number}.pdf", ClosingRenderer().render(sheet))
