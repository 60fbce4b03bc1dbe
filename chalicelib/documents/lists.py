"""Printable lists, A4: articles, lots, the Σ summary, and the deposit list a
depositary signs. One layout (company, title, filters, tables, signatures);
each document is a subclass that sets its page.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Paragraph, Spacer, Table, TableStyle

from chalicelib.documents.base import (
    FONT,
    FONT_BOLD,
    RULE,
    company_flowables,
    document,
    escape,
    fit,
    grid_style,
    lines_markup,
    numbered_canvas,
    style_sheet,
)
from chalicelib.documents.views import Listing, TableSection

_HEAD = {"LEFT": "CellHead", "RIGHT": "CellHeadRight", "CENTER": "CellHeadCenter"}


class ListingRenderer:
    PAGE = A4
    MARGIN = 12 * mm
    BOTTOM_MARGIN = 16 * mm
    SIGNATURE_HEIGHT = 22 * mm
    CELL_SIZE = 8
    CELL_PADDING = 2.5

    def render(self, listing: Listing) -> bytes:
        styles = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, listing.title, listing.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story: list[Any] = [*company_flowables(listing.company, styles), Spacer(1, 4 * mm),
                            Paragraph(escape(listing.title), styles["Title"]),
                            Paragraph(escape(f"Imprimé le {listing.printed_at}"), styles["Tiny"])]
        for line in listing.subtitle:
            story.append(Paragraph(escape(line), styles["Small"]))
        if listing.party:
            story += [Spacer(1, 3 * mm), Paragraph(lines_markup(listing.party), styles["Body"])]
        for section in listing.sections:
            story += self._section(section, styles, width)
        for paragraph in listing.closing:
            story += [Spacer(1, 3 * mm), Paragraph(escape(paragraph), styles["Small"])]
        if listing.signatures:
            story.append(self._signatures(listing.signatures, styles, width))
        doc.build(story, canvasmaker=numbered_canvas(f"{listing.title} — {listing.company.name}"))
        return buffer.getvalue()

    def _section(self, section: TableSection, st: Any, width: float) -> list[Any]:
        out: list[Any] = []
        if section.title:
            out.append(Paragraph(escape(section.title), st["Heading"]))
        else:
            out.append(Spacer(1, 4 * mm))
        share = sum(column.width for column in section.columns)
        widths = [column.width / share * width for column in section.columns]
        rows: list[list[Any]] = [[Paragraph(escape(column.title), st[_HEAD[column.align]])
                                   for column in section.columns]]
        # Body cells are plain strings cut to their column (one line each): thousands of rows
        # stay fast, where a Paragraph per cell costs milliseconds.
        room = [w - 2 * self.CELL_PADDING for w in widths]
        rows += [[fit(value, FONT, self.CELL_SIZE, space) for value, space in zip(row, room, strict=True)]
                 for row in section.rows]
        if not section.rows:
            rows.append(["Aucun élément."] + [""] * (len(section.columns) - 1))
        if section.footer:
            rows.append([fit(value, FONT_BOLD, self.CELL_SIZE, space)
                         for value, space in zip(section.footer, room, strict=True)])
        table = LongTable(rows, colWidths=widths, repeatRows=1)
        style = grid_style(footer=bool(section.footer))
        style.add("FONT", (0, 1), (-1, -1), FONT, self.CELL_SIZE)
        style.add("LEFTPADDING", (0, 0), (-1, -1), self.CELL_PADDING)
        style.add("RIGHTPADDING", (0, 0), (-1, -1), self.CELL_PADDING)
        if section.footer:
            style.add("FONT", (0, -1), (-1, -1), FONT_BOLD, self.CELL_SIZE)
        for n, column in enumerate(section.columns):
            style.add("ALIGN", (n, 1), (n, -1), column.align)
        table.setStyle(style)
        out.append(table)
        return out

    def _signatures(self, names: tuple[str, ...], st: Any, width: float) -> KeepTogether:
        column = width / len(names) - 3 * mm
        table = Table([[Paragraph(escape(name), st["Small"]) for name in names], [""] * len(names)],
                      colWidths=[column] * len(names), rowHeights=[None, self.SIGNATURE_HEIGHT])
        table.setStyle(TableStyle([("BOX", (n, 1), (n, 1), 0.5, RULE) for n in range(len(names))]
                                  + [("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return KeepTogether([Spacer(1, 8 * mm), table])


class ArticleListRenderer(ListingRenderer):
    PAGE = landscape(A4)


class LotListRenderer(ListingRenderer):
    PAGE = landscape(A4)


class SummaryRenderer(ListingRenderer):
    PAGE = A4


class DepositListRenderer(ListingRenderer):
    PAGE = A4
