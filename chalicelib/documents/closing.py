"""A cash-register closing (clôture de caisse), A4: read back from the vault, printed with
its breakdowns per VAT rate and per payment method and the seal it can be checked against.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from chalicelib.documents.base import (
    company_flowables,
    document,
    escape,
    grid_style,
    key_value_table,
    numbered_canvas,
    style_sheet,
)
from chalicelib.documents.views import ClosingSheet


class ClosingRenderer:
    PAGE = A4
    MARGIN = 18 * mm
    BOTTOM_MARGIN = 18 * mm
    FACT_COLUMNS = (0.55, 0.45)
    RATE_COLUMNS = (0.4, 0.2, 0.2, 0.2)
    METHOD_COLUMNS = (0.6, 0.4)

    def render(self, sheet: ClosingSheet) -> bytes:
        st = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, sheet.title, sheet.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story: list[Any] = [*company_flowables(sheet.company, st), Spacer(1, 4 * mm),
                            Paragraph(escape(sheet.title), st["Title"]), Spacer(1, 2 * mm),
                            key_value_table(sheet.facts, st, tuple(c * width for c in self.FACT_COLUMNS)),
                            Spacer(1, 5 * mm), Paragraph("Ventilation par taux de TVA", st["Heading"])]
        story.append(self._grid(("Taux de TVA", "Total HT", "TVA", "Total TTC"), sheet.by_rate, self.RATE_COLUMNS,
                                width, st))
        story += [Spacer(1, 4 * mm), Paragraph("Ventilation par moyen de paiement", st["Heading"]),
                  self._grid(("Moyen de paiement", "Montant"), sheet.by_method, self.METHOD_COLUMNS, width, st),
                  Spacer(1, 5 * mm), Paragraph("Scellement", st["Heading"]),
                  key_value_table(sheet.seal, st, (0.25 * width, 0.75 * width))]
        doc.build(story, canvasmaker=numbered_canvas(f"{sheet.title} — {sheet.company.name} — imprimé le "
                                                     f"{sheet.printed_at}"))
        return buffer.getvalue()

    @staticmethod
    def _grid(head: tuple[str, ...], rows: tuple[tuple[str, ...], ...], columns: tuple[float, ...], width: float,
              st: Any) -> Table:
        data = [[Paragraph(escape(h), st["CellHead"]) for h in head]]
        data += [[Paragraph(escape(v), st["Cell" if n == 0 else "CellRight"]) for n, v in enumerate(row)]
                 for row in rows] or [[Paragraph("Aucune opération.", st["Cell"])] + [""] * (len(head) - 1)]
        table = Table(data, colWidths=[c * width for c in columns], repeatRows=1)
        table.setStyle(grid_style())
        return table
