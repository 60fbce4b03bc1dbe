"""The purchase contract (bordereau d'achat), A4: the written contract a professional
owes a private seller of precious metals, to be signed by both.

Buyer's legal mentions (default, own, both or none), the seller's identity, place
and date, the goods with weight and fineness in thousandths, prices and TMP,
optional seller agreement, optional detachable 48 h withdrawal form.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from chalicelib.documents.base import (
    FONT_BOLD,
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
    FORM_SIZE = 12  # points: the annex to art. R224-5 forbids a smaller font on the withdrawal form
    FORM_FIELD_HEIGHT = 9 * mm  # room to write under each label of the form

    def render(self, contract: Contract) -> bytes:
        styles = style_sheet()
        buffer = io.BytesIO()
        doc = document(buffer, self.PAGE, self.MARGIN, self.BOTTOM_MARGIN, f"Bordereau d'achat {contract.lot_ref}",
                       contract.company.name)
        width = self.PAGE[0] - 2 * self.MARGIN
        story: list[Any] = [
            Paragraph("BORDEREAU D'ACHAT", styles["Title"]),
            Paragraph(escape(f"Contrat d'achat n° {contract.lot_ref} — conclu à {contract.place}, "
                             f"le {contract.signed or contract.date}"), styles["Body"]),
            Paragraph(f"<b>Date et heure de la signature : {escape(contract.signed or contract.date)}</b>",
                      styles["Body"]),
        ]
        if contract.purchase_date:
            story.append(Paragraph(escape(f"Date d'achat inscrite au registre : {contract.purchase_date}"),
                                   styles["Body"]))
        if contract.warning:
            story += [Spacer(1, 2 * mm), Paragraph(f"<b>{escape(contract.warning)}</b>", styles["Body"])]
        story += [Spacer(1, 5 * mm), self._parties(contract, styles, width)]
        if contract.legal_mentions:
            story.append(Paragraph("Mentions légales de l'acheteur", styles["Heading"]))
            for text in contract.legal_mentions:
                story += [Paragraph(escape(text), styles["Legal"]), Spacer(1, 1.5 * mm)]
        story += [Paragraph("Désignation des biens", styles["Heading"]), self._goods(contract, styles, width),
                  Spacer(1, 3 * mm), self._totals(contract, styles, width)]
        story += self._reminder(contract, styles)
        story.append(Spacer(1, 4 * mm))
        if contract.agreement:
            story.append(self._agreement(contract, styles, width))
        story.append(self._signatures(styles, width))
        if contract.withdrawal:
            story += self._withdrawal(contract, styles, width)
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

    def _reminder(self, contract: Contract, st: Any) -> list[Any]:
        """The R224-7 reminder of the withdrawal right, in the contract itself."""
        out: list[Any] = [Paragraph("Droit de rétractation du vendeur (art. L. 224-99 et R. 224-7 du code de la "
                                    "consommation)", st["Heading"])]
        for paragraph in withdrawal_terms():
            out.append(Paragraph(escape(paragraph), st["Small"]))
        if contract.withdrawal_deadline:
            out.append(Spacer(1, 1.5 * mm))
            deadline = (f"Contrat signé le {contract.signed} : rétractation possible jusqu'au "
                        f"{contract.withdrawal_deadline}.")
            out.append(Paragraph(f"<b>{escape(deadline)}</b>", st["Body"]))
        return out

    def _withdrawal(self, contract: Contract, st: Any, width: float) -> list[Any]:
        """The detachable form of the official model (annex to art. R224-5), on a page of its own,
        in at least 12 points as the annex requires."""
        form = ParagraphStyle("Form", parent=st["Body"], fontSize=self.FORM_SIZE, leading=self.FORM_SIZE * 1.25,
                              spaceAfter=1.5 * mm)
        heading = ParagraphStyle("FormHeading", parent=form, fontName=FONT_BOLD, fontSize=self.FORM_SIZE + 2,
                                 leading=(self.FORM_SIZE + 2) * 1.25, alignment=TA_CENTER)
        goods = "; ".join(" — ".join(part for part in (line.description, line.weight,
                                                        f"{line.fineness} ‰" if line.fineness else "") if part)
                          + f" (réf. {line.ref})" for line in contract.lines)
        addressee = ", ".join(part for part in contract.buyer_contact if part)
        body: list[Any] = [
            Paragraph("FORMULAIRE DE RÉTRACTATION", heading),
            Paragraph("ACHAT DE MÉTAUX PRÉCIEUX", heading),
            Spacer(1, 2 * mm),
            Paragraph(escape("(Pour vous rétracter, vous pouvez utiliser ce modèle de formulaire ou toute autre "
                             "déclaration écrite dénuée d'ambiguïté.)"), form),
            Paragraph(escape(f"À l'attention de : {addressee}"), form),
            Paragraph(escape(f"Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du "
                             f"contrat conclu le {contract.signed or contract.date} (bordereau d'achat n° "
                             f"{contract.lot_ref}) et ayant pour objet la vente du (des) bien(s) suivant(s) : "
                             f"{goods}."), form),
            Spacer(1, 2 * mm),
        ]
        labels = ("Nom du (des) consommateur(s)-vendeur(s) :", "Adresse du (des) consommateur(s)-vendeur(s) :",
                  "Signature du (des) consommateur(s)-vendeur(s) :", "Date :")
        rows: list[list[Any]] = []
        for label in labels:  # the label, then a full-width line to write on
            rows += [[Paragraph(label, form)], [""]]
        fields = Table(rows, colWidths=[width], rowHeights=[None, self.FORM_FIELD_HEIGHT] * len(labels))
        fields.setStyle(TableStyle([*(("LINEBELOW", (0, n), (0, n), 0.4, RULE) for n in range(1, len(rows), 2)),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        after: list[Any] = [Spacer(1, 2 * mm), Paragraph("(*) Rayez la mention inutile.", form), Spacer(1, 2 * mm)]
        after += [Paragraph(escape(paragraph), form) for paragraph in withdrawal_terms()]
        scissors = '<font name="ZapfDingbats">\u2702</font>'  # Vera has no ✂; the PDF base font has
        cut = [PageBreak(),
               Paragraph(f"{scissors} - - - - - - Partie détachable : découpez suivant les pointillés - - - - - - "
                         f"{scissors}", ParagraphStyle("Cut", parent=st["Body"], fontSize=self.FORM_SIZE,
                                                       leading=self.FORM_SIZE * 1.25, alignment=TA_CENTER)),
               HRFlowable(width="100%", thickness=0.8, color=INK, dash=(3, 2), spaceBefore=1 * mm,
                          spaceAfter=4 * mm)]
        return [*cut, *body, fields, *after]


def withdrawal_terms() -> list[str]:
    """Art. R224-7 and L224-99, second paragraph, as the official form recalls them."""
    return [
        "Conformément à l'article R. 224-7 du code de la consommation, pour exercer son droit de rétractation prévu "
        "à l'article L. 224-99, le consommateur-vendeur remet au professionnel en main propre le formulaire "
        "détachable ou toute autre déclaration dénuée d'ambiguïté exprimant sa volonté de se rétracter, ou les lui "
        f"adresse par un moyen permettant d'attester de la date et de l'heure de l'envoi, au plus tard "
        f"{WITHDRAWAL_HOURS} heures (quarante-huit heures) à compter du jour et de l'heure de la signature du "
        "contrat.",
        "Si le délai de quarante-huit heures expire un samedi, un dimanche ou un jour férié ou chômé, il est "
        "prorogé jusqu'au premier jour ouvrable suivant, à la même heure.",
        "L'envoi ou la remise du formulaire au professionnel dans le délai imparti a pour effet d'annuler "
        "l'opération d'achat. À défaut, le contrat est conclu définitivement.",
        "Rappel : conformément au deuxième alinéa de l'article L. 224-99, l'exercice du droit de rétractation met "
        "fin aux obligations des parties. Le consommateur rembourse au professionnel le prix perçu et, en "
        "contrepartie, le professionnel lui restitue le ou les objets achetés ; à défaut de pouvoir les restituer, "
        "il lui verse une somme égale au double du prix de vente perçu pour ces objets.",
    ]
