"""Select all results of a filter: the references of the search, in its order, read
without whole articles when keys or slim copies suffice (issue 17, item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.repositories import articles as articles_repo
from tests.support import TenantSession


@pytest.fixture
def stocked(tenant: TenantSession) -> dict[str, Any]:
    """Nine articles of two families; four sold to a client in two months."""
    api = tenant.api
    rings = api.post("/api/families", {"label": "Bagues"}).body["id"]
    chairs = api.post("/api/families", {"label": "Chaises"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Roux"}).body["id"]
    client = api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    api.put("/api/lots/draft", {"supplier_id": supplier, "purchase_date": "2020-03-14", "purchase_price": "90.00",
                                "payment_method": "card"})
    for n in range(9):
        api.post("/api/lots/draft/lines", {"description": f"Objet {n}", "family_id": rings if n % 2 else chairs,
                                           "purchase_price": "10.00", "label_price": f"{20 + n}.00"})
    refs = [a["ref"] for a in api.post("/api/lots/draft/commit", {"mode": "purchase"}).body["articles"]]
    for sold, day in ((refs[0:2], "2021-01-05"), (refs[4:6], "2021-02-10")):
        reply = api.post("/api/actions/sell", {"refs": sold, "date": day, "payment_method": "card",
                                               "client_id": client})
        assert reply.status == 200, reply.body
    return {"api": api, "refs": refs, "rings": rings, "client": client}


FILTERS = [
    {"status": "sold"},
    {"status": "sold", "sort": "ref"},
    {"status": "stock"},
    {"sale_from": "2021-01-01", "sale_to": "2021-01-31"},
    {"sale_from": "2021-02-01", "sort": "sale_date"},
    {"family_id": "<rings>"},
    {"family_id": "<rings>", "status": "sold"},
    {"client_id": "<client>", "sort": "-label_price"},
    {"price_min": "24"},
    {},
    {"q": "objet"},
]


@pytest.mark.parametrize("params", FILTERS, ids=[str(f) for f in FILTERS])
def test_select_all_keeps_the_references_the_search_lists_in_its_order(stocked: dict[str, Any],
                                                                       params: dict[str, str]) -> None:
    api = stocked["api"]
    params = {k: v.replace("<rings>", stocked["rings"]).replace("<client>", stocked["client"])
              for k, v in params.items()}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    listed = api.get(f"/api/articles?page_size=100&{query}")
    if listed.status == 400:  # a filter this version does not know: both refuse it
        assert api.post("/api/selection/add", {"filter": params}).status == 400
        return
    assert listed.status == 200, listed.body
    expected = [a["ref"] for a in listed.body["items"]]
    assert api.delete("/api/selection").status == 204
    added = api.post("/api/selection/add", {"filter": params})
    assert added.status == 200, added.body
    assert added.body == {"refs": expected, "count": len(expected)}
    removed = api.post("/api/selection/remove", {"filter": params})
    assert removed.body == {"refs": [], "count": 0}


def test_select_all_of_a_status_reads_keys_only(stocked: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    api, refs = stocked["api"], stocked["refs"]
    whole: list[str] = []
    original = articles_repo.article_from_item
    monkeypatch.setattr(articles_repo, "article_from_item", lambda item: whole.append(item.ref) or original(item))
    added = api.post("/api/selection/add", {"filter": {"status": "sold"}}).body
    assert added["refs"] == sorted(refs[0:2] + refs[4:6], reverse=True)  # the search's default sort: -ref
    assert api.post("/api/selection/add", {"filter": {"sale_from": "2021-02-01"}}).body["count"] == 4
    assert whole == []  # no article read whole for a list of references
