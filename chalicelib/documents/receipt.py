"""The receipt (ticket de caisse) on a 68 mm roll, as long as its content.

It prints the sealed receipt as stored (chalicelib/domain/sales.py ``receipt``):
ticket number with its Code 128, date and time, each line, VAT per rate, the
total, the payment and the register's running totals, then the company's mention.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from chalicelib.documents.barcode import QUIET_ZONE_MODULES, draw_code128, modules
from chalicelib.documents.base import FONT, FONT_BOLD, INK, document, escape, lines_markup, style_sheet
from chalicelib.documents.views import Receipt


class Code128Flowable(Flowable):
    """A centred Code 128 whose modules are at most ``max_module`` wide."""

    def __init__(self, value: str, height: float, max_module: float) -> None:
        super().__init__()
        self.value = value
        self.bar_height = height
        self.max_module = max_module

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.bar_height
        return self.width, self.height

    def draw(self) -> None:
        count = len(modules(self.value))
        module = min(self.max_module, self.width / (count + 2 * QUIET_ZONE_MODULES))
        width = module * count
        draw_code128(self.canv, self.value, (self.width - width) / 2, 0, width, self.bar_height)


class ReceiptRenderer:
    WIDTH = 68 * mm
    MARGIN_X = 3 * mm  # sides and top
    MARGIN_Y = 4 * mm  # bottom
    SLACK = 6 * mm  # a little paper after the last line, and room for rounding

    LOGO_HEIGHT = 14 * mm
    BARCODE_HEIGHT = 10 * mm
    BARCODE_MAX_MODULE = 0.3 * mm
    # line table: quantity, unit price incl. VAT, total excl. VAT (or incl. VAT), VAT rate
    LINE_COLUMNS = (0.12, 0.30, 0.30, 0.28)
    VAT_COLUMNS = (0.34, 0.33, 0.33)
    TOTALS_COLUMNS = (0.58, 0.42)

    def render(self, receipt: Receipt) -> bytes:
        styles = self._styles()
        width = self.WIDTH - 2 * self.MARGIN_X
        story = self._story(receipt, styles, width)
        height = self._height(story, width) + self.MARGIN_X + self.MARGIN_Y + self.SLACK
        story = self._story(receipt, styles, width)  # flowables are laid out again by the build
        buffer = io.BytesIO()
        doc = document(buffer, (self.WIDTH, height), self.MARGIN_X, self.MARGIN_Y, f"Ticket {receipt.ticket_number}",
                       receipt.company.name)
        if receipt.training_mark:  # a training-mode receipt: marked across every page too
            for template in doc.pageTemplates:
                template.onPage = self._watermark(receipt.training_mark)
        doc.build(story)
        return buffer.getvalue()

    @staticmethod
    def _height(story: list[Flowable], width: float) -> float:
        total = 0.0
        for flowable in story:
            _, height = flowable.wrap(width, 10**6)
            total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        return total

    def _styles(self) -> Any:
        sheet = style_sheet()
        small = ParagraphStyle("ReceiptSmall", fontName=FONT, fontSize=7, leading=8.6)
        return {
            "company": ParagraphStyle("ReceiptCompany", fontName=FONT_BOLD, fontSize=10, leading=12,
                                      alignment=TA_CENTER),
            "centre": ParagraphStyle("ReceiptCentre", parent=small, alignment=TA_CENTER),
            "title": ParagraphStyle("ReceiptTitle", fontName=FONT_BOLD, fontSize=9.5, leading=12,
                                    alignment=TA_CENTER, spaceBefore=2 * mm),
            "small": small,
            "bold": ParagraphStyle("ReceiptBold", parent=small, fontName=FONT_BOLD),
            "right": ParagraphStyle("ReceiptRight", parent=small, alignment=TA_RIGHT),
            "right_bold": ParagraphStyle("ReceiptRightBold", parent=small, fontName=FONT_BOLD, alignment=TA_RIGHT),
            "total": ParagraphStyle("ReceiptTotal", fontName=FONT_BOLD, fontSize=10, leading=12.5),
            "total_right": ParagraphStyle("ReceiptTotalRight", fontName=FONT_BOLD, fontSize=10, leading=12.5,
                                          alignment=TA_RIGHT),
            "heading": ParagraphStyle("ReceiptHeading", parent=small, fontName=FONT_BOLD, spaceBefore=1.5 * mm),
            "training": ParagraphStyle("ReceiptTraining", fontName=FONT_BOLD, fontSize=10.5, leading=13,
                                       alignment=TA_CENTER, borderWidth=1.2, borderColor=INK, borderPadding=1.5 * mm,
                                       spaceBefore=1.5 * mm, spaceAfter=2.5 * mm),
            "legal": ParagraphStyle("ReceiptLegal", parent=sheet["Legal"], fontSize=6.5, leading=8,
                                    alignment=TA_CENTER, textColor=INK),
        }

    @staticmethod
    def _watermark(mark: str) -> Any:
        """Draws ``mark`` slanted in light grey down the page, every 60 mm of roll."""

        def draw(canvas: Any, doc: Any) -> None:
            width, height = doc.pagesize
            canvas.saveState()
            canvas.setFillGray(0.82)
            canvas.setFont(FONT_BOLD, 11)
            y = 30 * mm
            while y < height:
                canvas.saveState()
                canvas.translate(width / 2, y)
                canvas.rotate(35)
                canvas.drawCentredString(0, 0, mark)
                canvas.restoreState()
                y += 60 * mm
            canvas.restoreState()

        return draw

    def _logo(self, content: bytes, width: float) -> Image:
        """The company's logo, centred, at most LOGO_HEIGHT high and the roll wide."""
        from reportlab.lib.utils import ImageReader

        pixels_wide, pixels_high = ImageReader(io.BytesIO(content)).getSize()
        scale = min(self.LOGO_HEIGHT / pixels_high, width / pixels_wide)
        logo = Image(io.BytesIO(content), width=pixels_wide * scale, height=pixels_high * scale, hAlign="CENTER")
        logo.spaceAfter = 1.5 * mm
        return logo

    def _rule(self) -> HRFlowable:
        return HRFlowable(width="100%", thickness=0.5, color=INK, dash=(1.5, 1.5), spaceBefore=1.2 * mm,
                          spaceAfter=1.2 * mm)

    def _grid(self, rows: list[list[Any]], shares: tuple[float, ...], width: float,
              extra: list[tuple[Any, ...]] | None = None) -> Table:
        table = Table(rows, colWidths=[share * width for share in shares])
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.4),
            *(extra or []),
        ]))
        return table

    def _story(self, receipt: Receipt, st: dict[str, Any], width: float) -> list[Flowable]:
        company = receipt.company
        story: list[Flowable] = []
        if receipt.training_mark:
            story.append(Paragraph(escape(receipt.training_mark), st["training"]))
        if company.logo:
            story.append(self._logo(company.logo, width))
        story.append(Paragraph(escape(company.name), st["company"]))
        details = [*company.address, *company.legal]
        if details:
            story.append(Paragraph(lines_markup(details), st["centre"]))
        story.append(Paragraph(escape(receipt.title), st["title"]))
        if receipt.duplicate:
            story.append(Paragraph(escape(receipt.duplicate), st["title"]))
        story.append(Paragraph(escape(f"N° {receipt.ticket_number}"), st["centre"]))
        story.append(Spacer(1, 1 * mm))
        story.append(Code128Flowable(receipt.ticket_number, self.BARCODE_HEIGHT, self.BARCODE_MAX_MODULE))
        story.append(Spacer(1, 1 * mm))
        story.append(Paragraph(escape(f"{receipt.at} — caisse {receipt.register}"), st["centre"]))
        for label, value in receipt.references:
            story.append(Paragraph(escape(f"{label} : {value}"), st["centre"]))
        story.append(self._rule())

        # margin-scheme lines show no excl.-VAT figure (art. 297 E CGI): that column only
        # exists when some line is not under the margin scheme, and stays blank for the others
        third = "Total HT" if receipt.show_excl_vat else "Total TTC"
        rows: list[list[Any]] = [[Paragraph("Qté", st["bold"]), Paragraph("P.U. TTC", st["right_bold"]),
                                  Paragraph(third, st["right_bold"]), Paragraph("TVA", st["right_bold"])]]
        spans: list[tuple[Any, ...]] = []
        for line in receipt.lines:
            spans.append(("SPAN", (0, len(rows)), (-1, len(rows))))
            spans.append(("TOPPADDING", (0, len(rows)), (-1, len(rows)), 1.2))
            rows.append([Paragraph(escape(f"{line.label} ({line.ref})"), st["small"]), "", "", ""])
            amount = line.total_excl_vat if receipt.show_excl_vat else line.unit_price
            rows.append([Paragraph(escape(line.quantity), st["small"]), Paragraph(escape(line.unit_price), st["right"]),
                         Paragraph(escape(amount), st["right"]),
                         Paragraph(escape(line.vat_rate), st["right"])])
        story.append(self._grid(rows, self.LINE_COLUMNS, width, spans))
        story.append(self._rule())

        if receipt.vat:
            story.append(Paragraph("TVA par taux", st["bold"]))
            vat_rows: list[list[Any]] = [[Paragraph("Taux", st["small"]), Paragraph("Base HT", st["right"]),
                                          Paragraph("TVA", st["right"])]]
            vat_rows += [[Paragraph(escape(rate), st["small"]), Paragraph(escape(base), st["right"]),
                          Paragraph(escape(vat), st["right"])] for rate, base, vat in receipt.vat]
            story.append(self._grid(vat_rows, self.VAT_COLUMNS, width))
            story.append(Spacer(1, 1.5 * mm))

        story.append(self._grid([[Paragraph("TOTAL TTC", st["total"]),
                                  Paragraph(escape(receipt.total), st["total_right"])]], self.TOTALS_COLUMNS, width))
        if receipt.training_mark:
            story.append(Paragraph(escape(receipt.training_mark), st["training"]))
        for mention in receipt.vat_mentions:
            story.append(Paragraph(escape(mention), st["small"]))
        story.append(Spacer(1, 1 * mm))
        story.append(self._pairs(receipt.payment, st, width))
        story.append(self._rule())
        story.append(Paragraph("Totaux de la caisse", st["bold"]))
        story.append(self._pairs(receipt.running_totals, st, width))
        if receipt.legal_mention:
            story.append(self._rule())
            story.append(Paragraph(escape(receipt.legal_mention), st["legal"]))
        if receipt.training_mark:
            story.append(Paragraph(escape(receipt.training_mark), st["training"]))
        return story

    def _pairs(self, pairs: tuple[tuple[str, str], ...], st: dict[str, Any], width: float) -> Table:
        rows = [[Paragraph(escape(label), st["small"]), Paragraph(escape(value), st["right"])]
                for label, value in pairs]
        return self._grid(rows or [["", ""]], self.TOTALS_COLUMNS, width)
