"""VAT rates and the per-article VAT of a sale (DOMAIN.md "VAT").

New articles: purchase prices exclude VAT (deductible = purchase × rate) and
sale prices include it (collected = sale × rate / (1 + rate)). Used articles
follow the margin scheme: no deductible VAT; collected = margin × rate /
(1 + rate) when the margin is positive; a negative margin (or a lost article)
gives no VAT and the rate ``zero_negative_margin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.money import CENT, ZERO

RATES: dict[str, Decimal] = {
    "normal": Decimal("0.20"),
    "intermediate": Decimal("0.10"),
    "reduced": Decimal("0.055"),
    "super_reduced": Decimal("0.021"),
    "exempt_melt": Decimal("0"),
    "exempt_export": Decimal("0"),
    "zero_negative_margin": Decimal("0"),
    "none": Decimal("0"),
}

DEFAULT_RATE = "normal"
NEGATIVE_MARGIN = "zero_negative_margin"
# The rates a user may give an article or a sale: the negative-margin one is never chosen,
# the sale derives it from the purchase price (sale_vat), or a loss declares it.
CHOSEN_RATES = tuple(rate for rate in RATES if rate != NEGATIVE_MARGIN)

# Art. 242 nonies A, I-12° annexe II CGI: the mention of a margin-scheme invoice, by the
# family's margin category, followed by the (optional) article of the margin scheme.
MARGIN_CATEGORIES = ("second_hand", "art", "collection_antique")
DEFAULT_MARGIN_CATEGORY = "second_hand"
MARGIN_MENTIONS: dict[str, str] = {
    "second_hand": "Régime particulier – Biens d'occasion",
    "art": "Régime particulier – Objets d'art",
    "collection_antique": "Régime particulier – Objets de collection et d'antiquité",
}
MARGIN_VAT_ARTICLE = "TVA sur marge, art. 297 A du C.G.I."
NOTE_MARGIN_SCHEME = f"{MARGIN_MENTIONS[DEFAULT_MARGIN_CATEGORY]} – {MARGIN_VAT_ARTICLE}"
NOTE_EXEMPT_MELT = "TVA non applicable selon art. 283-2 sexies du C.G.I."
NOTE_EXEMPT_EXPORT = "TVA exonérée selon art. 262 I du C.G.I."


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ArticleVat:
    rate: str  # the rate that applies after the margin rule
    base: Decimal  # excl. VAT: the sale (new) or the margin (used)
    collected: Decimal
    deductible: Decimal
    margin: Decimal | None


def sale_vat(condition: str, rate: str, purchase: Decimal | None, sale: Decimal) -> ArticleVat:
    """The VAT of one sold article, to the cent."""
    percent = RATES[rate]
    if condition == "new":
        collected = _cents(sale * percent / (1 + percent))
        deductible = _cents((purchase or ZERO) * percent)
        margin = sale - collected - (purchase or ZERO)
        return ArticleVat(rate, sale - collected, collected, deductible, margin)
    margin = sale - (purchase or ZERO)
    # Also when the rate already is the one the margin rule gave: the VAT of a sold
    # article is recomputed from the rate its sale recorded, and must come out the same.
    if margin <= 0 and (percent > 0 or rate == NEGATIVE_MARGIN):
        return ArticleVat(NEGATIVE_MARGIN, ZERO, ZERO, ZERO, margin)
    collected = _cents(margin * percent / (1 + percent)) if margin > 0 else ZERO
    return ArticleVat(rate, margin - collected, collected, ZERO, margin)


def purchase_vat(condition: str, rate: str, purchase: Decimal | None) -> Decimal:
    """Deductible VAT of an article bought new (none under the margin scheme)."""
    if condition != "new" or purchase is None:
        return ZERO
    return _cents(purchase * RATES[rate])


def margin_note(margin_category: str | None = None) -> str:
    """The margin-scheme mention of a family's category (unknown or none: second-hand goods)."""
    mention = MARGIN_MENTIONS.get(margin_category or "", MARGIN_MENTIONS[DEFAULT_MARGIN_CATEGORY])
    return f"{mention} – {MARGIN_VAT_ARTICLE}"


def is_margin_scheme(condition: str, rate: str) -> bool:
    """A used article sold under the margin scheme (not exempt): its VAT and its excl.-VAT
    figure are never shown to the buyer (art. 297 E CGI: they would reveal the margin)."""
    return condition == "used" and rate not in ("exempt_melt", "exempt_export")


def invoice_notes(condition: str, rate: str, margin_category: str | None = None) -> list[str]:
    if rate == "exempt_melt":
        return [NOTE_EXEMPT_MELT]
    if rate == "exempt_export":
        return [NOTE_EXEMPT_EXPORT]
    if condition == "used":
        return [margin_note(margin_category)]
    return []
