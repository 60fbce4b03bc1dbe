"""Corrections as a police sheet lists them: the differences between consecutive sealed
versions of a lot (chalicelib/domain/sealed_register.py)."""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.domain.sealed_register import Version, changes, ordered


def _version(number: int, **lot: Any) -> dict[str, Any]:
    return {"record": "police_register", "event": "lot_committed" if number == 1 else "lot_corrected",
            "version": number, "at": f"2024-05-0{number}T10:00:00+00:00", "by": "gerant@example.fr",
            "reason": None if number == 1 else "Erreur de saisie",
            "lot": {"ref": "2024001", "kind": "purchase", "status": "committed", "purchase_date": "2024-05-02",
                    "purchase_price": "120.00", "price_incl_tmp": None, "payment_method": "cash",
                    "condition": "used", **lot},
            "seller": {"last_name": "Durand", "first_names": "Hélène"},
            "articles": [{"ref": "2024001001", "description": "Commode", "family": "Mobilier",
                          "purchase_price": "120.00", "status": "stock"}]}


def test_each_field_changed_by_a_later_version_is_one_change_with_its_author_date_and_reason() -> None:
    first = _version(1)
    second = _version(2, payment_method="cheque")
    second["seller"]["last_name"] = "Durant"
    third = copy.deepcopy(second)
    third.update(version=3, at="2024-05-03T10:00:00+00:00", reason="Gravure oubliée")
    third["articles"][0]["description"] = "Commode galbée"
    found = changes([Version(third, "police_register", 7, "c" * 64), Version(first, "police_register", 1, "a" * 64),
                     Version(second, "police_register", 4, "b" * 64)])
    assert [(c.version, c.subject, c.field, c.old, c.new, c.reason) for c in found] == [
        (2, "lot", "payment_method", "cash", "cheque", "Erreur de saisie"),
        (2, "vendeur", "last_name", "Durand", "Durant", "Erreur de saisie"),
        (3, "2024001001", "description", "Commode", "Commode galbée", "Gravure oubliée"),
    ]
    assert found[-1].at == "2024-05-03T10:00:00+00:00" and found[-1].by == "gerant@example.fr"


def test_a_version_sealed_twice_counts_once_and_an_unsealed_one_comes_last() -> None:
    sealed = Version(_version(1), "police_register", 1, "a" * 64)
    pending = Version(_version(2, status="retracted"), "police_register")
    chain = ordered([pending, Version(_version(1), "police_register", 9, "f" * 64), sealed])
    assert chain == [sealed, pending]
    assert not pending.sealed and sealed.sealed
    assert [(c.field, c.new) for c in changes(chain)] == [("status", "retracted")]
