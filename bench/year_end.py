"""The 2093 file of a big year: 20,000 purchases from 5,000 sellers.

Pure domain work (chalicelib/domain/dmet.py) plus the transport steps the job
adds: per-seller totals, the fixed-width file (5,002 records of 550 characters),
gzip, and OpenPGP encryption to a 2048-bit RSA key (pgpy, pure Python).

    python -m bench.year_end
"""

from __future__ import annotations

import gzip
import random
import time
import warnings
from decimal import Decimal

from chalicelib.domain import dmet

PURCHASES, SELLERS = 20_000, 5_000
COMPANY = {"company_name": "Bijouterie Dupré", "siren": "999888777", "siret": "99988877700015",
           "street_number": "12", "street_type": "RUE", "street_name": "de la Paix", "postcode": "75002",
           "city": "Paris", "city_insee": "75102", "ape_code": "4777Z", "contact_name": "Élodie Dupré",
           "phone": "0123456789", "email": "contact@dupre.fr"}


def _seller(n: int) -> dict:
    return {"title": "MME", "last_name": f"Lefèvre{n}", "first_names": "Anaïs Chloé", "street_number": str(n % 300),
            "street_index": "B" if n % 7 == 0 else None, "street_type": "AV",
            "street_name": "du Maréchal Jean Marie Gabriel de Lattre de Tassigny", "postcode": "54",
            "city": "Nancy", "birth_date": "1970-05-09" if n % 3 else None}


def main() -> None:
    rng = random.Random(2093)
    parties = {f"s{n}": _seller(n) for n in range(SELLERS)}
    purchases = [(f"s{n % SELLERS}", Decimal(rng.randint(50, 500_000)) / 100) for n in range(PURCHASES)]

    start = time.perf_counter()
    totals = dmet.seller_totals(purchases)
    sellers = [dmet.Seller(i, parties[i], t) for i, t in totals.items()]
    problems = sum(1 for s in sellers if dmet.seller_problems(s.fields))
    text = dmet.build_file(2025, COMPANY, sellers, "20260130")
    built = time.perf_counter() - start
    raw = text.encode("ascii")
    start = time.perf_counter()
    packed = gzip.compress(raw, mtime=0)
    zipped = time.perf_counter() - start

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy
        from pgpy.constants import KeyFlags, PubKeyAlgorithm

        key = pgpy.PGPKey.new(PubKeyAlgorithm.RSAEncryptOrSign, 2048)
        key.add_uid(pgpy.PGPUID.new("bench"), usage={KeyFlags.EncryptCommunications, KeyFlags.EncryptStorage})
        start = time.perf_counter()
        encrypted = bytes(key.pubkey.encrypt(pgpy.PGPMessage.new(packed, file=True)))
        crypted = time.perf_counter() - start

    records = text.count("\n")
    print(f"{PURCHASES} purchases, {len(sellers)} sellers, {problems} blocking → {records} records")
    print(f"totals + pre-check + file: {built * 1000:.0f} ms ({len(raw) / 1e6:.2f} MB)")
    print(f"gzip: {zipped * 1000:.0f} ms ({len(packed) / 1e3:.0f} kB)")
    print(f"OpenPGP (pgpy, RSA 2048): {crypted * 1000:.0f} ms ({len(encrypted) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
