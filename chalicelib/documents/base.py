"""What every renderer shares: the fonts shipped with the code, the style sheet,
the company block, page numbers "page n / N".

ReportLab is imported here and in the renderer modules only; the API imports
them on the first PDF asked for, never at cold start.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import BaseDocTemplate, Frame, Image, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from chalicelib.documents.views import CompanyBlock

FONTS_DIR = Path(__file__).with_name("fonts")
# Bitstream Vera (ReportLab ships it too; copied here with its licence): accents, €, ‰.
FONT = "Lotbook"
FONT_BOLD = "Lotbook-Bold"
FONT_ITALIC = "Lotbook-Italic"
_FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf"}
_fonts_lock = threading.Lock()
_fonts_ready = False

INK = colors.black
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
SHADE = colors.HexColor("#EEEEEE")


def register_fonts() -> None:
    """Register the shipped TrueType fonts once per process (thread-safe)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)
        _fonts_ready = True


def style_sheet() -> StyleSheet1:
    """The named styles of every document (sizes in points)."""
    register_fonts()
    sheet = StyleSheet1()
    base = ParagraphStyle("Body", fontName=FONT, fontSize=9, leading=11.5, textColor=INK)
    sheet.add(base)
    sheet.add(ParagraphStyle("Small", parent=base, fontSize=7.5, leading=9.5))
    sheet.add(ParagraphStyle("Tiny", parent=base, fontSize=6.5, leading=8, textColor=GREY))
    sheet.add(ParagraphStyle("Legal", parent=base, fontSize=7.5, leading=9.5, textColor=GREY))
    sheet.add(ParagraphStyle("Title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=2 * mm))
    sheet.add(ParagraphStyle("Heading", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13,
                             spaceBefore=4 * mm, spaceAfter=1.5 * mm))
    sheet.add(ParagraphStyle("Company", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15))
    sheet.add(ParagraphStyle("Cell", parent=base, fontSize=8, leading=10))
    sheet.add(ParagraphStyle("CellRight", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("CellCenter", parent=base, fontSize=8, leading=10, alignment=TA_CENTER))
    sheet.add(ParagraphStyle("CellHead", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10))
    sheet.add(ParagraphStyle("CellHeadRight", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10,
                             alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("CellHeadCenter", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10,
                             alignment=TA_CENTER))
    sheet.add(ParagraphStyle("Right", parent=base, alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("Left", parent=base, alignment=TA_LEFT))
    return sheet


def escape(text: Any) -> str:
    """Plain text into Paragraph markup (which reads ``<b>``, ``&amp;``…), line breaks kept."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\n", "<br/>")


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` on one line."""
    if len(text) * size <= width or pdfmetrics.stringWidth(text, font, size) <= width:  # no glyph is over 1 em
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle].rstrip() + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def lines_markup(lines: tuple[str, ...] | list[str]) -> str:
    return "<br/>".join(escape(line) for line in lines)


def company_flowables(company: CompanyBlock, styles: StyleSheet1, logo_height: float = 18 * mm) -> list[Flowable]:
    """The company's block at the head of an A4 document (logo when it has one)."""
    out: list[Flowable] = []
    if company.logo:
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(io.BytesIO(company.logo))
        width, height = reader.getSize()
        out.append(Image(io.BytesIO(company.logo), width=logo_height * width / height, height=logo_height,
                         hAlign="LEFT"))
    out.append(Paragraph(escape(company.name), styles["Company"]))
    details = [*company.address, *company.contact]
    if details:
        out.append(Paragraph(lines_markup(details), styles["Small"]))
    if company.legal:
        out.append(Paragraph(lines_markup(company.legal), styles["Tiny"]))
    return out


def grid_style(header_rows: int = 1, footer: bool = False) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, INK),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, RULE),
    ]
    if footer:
        commands += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("BACKGROUND", (0, -1), (-1, -1), SHADE)]
    return TableStyle(commands)


def key_value_table(rows: tuple[tuple[str, str], ...] | list[tuple[str, str]], styles: StyleSheet1,
                    widths: tuple[float, float], bold_last: bool = False) -> Table:
    data = []
    for n, (label, value) in enumerate(rows):
        strong = bold_last and n == len(rows) - 1
        data.append([Paragraph(escape(label), styles["CellHead" if strong else "Cell"]),
                     Paragraph(escape(value), styles["CellHeadRight" if strong else "CellRight"])])
    table = Table(data, colWidths=list(widths))
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if bold_last and data:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK))
    table.setStyle(TableStyle(commands))
    return table


class NumberedCanvas(pdfcanvas.Canvas):
    """Holds the pages until the end so each can say "page n / N"."""

    footer_text = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(FONT, 7)
        self.setFillColor(GREY)
        self.drawRightString(width - 15 * mm, 9 * mm, f"Page {self._pageNumber} / {total}")
        if self.footer_text:
            self.drawString(15 * mm, 9 * mm, self.footer_text)
        self.restoreState()


def numbered_canvas(footer: str) -> type[NumberedCanvas]:
    """A canvas class whose pages carry ``footer`` and their number."""
    return type("FooteredCanvas", (NumberedCanvas,), {"footer_text": footer})


def document(buffer: io.BytesIO, pagesize: tuple[float, float], margin: float, bottom_margin: float,
             title: str, author: str) -> BaseDocTemplate:
    """A one-frame document whose frame has no inner padding: a table as wide as the
    text lines up with the paragraphs, exactly between the margins."""
    doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                          bottomMargin=bottom_margin, title=title, author=author, creator="Lotbook",
                          subject=title, pageCompression=1)
    frame = Frame(margin, bottom_margin, pagesize[0] - 2 * margin, pagesize[1] - margin - bottom_margin,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc


class CheckBox(Flowable):
    """An empty square to tick by hand, then its label."""

    def __init__(self, label: str, style: ParagraphStyle, size: float = 3.5 * mm, gap: float = 2 * mm) -> None:
        super().__init__()
        self.label = Paragraph(escape(label), style)
        self.size = size
        self.gap = gap

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, text_height = self.label.wrap(available_width - self.size - self.gap, available_height)
        self.height = max(self.size, text_height)
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, self.height - self.size, self.size, self.size, stroke=1, fill=0)
        self.label.drawOn(self.canv, self.size + self.gap, self.height - self.label.height)


def metadata(canvas: pdfcanvas.Canvas, title: str, author: str) -> None:
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("Lotbook")
    canvas.setSubject(title)
