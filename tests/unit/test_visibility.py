"""What the shop is shown: an allow-list per resource (chalicelib/domain/visibility.py),
and the one permission table it goes with (chalicelib/domain/profiles.py)."""

from __future__ import annotations

from chalicelib.domain import visibility
from chalicelib.domain.actions import TRANSITIONS
from chalicelib.domain.profiles import Profile, may, route_permission


def test_a_field_nobody_named_stays_hidden_from_the_shop() -> None:
    article = {"ref": "0702001001", "status": "stock", "label_price": "500.00", "purchase_price": "412.17",
               "reserve_price": "412.17", "commission": "41.22", "traces": []}
    assert visibility.article_for(article, False) == {"ref": "0702001001", "status": "stock",
                                                      "label_price": "500.00", "traces": []}
    assert visibility.article_for(article, True) == article


def test_traces_of_hidden_fields_are_dropped_and_the_others_kept() -> None:
    traces = [{"field": "reserve_price", "old": "388.41", "new": "377.29", "reason": "x", "at": "t", "user": "u"},
              {"field": "description", "old": "a", "new": "b", "reason": "y", "at": "t", "user": "u"}]
    shown = visibility.lot_for({"ref": "07020C001", "purchase_price": "9.00", "tmp_due": "1.04", "traces": traces,
                                "articles": [{"ref": "07020C001001", "reserve_price": "1.00", "traces": traces}]},
                               False)
    assert shown == {"ref": "07020C001", "traces": [], "articles": [{"ref": "07020C001001", "traces": [traces[1]]}]}


def test_history_events_show_only_the_details_named_for_them() -> None:
    reserve = {"at": "t", "user": "u", "event": "reserve_price", "date": None,
               "details": {"old": "388.41", "new": "377.29"}}
    sold = {"at": "t", "user": "u", "event": "sell", "date": "2021-03-01",
            "details": {"transaction_ref": "V1", "price": "290.00", "invoice_number": "F1", "margin": "152.57"}}
    hidden = {"at": "t", "user": "u", "event": "correction", "details": {"field": "purchase_price", "old": "1"}}
    assert visibility.event_for(reserve, False) == {"at": "t", "user": "u", "event": "reserve_price", "date": None}
    assert visibility.event_for(sold, False)["details"] == {"transaction_ref": "V1", "price": "290.00",
                                                            "invoice_number": "F1"}
    assert visibility.event_for(hidden, False) is None
    assert visibility.event_for(hidden, True) == hidden


def test_list_columns_and_sorts_follow_the_same_allow_list() -> None:
    columns = ("ref", "purchase_price", "reserve_price", "label_price")
    assert visibility.columns_for("article", columns, False) == ["ref", "label_price"]
    assert visibility.columns_for("article", columns, True) == list(columns)
    assert not visibility.sortable("article", "purchase_price", False)
    assert visibility.sortable("article", "label_price", False)


def test_a_margin_scheme_line_shows_no_vat_to_the_shop_but_new_goods_do() -> None:
    sale = {"transaction_ref": "V1", "total": "320.00", "margin": "152.57",
            "lines": [{"ref": "A", "unit_price": "290.00", "total": "290.00", "vat": "25.43",
                       "total_excl_vat": "264.57", "vat_rate": "normal", "condition": "used"},
                      {"ref": "B", "unit_price": "30.00", "total": "30.00", "vat": "5.00",
                       "total_excl_vat": "25.00", "vat_rate": "normal", "condition": "new"}],
            "vat": {"normal": {"base": "289.57", "vat": "30.43"}}}
    shown = visibility.sale_for(sale, False)
    assert "margin" not in shown
    # no rate either: "zero_negative_margin" would tell a sale at a loss
    assert shown["lines"][0] == {"ref": "A", "unit_price": "290.00", "total": "290.00", "condition": "used"}
    assert shown["lines"][1]["vat"] == "5.00"
    assert shown["vat"] == {"normal": {"base": "25.00", "vat": "5.00"}}
    assert visibility.sale_for(sale, True) is sale


def test_the_till_runs_two_bulk_actions_and_every_action_has_a_decision() -> None:
    for action in TRANSITIONS:
        needed = route_permission("POST", "/api/actions/{action}", {"action": action})
        assert needed == f"action:{action}"
        assert may(Profile.MANAGER, needed) and may(Profile.COLLABORATOR, needed)
    assert {a for a in TRANSITIONS if may(Profile.SHOP, f"action:{a}")} == {"sell", "labels"}
    assert route_permission("POST", "/api/nowhere") is None


def test_the_company_card_hides_the_price_code_cipher_and_unnamed_settings() -> None:
    settings = {"company_name": "Brocante", "invoicing": {"auto": True}, "price_code_cipher": "BRICOLAGEX",
                "consignment_commission_rate": "0.25"}
    assert visibility.company_for(settings, False) == {"company_name": "Brocante", "invoicing": {"auto": True}}
    assert visibility.company_for(settings, True) == settings


def test_a_used_article_sold_at_a_loss_does_not_say_so_to_the_shop() -> None:
    sold = {"ref": "A", "status": "sold", "condition": "used", "vat_rate": "zero_negative_margin",
            "vat_rate_before_sale": "intermediate", "sale_price": "10.00", "purchase_price": "30.00", "traces": []}
    assert visibility.article_for(sold, False)["vat_rate"] == "intermediate"
    assert visibility.filterable(sold, False)["vat_rate"] == "intermediate"  # ?vat_rate= cannot find it either
    assert visibility.article_for(sold, True)["vat_rate"] == "zero_negative_margin"
    loss = {"transaction_ref": "V2", "total": "10.00", "lines": [
        {"ref": "A", "unit_price": "10.00", "total": "10.00", "vat": "0.00", "total_excl_vat": "0.00",
         "vat_rate": "zero_negative_margin", "vat_rate_percent": "0", "condition": "used"}]}
    assert "zero_negative_margin" not in str(visibility.sale_for(loss, False))
