"""The purchase-price code printed on labels (code prix d'achat).

The company chooses ten distinct letters, one per digit 0–9 (``price_code_cipher``):
with ``"BRICOLAGEX"``, 0 is B, 1 is R, 2 is I… A purchase price of 123.00 reads
``RIC``; cents, when there are any, follow a comma: 123.50 reads ``RIC,OB``.
Only the back office ever sees it (chalicelib/domain/visibility.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def price_code(price: Decimal, cipher: str) -> str:
    if len(cipher) != 10:
        raise ValueError("the cipher has one letter per digit")
    cents = int((abs(price) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    euros, rest = divmod(cents, 100)
    code = "".join(cipher[int(d)] for d in str(euros))
    if rest:
        code += "," + "".join(cipher[int(d)] for d in f"{rest:02d}")
    return code
