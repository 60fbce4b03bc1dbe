"""Training mode in a browser: the switch in the header, the banner on every screen while it
is on, a fictitious sale whose receipt says "FICTIF — MODE FORMATION" and leaves the article
in stock, then the switch off and the banner gone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

BANNER = "MODE FORMATION — les ventes sont fictives"


def test_the_switch_shows_the_banner_on_every_screen_and_sales_are_fictitious(
        page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    committed = shop.lot([{"description": "Lampe bouillotte", "purchase_price": "20.00", "label_price": "45.00"}])
    ref = committed["articles"][0]["ref"]
    assert shop.api.post("/api/selection/add", {"refs": [ref]}).status == 200
    sign_in(page, shop.email)
    banner = page.locator("#training-banner")
    expect(banner).to_be_hidden()

    switch = page.get_by_role("button", name="Mode formation")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(BANNER)
    expect(switch).to_have_attribute("aria-pressed", "true")
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Lots").click()
    expect(page.get_by_role("heading", name="Lots d'achat et prises en confié")).to_be_visible()
    expect(banner).to_be_visible()
    page.reload()  # the mode is the account's (GET /api/me), not the page's
    expect(banner).to_contain_text(BANNER)

    menu.get_by_role("link", name="Sélection").click()
    expect(banner).to_be_visible()
    page.get_by_label("Action groupée", exact=True).select_option(label="Vendre")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    sell = page.get_by_role("dialog", name="Vendre — sélection")
    sell.get_by_label("Moyen de paiement").select_option(label="Espèces")
    sell.get_by_role("button", name="Vendre (1)").click()
    result = sell.locator(".sale-result")
    expect(result).to_contain_text("FICTIF — MODE FORMATION")
    expect(result).to_contain_text("45,00 €")
    expect(result).to_contain_text("F01-00000001")
    sell.get_by_role("link", name="Voir le ticket de caisse").click()
    receipt = page.locator(".receipt")
    expect(receipt.locator(".receipt-training")).to_have_text("FICTIF — MODE FORMATION")
    expect(receipt).to_contain_text("Ticket n° F01-00000001")
    expect(receipt).to_contain_text("Lampe bouillotte")
    expect(banner).to_be_visible()
    shoot(page, "70-vente-fictive-mode-formation")
    assert shop.api.get(f"/api/articles/{ref}").body["status"] == "stock"

    switch.click()
    expect(banner).to_be_hidden()
    expect(switch).to_have_attribute("aria-pressed", "false")
    menu.get_by_role("link", name="Articles").click()
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    expect(banner).to_be_hidden()
    assert shop.api.get("/api/me").body["training"] is False
