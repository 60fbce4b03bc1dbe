"""Between subscribers in a browser: the buyer fills the seller's card from its
subscriber reference, the seller's sale arrives as a pending lot, the buyer
chooses the families and finalizes it into a lot with its own references."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_a_sale_from_a_colleague_is_finalized_into_the_buyers_stock(page: Page, stack: RunningStack) -> None:
    seller, buyer = Shop(stack.api()), Shop(stack.api())
    assert seller.api.put("/api/company", {"company_name": "Brocante Vendeuse", "city": "Metz",
                                           "postcode": "57000", "siren": "812345678"}).status == 200
    committed = seller.lot([{"description": "Chevet Louis XV", "purchase_price": "80.00"},
                            {"description": "Miroir doré", "purchase_price": "40.00", "serial": "M-9"}])
    refs = [a["ref"] for a in committed["articles"]]
    buyer_ref = buyer.api.get("/api/company").body["subscriber_ref"]
    seller_ref = seller.api.get("/api/company").body["subscriber_ref"]
    client = seller.api.post("/api/clients", {"company_name": "Antiquités Test", "subscriber_ref": buyer_ref})

    # the buyer creates the seller as a supplier from its subscriber reference
    sign_in(page, buyer.email)
    page.goto("/#/fournisseurs")
    page.get_by_role("link", name="Nouveau fournisseur").click()
    page.get_by_label("Réf. abonné Lotbook").fill(seller_ref.lower())
    page.get_by_role("button", name="Remplir depuis la réf. abonné").click()
    expect(page.get_by_label("Société (raison sociale)")).to_have_value("Brocante Vendeuse")
    expect(page.get_by_label("Ville", exact=True)).to_have_value("Metz")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_text("Fournisseur « Brocante Vendeuse » créé.")).to_be_visible()

    # the seller sells both articles to the buyer
    sold = seller.api.post("/api/actions/sell", {"refs": refs, "client_id": client.body["id"], "date": "2024-05-02",
                                                 "payment_method": "transfer",
                                                 "prices": {refs[0]: "150.00", refs[1]: "70.00"}})
    assert sold.status == 200, sold.body

    page.goto("/#/lots")
    page.get_by_role("link", name="Lots en attente de finition").click()
    expect(page.get_by_role("heading", name="Achat de Brocante Vendeuse — 02/05/2024")).to_be_visible()
    expect(page.get_by_role("cell", name="Chevet Louis XV")).to_be_visible()
    expect(page.get_by_role("cell", name="M-9")).to_be_visible()
    shoot(page, "transfers-01-en-attente")

    # without families the commit is refused, in French, and nothing is entered
    page.get_by_role("button", name="Finaliser le lot").click()
    expect(page.get_by_role("alert")).to_contain_text("Famille manquante")
    page.get_by_label("Famille de l'article 1").select_option(label="Mobilier")
    page.get_by_label("Famille pour tous les articles").select_option(label="Mobilier")
    page.get_by_role("button", name="Finaliser le lot").click()
    expect(page.get_by_text("enregistré en achat : 2 article(s)")).to_be_visible()
    lot = buyer.api.get("/api/lots").body["items"][0]
    assert lot["purchase_price"] == "220.00" and lot["purchase_date"] == "2024-05-02"
    page.goto("/#/lots/en-attente")
    expect(page.get_by_text("Aucun lot en attente.")).to_be_visible()
