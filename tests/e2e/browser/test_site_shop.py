"""The shop profile: no purchase price on any screen it can open, and none in
what the API sent its browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import ApiLog, Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

PURCHASE_KEYS = {"purchase_price", "price_incl_tmp", "tmp_due", "tmp_rate", "margin", "margin_total",
                 "purchase_total", "price_code", "price_code_cipher"}


def no_purchase_price_shown(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert "417,23" not in text and "417.23" not in text, text
    assert "Prix d'achat" not in text, text


def test_the_shop_sees_no_purchase_price(page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    committed = shop.lot([{"description": "Commode Louis-Philippe", "purchase_price": "417.23",
                           "label_price": "950.00"}], tmp=False)
    lot_ref, article_ref = committed["lot"]["ref"], committed["articles"][0]["ref"]
    assert shop.api.patch(f"/api/articles/{article_ref}", {"label_price": "990.00",
                                                          "reason": "Étiquette refaite"}).status == 200
    cashier = shop.user("shop")

    log = ApiLog(page)
    sign_in(page, cashier)
    expect(page.locator(".profile-name")).to_have_text("Boutique")
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link")).to_have_text(
        ["Accueil", "Saisie de lot", "Lots", "Articles", "Sélection", "Fournisseurs", "Clients"])
    no_purchase_price_shown(page)

    page.goto("/#/lots")
    expect(page.get_by_role("link", name=lot_ref)).to_be_visible()
    no_purchase_price_shown(page)
    expect(page.get_by_role("button", name="Σ Synthèse")).to_have_count(0)

    page.goto(f"/#/lots/{lot_ref}")
    expect(page.get_by_role("table", name=f"Articles du lot {lot_ref}")).to_contain_text("Commode Louis-Philippe")
    expect(page.get_by_role("heading", name="Corriger le lot")).to_have_count(0)
    expect(page.get_by_role("heading", name="Rétractation")).to_have_count(0)
    expect(page.get_by_role("link", name="Étiquettes (PDF)")).to_be_visible()
    expect(page.get_by_role("link", name="Bordereau d'achat (PDF)")).to_have_count(0)
    no_purchase_price_shown(page)
    shoot(page, "10-boutique-lot")

    page.goto(f"/#/articles/{article_ref}")
    expect(page.locator(".facts")).to_contain_text("990,00 €")
    expect(page.get_by_role("table", name=f"Traces de l'article {article_ref}")).to_contain_text("Étiquette refaite")
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    no_purchase_price_shown(page)

    page.goto("/#/articles")
    expect(page.get_by_role("table", name="Articles trouvés")).to_contain_text(article_ref)
    page.locator("summary", has_text="Colonnes affichées").click()
    expect(page.locator("[data-column=purchase_price]")).to_have_count(0)
    actions = page.get_by_label("Action groupée", exact=True)
    expect(actions.locator("option")).to_have_text(["Vendre", "Imprimer les étiquettes"])
    expect(page.get_by_role("link", name="Exporter (CSV)")).to_have_count(0)
    no_purchase_price_shown(page)
    shoot(page, "11-boutique-articles")

    page.get_by_label("Scanner ou saisir une référence").fill(article_ref)
    page.get_by_label("Scanner ou saisir une référence").press("Enter")
    expect(page.locator(".scan-ok")).to_contain_text(article_ref)
    page.goto("/#/selection")
    expect(page.get_by_role("table", name="Articles sélectionnés")).to_contain_text(article_ref)
    no_purchase_price_shown(page)

    page.goto("/#/societe")
    expect(page.get_by_role("alert")).to_contain_text("Votre profil (Boutique) ne donne pas accès à cet écran.")
    page.goto("/#/utilisateurs")
    expect(page.get_by_role("alert")).to_contain_text("ne donne pas accès")
    # the site asks GET /api/me's permissions, as the API does: no inspection form, no media editing
    page.goto("/#/conformite/controles")
    expect(page.get_by_role("alert")).to_contain_text("ne donne pas accès")
    expect(page.get_by_role("form", name="Nouveau rapport de contrôle")).to_have_count(0)
    page.goto(f"/#/articles/{article_ref}")
    expect(page.locator(".facts")).to_contain_text("990,00 €")
    page.wait_for_load_state("networkidle")  # the media list has answered: nothing to add nor edit
    expect(page.get_by_text("Ajouter un média")).to_have_count(0)

    # what the API sent: nothing about purchase prices (only its own draft shows what it typed)
    leaked = {url: keys & PURCHASE_KEYS for url, keys in log.keys(skip=("/api/lots/draft",)).items()}
    assert {url: keys for url, keys in leaked.items() if keys} == {}
    seen = " ".join(url for url, _ in log.answers)
    for path in ("/api/lots?", f"/api/lots/{lot_ref}", f"/api/articles/{article_ref}", "/api/articles?",
                 "/api/selection", f"/api/articles/{article_ref}/history"):
        assert path in seen, (path, seen)
