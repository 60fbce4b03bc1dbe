"""The purchase contract (bordereau d'achat), A4: the written contract a professional
owes a private seller of precious metals, to be signed by both.

Buyer's legal mentions (default, own, both or none), the seller's identity, place
and date, the goods with weight and fineness in thousandths, prices and TMP,
optional seller agreement, optional detachable 48 h withdrawal form.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from chalicelib.documents.base import (
    INK,
    RULE,
    CheckBox,
    company_flowables,
    document,
    escape,
    grid_style,
    key_value_table,
    lines_markup,
    numbered_canvas,
    style_sheet,
)
from chalicelib.documents.views import Contract

WITHDRAWAL_HOURS = 48


class ContractRenderer:
    PAGE = A4
    MARGIN = 15 * mm
    BOTTOM_MARGIN = 18 * mm
    PARTIES_COLUMNS = (0.5, 0.5)
    # ref, description, family, weight, fineness, price
    LINE_COLUMNS = (0.13, 0.39, 0.15, 0.1, 0.1, 0.13)
    TOTALS_WIDTH = 100 * mm
    SIGNATURE_HEIGHT = 24 * mm
    CHECKBOX = 3.5 * mm
    FORM_LABEL_WIDTH = 55 * mm  # withdrawal form: "Nom et prénom du vendeur :" on one line

    def render(self, contract: Contract) -> bytes:
        styles = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, f"Bordereau d'achat {contract.lot_ref}",
                       contract.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story: list[Any] = [
            Paragraph("BORDEREAU D'ACHAT", styles["Title"]),
            Paragraph(escape(f"Contrat d'achat n° {contract.lot_ref} — conclu à {contract.place}, "
                             f"le {contract.date}"), styles["Body"]),
        ]
        if contract.warning:
            story += [Spacer(1, 2 * mm), Paragraph(f"<b>{escape(contract.warning)}</b>", styles["Body"])]
        story += [Spacer(1, 5 * mm), self._parties(contract, styles, width)]
        if contract.legal_mentions:
            story.append(Paragraph("Mentions légales de l'acheteur", styles["Heading"]))
            for text in contract.legal_mentions:
                story += [Paragraph(escape(text), styles["Legal"]), Spacer(1, 1.5 * mm)]
        story += [Paragraph("Désignation des biens", styles["Heading"]), self._goods(contract, styles, width),
                  Spacer(1, 3 * mm), self._totals(contract, styles, width)]
        story.append(Spacer(1, 4 * mm))
        if contract.agreement:
            story.append(self._agreement(contract, styles, width))
        story.append(self._signatures(styles, width))
        if contract.withdrawal:
            story.append(self._withdrawal(contract, styles, width))
        doc.build(story, canvasmaker=numbered_canvas(f"Bordereau d'achat {contract.lot_ref} — "
                                                     f"{contract.company.name}"))
        return buffer.getvalue()

    def _parties(self, contract: Contract, st: Any, width: float) -> Table:
        buyer = [Paragraph("L'acheteur (professionnel)", st["Small"]), *company_flowables(contract.company, st)]
        seller = [Paragraph("Le vendeur", st["Small"]), Paragraph(lines_markup(contract.seller), st["Body"])]
        table = Table([[buyer, seller]], colWidths=[share * width for share in self.PARTIES_COLUMNS])
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (0, 0), 0.5, RULE), ("BOX", (1, 0), (1, 0), 0.5, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 2 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ]))
        return table

    def _goods(self, contract: Contract, st: Any, width: float) -> Table:
        head = [Paragraph(text, st[style]) for text, style in (
            ("Réf.", "CellHead"), ("Désignation", "CellHead"), ("Famille", "CellHead"), ("Poids", "CellHeadRight"),
            ("Titre (‰)", "CellHeadRight"), ("Prix", "CellHeadRight"))]
        rows = [head]
        for line in contract.lines:
            rows.append([Paragraph(escape(line.ref), st["Cell"]), Paragraph(escape(line.description), st["Cell"]),
                         Paragraph(escape(line.family), st["Cell"]), Paragraph(escape(line.weight), st["CellRight"]),
                         Paragraph(escape(line.fineness), st["CellRight"]),
                         Paragraph(escape(line.price), st["CellRight"])])
        table = Table(rows, colWidths=[share * width for share in self.LINE_COLUMNS], repeatRows=1)
        table.setStyle(grid_style())
        return table

    def _totals(self, contract: Contract, st: Any, width: float) -> Table:
        rows = [*contract.totals]
        totals = key_value_table(rows, st, (self.TOTALS_WIDTH * 0.7, self.TOTALS_WIDTH * 0.3), bold_last=True)
        payment = Paragraph(escape(f"Mode de règlement : {contract.payment}"), st["Body"])
        return Table([[payment, totals]], colWidths=[width - self.TOTALS_WIDTH, self.TOTALS_WIDTH],
                     style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                            ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def _agreement(self, contract: Contract, st: Any, width: float) -> KeepTogether:
        text = ("Je soussigné(e), le vendeur, certifie être le seul propriétaire des biens désignés ci-dessus, "
                "qu'ils ne proviennent ni d'un vol ni d'un recel et ne sont pas gagés, et accepte de les céder "
                f"à l'acheteur au prix indiqué, réglé selon le mode mentionné. Je reconnais avoir reçu un "
                f"exemplaire du présent contrat et être informé(e) de mon droit de rétractation de "
                f"{WITHDRAWAL_HOURS} heures à compter de sa signature.")
        box = Table([[[Paragraph("<b>Accord du vendeur</b>", st["Body"]), Spacer(1, 1.5 * mm),
                       Paragraph(escape(text), st["Small"]), Spacer(1, 2 * mm),
                       CheckBox("Lu et approuvé, bon pour accord", st["Body"], self.CHECKBOX)]]],
                    colWidths=[width])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, INK), ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm), ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm)]))
        return KeepTogether([box, Spacer(1, 4 * mm)])

    def _signatures(self, st: Any, width: float) -> KeepTogether:
        cells = [[Paragraph("Signature de l'acheteur", st["Small"]), Paragraph("Signature du vendeur", st["Small"])],
                 ["", ""]]
        table = Table(cells, colWidths=[width / 2 - 2 * mm, width / 2 - 2 * mm],
                      rowHeights=[None, self.SIGNATURE_HEIGHT], spaceBefore=0)
        table.setStyle(TableStyle([("BOX", (0, 1), (0, 1), 0.5, RULE), ("BOX", (1, 1), (1, 1), 0.5, RULE),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return KeepTogether([table])

    def _withdrawal(self, contract: Contract, st: Any, width: float) -> KeepTogether:
        company = contract.company
        address = ", ".join([company.name, *company.address])
        body = [
            Paragraph(f"<b>FORMULAIRE DE RÉTRACTATION</b> — bordereau d'achat n° {escape(contract.lot_ref)}",
                      st["Body"]),
            Spacer(1, 1.5 * mm),
            Paragraph(escape(
                f"Veuillez compléter et renvoyer le présent formulaire uniquement si vous souhaitez vous rétracter "
                f"du contrat, dans un délai de {WITHDRAWAL_HOURS} heures à compter de sa signature. Pendant ce "
                f"délai, l'acheteur conserve les biens en l'état."), st["Small"]),
            Spacer(1, 1.5 * mm),
            Paragraph(escape(f"À l'attention de : {address}"), st["Small"]),
            Spacer(1, 1.5 * mm),
            Paragraph(escape(f"Je vous notifie par la présente ma rétractation du contrat d'achat n° "
                             f"{contract.lot_ref} conclu le {contract.date} à {contract.place}."), st["Small"]),
            Spacer(1, 3 * mm),
        ]
        fields = Table([[Paragraph(label, st["Small"]), ""] for label in (
            "Nom et prénom du vendeur :", "Adresse :", "Date et heure :", "Signature :")],
            colWidths=[self.FORM_LABEL_WIDTH, width - self.FORM_LABEL_WIDTH], rowHeights=[8 * mm] * 4)
        fields.setStyle(TableStyle([("LINEBELOW", (1, 0), (1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        cut = [Spacer(1, 8 * mm),
               Paragraph("- - - Partie détachable : découpez suivant les pointillés - - -", st["Tiny"]),
               HRFlowable(width="100%", thickness=0.8, color=INK, dash=(3, 2), spaceBefore=1 * mm,
                          spaceAfter=4 * mm)]
        return KeepTogether([*cut, *body, fields])
