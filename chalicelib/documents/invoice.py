"""Invoice and credit note (avoir), A4.

The company at the head, the client opposite, the number and date, the lines,
the totals, VAT per rate for goods under the normal regime, and the notes each
VAT case needs (margin scheme, exemptions: chalicelib/domain/vat.py), then the
company's own legal comment.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from chalicelib.documents.base import (
    INK,
    company_flowables,
    document,
    escape,
    grid_style,
    key_value_table,
    lines_markup,
    numbered_canvas,
    style_sheet,
)
from chalicelib.documents.views import Invoice


class InvoiceRenderer:
    PAGE = A4
    MARGIN = 15 * mm
    BOTTOM_MARGIN = 18 * mm  # room for the page number
    HEAD_COLUMNS = (0.52, 0.03, 0.45)  # company, gutter, title and client
    CLIENT_BOX_PADDING = 3 * mm
    # ref, description, quantity, unit price, VAT, total
    LINE_COLUMNS = (0.13, 0.42, 0.06, 0.13, 0.13, 0.13)
    # ref, description, quantity, unit price excl. VAT, unit price, VAT, total
    LINE_COLUMNS_EXCL = (0.12, 0.34, 0.06, 0.12, 0.12, 0.12, 0.12)
    TOTALS_WIDTH = 75 * mm
    VAT_COLUMNS = (0.4, 0.3, 0.3)
    VAT_WIDTH = 90 * mm
    FOOTER = "{title} {number}"

    def render(self, invoice: Invoice) -> bytes:
        styles = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, f"{invoice.title} {invoice.number}",
                       invoice.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story = [*self._head(invoice, styles, width), Spacer(1, 6 * mm), self._lines(invoice, styles, width),
                 Spacer(1, 3 * mm), *self._totals(invoice, styles, width), *self._closing(invoice, styles)]
        footer = self.FOOTER.format(title=invoice.title, number=invoice.number) + " — " + invoice.company.name
        doc.build(story, canvasmaker=numbered_canvas(footer))
        return buffer.getvalue()

    def _head(self, invoice: Invoice, st: Any, width: float) -> list[Any]:
        title = [Paragraph(escape(invoice.title.upper()), st["Title"])]
        if invoice.duplicate:
            title.append(Paragraph(f"<b>{escape(invoice.duplicate)}</b>", st["Heading"]))
        title += [Paragraph(escape(f"N° {invoice.number}"), st["Heading"]),
                 Paragraph(escape(f"Date : {invoice.date}"), st["Body"])]
        for label, value in invoice.references:
            title.append(Paragraph(f"{escape(label)} : {escape(value)}", st["Small"]))
        client: list[Any] = []
        if invoice.client:
            box = Table([[Paragraph(lines_markup(invoice.client), st["Body"])]],
                        colWidths=[self.HEAD_COLUMNS[2] * width])
            box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, INK),
                                     ("LEFTPADDING", (0, 0), (-1, -1), self.CLIENT_BOX_PADDING),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), self.CLIENT_BOX_PADDING),
                                     ("TOPPADDING", (0, 0), (-1, -1), self.CLIENT_BOX_PADDING),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), self.CLIENT_BOX_PADDING)]))
            client = [Spacer(1, 4 * mm), Paragraph("Client", st["Small"]), box]
        head = Table([[company_flowables(invoice.company, st), "", [*title, *client]]],
                     colWidths=[share * width for share in self.HEAD_COLUMNS])
        head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return [head]

    def _lines(self, invoice: Invoice, st: Any, width: float) -> Table:
        excl = invoice.show_excl_vat  # new goods: their unit price excl. VAT too (never a margin line's)
        head = [Paragraph(text, st[style]) for text, style in (
            ("Réf.", "CellHead"), ("Désignation", "CellHead"), ("Qté", "CellHeadCenter"),
            *((("P.U. HT", "CellHeadRight"),) if excl else ()),
            ("P.U. TTC", "CellHeadRight"), ("TVA", "CellHeadRight"), ("Total TTC", "CellHeadRight"))]
        rows = [head]
        for line in invoice.lines:
            rows.append([Paragraph(escape(line.ref), st["Cell"]), Paragraph(escape(line.label), st["Cell"]),
                         Paragraph(escape(line.quantity), st["CellCenter"]),
                         *((Paragraph(escape(line.unit_price_excl_vat), st["CellRight"]),) if excl else ()),
                         Paragraph(escape(line.unit_price), st["CellRight"]),
                         Paragraph(escape(line.vat), st["CellRight"]), Paragraph(escape(line.total), st["CellRight"])])
        shares = self.LINE_COLUMNS_EXCL if excl else self.LINE_COLUMNS
        table = Table(rows, colWidths=[share * width for share in shares], repeatRows=1)
        table.setStyle(grid_style())
        return table

    def _totals(self, invoice: Invoice, st: Any, width: float) -> list[Any]:
        totals = key_value_table(invoice.totals, st, (self.TOTALS_WIDTH * 0.55, self.TOTALS_WIDTH * 0.45),
                                 bold_last=True)
        out: list[Any] = [Table([["", totals]], colWidths=[width - self.TOTALS_WIDTH, self.TOTALS_WIDTH],
                                style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])]
        if invoice.vat_table:
            rows = [[Paragraph("Taux de TVA", st["CellHead"]), Paragraph("Base HT", st["CellHeadRight"]),
                     Paragraph("TVA", st["CellHeadRight"])]]
            rows += [[Paragraph(escape(rate), st["Cell"]), Paragraph(escape(base), st["CellRight"]),
                      Paragraph(escape(vat), st["CellRight"])] for rate, base, vat in invoice.vat_table]
            table = Table(rows, colWidths=[share * self.VAT_WIDTH for share in self.VAT_COLUMNS], hAlign="LEFT")
            table.setStyle(grid_style())
            out += [Spacer(1, 4 * mm), Paragraph("Détail de la TVA (régime normal)", st["Small"]),
                    Spacer(1, 1 * mm), table]
        return out

    def _closing(self, invoice: Invoice, st: Any) -> list[Any]:
        out: list[Any] = []
        if invoice.payment:
            out += [Spacer(1, 5 * mm), Paragraph(escape(invoice.payment), st["Body"])]
        if invoice.notes:
            out += [Spacer(1, 4 * mm), KeepTogether([Paragraph(escape(note), st["Small"]) for note in invoice.notes])]
        if invoice.legal_comment:
            out += [Spacer(1, 4 * mm), Paragraph(escape(invoice.legal_comment), st["Legal"])]
        return out


class CreditNoteRenderer(InvoiceRenderer):
    """An avoir: the invoice's layout, its own number, the original invoice in its references."""

    FOOTER = "{title} {number}"
