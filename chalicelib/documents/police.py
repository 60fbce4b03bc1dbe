"""Police-register sheets (fiches de livre de police), A4: one lot per sheet, or the
filtered lots as a book, each lot starting a new page so a corrected lot's sheet
can be reprinted and swapped in the binder.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from chalicelib.documents.base import (
    RULE,
    company_flowables,
    document,
    escape,
    grid_style,
    lines_markup,
    numbered_canvas,
    style_sheet,
)
from chalicelib.documents.views import PoliceBook, PoliceSheet


class PoliceSheetRenderer:
    PAGE = A4
    MARGIN = 15 * mm
    BOTTOM_MARGIN = 18 * mm
    HEADER_COLUMNS = (0.22, 0.28, 0.22, 0.28)
    # ref, description, family, weight, fineness, serial, price, status
    ARTICLE_COLUMNS = (0.12, 0.29, 0.12, 0.08, 0.07, 0.1, 0.11, 0.11)
    # at, user, subject, field, change, reason
    TRACE_COLUMNS = (0.13, 0.17, 0.12, 0.12, 0.23, 0.23)
    # version, event, at, by, reason, rank, SHA-256 (start)
    VERSION_COLUMNS = (0.05, 0.15, 0.14, 0.19, 0.21, 0.07, 0.19)

    def render(self, book: PoliceBook) -> bytes:
        styles = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, book.title, book.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story: list[Any] = []
        for n, sheet in enumerate(book.sheets):
            if n:
                story.append(PageBreak())
            story += self._sheet(book, sheet, styles, width)
        doc.build(story, canvasmaker=numbered_canvas(f"{book.title} — {book.company.name} — imprimé le "
                                                     f"{book.printed_at}"))
        return buffer.getvalue()

    def _sheet(self, book: PoliceBook, sheet: PoliceSheet, st: Any, width: float) -> list[Any]:
        out: list[Any] = [*company_flowables(book.company, st), Spacer(1, 3 * mm),
                          Paragraph(escape(f"Livre de police — lot {sheet.lot_ref}"), st["Title"])]
        if book.filters:
            out.append(Paragraph(escape(" · ".join(book.filters)), st["Tiny"]))
        if sheet.seal:
            out.append(self._seal(sheet, st, width))
        out.append(self._header(sheet, st, width))
        out += [Paragraph("Vendeur (identité au jour de l'achat)", st["Heading"]),
                Paragraph(lines_markup(sheet.seller), st["Body"])]
        out += [Paragraph(f"Objets ({len(sheet.articles)})", st["Heading"]), self._articles(sheet, st, width)]
        if sheet.comment:
            out += [Spacer(1, 2 * mm), Paragraph(escape(f"Commentaire : {sheet.comment}"), st["Small"])]
        out.append(Paragraph("Corrections et rétractations (traces)", st["Heading"]))
        if sheet.traces:
            out.append(self._traces(sheet, st, width))
        else:
            out.append(Paragraph("Aucune correction.", st["Small"]))
        if sheet.versions:
            out += [Paragraph("Versions au livre de police (scellées)", st["Heading"]),
                    self._versions(sheet, st, width)]
        return out

    def _seal(self, sheet: PoliceSheet, st: Any, width: float) -> Table:
        """The box tying this paper to the sealed record it reproduces."""
        rows = [[Paragraph(escape(line), st["CellHead" if n == 0 else "Cell"])] for n, line in enumerate(sheet.seal)]
        table = Table(rows, colWidths=[width])
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8 if sheet.sealed else 1.5, RULE),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 4), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        return table

    def _versions(self, sheet: PoliceSheet, st: Any, width: float) -> Table:
        titles = ("N°", "Événement", "Date", "Par", "Motif", "Rang", "SHA-256 (début)")
        rows = [[Paragraph(t, st["CellHead"]) for t in titles]]
        rows += [[Paragraph(escape(value), st["Cell"]) for value in row] for row in sheet.versions]
        table = Table(rows, colWidths=[share * width for share in self.VERSION_COLUMNS], repeatRows=1)
        table.setStyle(grid_style())
        return table

    def _header(self, sheet: PoliceSheet, st: Any, width: float) -> Table:
        cells = [Paragraph(escape(text), st["CellHead" if n % 2 == 0 else "Cell"])
                 for label, value in sheet.header for n, text in enumerate((label, value))]
        rows = [cells[i:i + 4] for i in range(0, len(cells), 4)]
        if rows and len(rows[-1]) < 4:
            rows[-1] += [""] * (4 - len(rows[-1]))
        table = Table(rows, colWidths=[share * width for share in self.HEADER_COLUMNS])
        table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 1.5)]))
        return table

    def _articles(self, sheet: PoliceSheet, st: Any, width: float) -> Table:
        titles = ("Réf.", "Désignation", "Famille", "Poids", "Titre", "N° série", "Prix", "Statut")
        right = {3, 4, 6}
        rows = [[Paragraph(t, st["CellHeadRight" if n in right else "CellHead"]) for n, t in enumerate(titles)]]
        rows += [[Paragraph(escape(value), st["CellRight" if n in right else "Cell"]) for n, value in enumerate(row)]
                 for row in sheet.articles]
        table = Table(rows, colWidths=[share * width for share in self.ARTICLE_COLUMNS], repeatRows=1)
        table.setStyle(grid_style())
        return table

    def _traces(self, sheet: PoliceSheet, st: Any, width: float) -> Table:
        titles = ("Date", "Par", "Sur", "Champ", "Modification", "Motif")
        rows = [[Paragraph(t, st["CellHead"]) for t in titles]]
        rows += [[Paragraph(escape(value), st["Cell"]) for value in row] for row in sheet.traces]
        table = Table(rows, colWidths=[share * width for share in self.TRACE_COLUMNS], repeatRows=1)
        table.setStyle(grid_style())
        return table
