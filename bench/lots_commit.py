"""Purchases: CSV import of 999 lines and the commit of a 999-article lot.

Goals (issue "Purchases"): import under 1 s; commit under 2 s and at most 60
DynamoDB requests, in-process with moto. The first commit in a process also
pays botocore's and moto's one-time loading of service models; the figure is
given cold and warm (a second tenant in the same process).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bench._inprocess import RequestCounter, moto_account, new_tenant, timed
from chalicelib.services import catalog, lots

ARTICLES = 999


def one_tenant(label: str) -> None:
    who = new_tenant()
    catalog.create_family(who, "Bijoux or", True)
    supplier = catalog.create_party(who, "supplier", {  # identified: metals are never bought otherwise
        "last_name": "Durand", "first_names": "Marc", "street_name": "rue Haute", "postcode": "54000",
        "city": "Nancy", "id_document_type": "CNI", "id_document_number": "880254301234",
        "id_document_date": "2018-06-11", "id_document_authority": "Préfecture de Meurthe-et-Moselle"})
    lots.update_draft_header(who, {"supplier_id": supplier.id, "purchase_date": date(2020, 3, 14),
                                   "purchase_price": Decimal(f"{ARTICLES}.00"), "payment_method": "card"})
    rows = "".join(f"Bague or jaune 18 carats n° {n};Bijoux or;3,25;750;S-{n};1,00;;250,00;normal;"
                   f"poinçon tête d'aigle\n" for n in range(ARTICLES)).encode()
    counter = RequestCounter()
    with counter.counting(), timed() as imported:
        view = lots.import_csv(who, rows, ";", 0, None, "normal")
    assert view["article_count"] == ARTICLES
    print(f"[{label}] CSV import of {ARTICLES} lines: {imported['seconds']:.3f} s, "
          f"{counter.total} DynamoDB requests (goal < 1 s)")
    counter = RequestCounter()
    with counter.counting(), timed() as committed:
        result = lots.commit(who, "purchase")
    assert len(result["articles"]) == ARTICLES
    print(f"[{label}] commit of a {ARTICLES}-article lot: {committed['seconds']:.3f} s, "
          f"{counter.total} DynamoDB requests (goal < 2 s, <= 60 requests)")
    print("  requests: " + ", ".join(f"{op} {n}" for op, n in counter.calls.most_common()))


def main() -> None:
    with moto_account():
        one_tenant("cold")
        one_tenant("warm")


if __name__ == "__main__":
    main()
