"""What each document shows: plain frozen dataclasses of display-ready strings.

The service (chalicelib/services/documents.py) builds them from stored records
and decides what a profile may see; a renderer only lays them out. No ReportLab
here, so building a view costs nothing at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CompanyBlock:
    name: str
    address: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()
    legal: tuple[str, ...] = ()  # SIRET, RCS/RM, VAT number…
    logo: bytes | None = None  # PNG/JPEG bytes once the company has a logo


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    ref: str  # printed and encoded as Code 128
    description: str | None = None  # None: not shown (company option)
    price: str | None = None  # "1 250,00 €"
    price_code: str | None = None  # the purchase price in the company's cipher; never for the shop


# ---------------------------------------------------------------- receipt


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    ref: str
    quantity: str
    unit_price: str
    total_excl_vat: str  # "" for a margin-scheme line (art. 297 E CGI)
    vat_rate: str  # the rate, or "marge" for a margin-scheme line


@dataclass(frozen=True)
class Receipt:
    company: CompanyBlock
    title: str
    ticket_number: str
    register: str
    at: str
    lines: tuple[ReceiptLine, ...]
    vat: tuple[tuple[str, str, str], ...]  # rate, base excl. VAT, VAT
    total: str
    payment: tuple[tuple[str, str], ...]  # label, amount
    running_totals: tuple[tuple[str, str], ...]  # label, amount
    references: tuple[tuple[str, str], ...] = ()  # transaction, invoice, credit notes…
    legal_mention: str | None = None
    show_excl_vat: bool = True  # False when every line is under the margin scheme: no "HT" at all
    vat_mentions: tuple[str, ...] = ()  # margin-scheme and exemption mentions of the lines
    duplicate: str | None = None  # "DUPLICATA n° 2" from the second print on
    training_mark: str | None = None  # "FICTIF — MODE FORMATION": a training-mode receipt (header and every page)


# ---------------------------------------------------------------- invoice, credit note


@dataclass(frozen=True)
class InvoiceLine:
    ref: str
    label: str
    quantity: str
    unit_price: str  # incl. VAT
    vat: str  # the rate, or the regime with its note number: "marge (1)"
    total: str  # incl. VAT
    unit_price_excl_vat: str = "—"  # new goods only; never for a margin-scheme line


@dataclass(frozen=True)
class Invoice:
    title: str  # "Facture" | "Avoir"
    number: str
    date: str
    company: CompanyBlock
    client: tuple[str, ...]
    references: tuple[tuple[str, str], ...]  # label, value: transaction, original invoice, reason…
    lines: tuple[InvoiceLine, ...]
    totals: tuple[tuple[str, str], ...]  # label, amount; the last one is the total to pay
    vat_table: tuple[tuple[str, str, str], ...] = ()  # rate, base excl. VAT, VAT (normal regime only)
    notes: tuple[str, ...] = ()  # "(1) TVA sur marge non récupérable…"
    legal_comment: str | None = None
    payment: str | None = None
    show_excl_vat: bool = False  # a "P.U. HT" column when some line is new goods
    duplicate: str | None = None  # "DUPLICATA n° 2" from the second print on


# ---------------------------------------------------------------- purchase contract


@dataclass(frozen=True)
class ContractLine:
    ref: str
    description: str
    family: str
    weight: str
    fineness: str
    price: str


@dataclass(frozen=True)
class Contract:
    company: CompanyBlock
    lot_ref: str
    place: str
    date: str
    seller: tuple[str, ...]
    lines: tuple[ContractLine, ...]
    totals: tuple[tuple[str, str], ...]
    payment: str
    legal_mentions: tuple[str, ...] = ()  # paragraphs, default and/or the company's own
    agreement: bool = False
    withdrawal: bool = False
    warning: str | None = None  # e.g. a retracted lot
    signed: str = ""  # day, month, year and hour of signature: "07/12/2026 à 09 h 05"
    withdrawal_deadline: str = ""  # end of the 48 h period (R224-7): "mercredi 09/12/2026 à 09 h 05"
    purchase_date: str = ""  # the register's purchase date, shown when it is not the signature's day
    buyer_contact: tuple[str, ...] = ()  # where the withdrawal form goes: address, phone, e-mail


# ---------------------------------------------------------------- police register


@dataclass(frozen=True)
class PoliceSheet:
    lot_ref: str
    header: tuple[tuple[str, str], ...]
    seller: tuple[str, ...]
    articles: tuple[tuple[str, ...], ...]  # ref, description, family, weight, fineness, serial, price, status
    traces: tuple[tuple[str, ...], ...]  # at, user, subject, field, old → new, reason
    comment: str | None = None
    # The sealed version printed: lines tying the paper to the seal (chain, rank, SHA-256),
    # and every version of the lot (version, event, at, by, reason, rank, SHA-256).
    seal: tuple[str, ...] = ()
    sealed: bool = True
    versions: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class PoliceBook:
    company: CompanyBlock
    title: str
    printed_at: str
    sheets: tuple[PoliceSheet, ...]
    filters: tuple[str, ...] = ()


# ---------------------------------------------------------------- lists, summary, deposit list


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # relative share of the table's width
    align: str = "LEFT"  # LEFT | RIGHT | CENTER


@dataclass(frozen=True)
class TableSection:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    footer: tuple[str, ...] | None = None  # a totals row, aligned with the columns


@dataclass(frozen=True)
class Listing:
    title: str
    company: CompanyBlock
    printed_at: str
    sections: tuple[TableSection, ...]
    subtitle: tuple[str, ...] = ()  # the filters, counts
    party: tuple[str, ...] = ()  # the depositary of a deposit list
    signatures: tuple[str, ...] = ()
    closing: tuple[str, ...] = field(default=())  # paragraphs after the tables


# ---------------------------------------------------------------- cash-register closing


@dataclass(frozen=True)
class ClosingSheet:
    """A sealed closing as printed: its totals, its breakdowns, and the seal that ties the
    paper to the vault (chain, rank, SHA-256)."""

    company: CompanyBlock
    title: str  # "Clôture journalière n° 01-D-2026-11-30"
    facts: tuple[tuple[str, str], ...]  # (label, value): period, tickets, totals
    by_rate: tuple[tuple[str, str, str, str], ...]  # rate, excl. VAT, VAT, incl. VAT
    by_method: tuple[tuple[str, str], ...]  # method, amount
    seal: tuple[tuple[str, str], ...]  # chain, rank, sealed at, SHA-256
    printed_at: str
