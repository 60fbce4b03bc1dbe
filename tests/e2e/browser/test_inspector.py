"""Accès inspecteurs in a browser: the manager grants an access and sees the link and the code
once; a control agent, in a browser of their own, opens the link, types the code and gets a
read-only session: the banner on every screen, the register, and no menu entry or button that
writes (but the inspection report)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.helpers import DESKTOP, Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_a_manager_grants_an_access_and_the_inspector_reads_the_register_only(
        page: Page, browser: Browser, base_url: str, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    lot = shop.lot([{"description": "Commode Louis XV", "purchase_price": "800.00"}])["lot"]["ref"]
    sign_in(page, shop.email)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accès inspecteurs").click()
    expect(page.get_by_role("heading", name="Accès inspecteurs", exact=True)).to_be_visible()
    page.get_by_label("Nom de l'inspecteur").fill("Capitaine Marie Dupuis")
    page.get_by_label("Service").select_option(label="Gendarmerie nationale")
    page.get_by_label("Motif du contrôle").fill("Contrôle du livre de police")
    page.get_by_label("Durée (jours)").fill("2")
    page.get_by_role("button", name="Accorder l'accès").click()
    expect(page.get_by_role("heading", name="Accès accordé à Capitaine Marie Dupuis")).to_be_visible()
    code = page.locator("[data-code]").inner_text()
    url = page.locator("[data-url]").inner_text()
    assert url.startswith(base_url) and "#/inspection/acces?id=" in url
    granted = page.get_by_role("table", name="Accès accordés")
    expect(granted).to_contain_text("Capitaine Marie Dupuis")
    expect(granted).to_contain_text("Code non utilisé")
    expect(granted).to_contain_text("Gendarmerie nationale")  # the API's label (service_label)
    shoot(page, "70-acces-inspecteurs")

    # the inspector, elsewhere: the link, the code, a read-only session
    context = browser.new_context(**DESKTOP, base_url=base_url)
    inspector = context.new_page()
    errors: list[str] = []
    inspector.on("pageerror", lambda error: errors.append(str(error)))
    inspector.goto(url)
    expect(inspector.get_by_role("heading", name="Accès inspecteur")).to_be_visible()
    inspector.get_by_label("Code d'accès").fill(code)
    inspector.get_by_role("button", name="Ouvrir la session").click()
    banner = inspector.locator("#inspector-banner")
    expect(banner).to_contain_text("Session inspecteur — lecture seule")
    expect(banner).to_contain_text("Capitaine Marie Dupuis (Gendarmerie nationale)")
    expect(inspector.get_by_role("heading", name="Conformité")).to_be_visible()
    menu = inspector.get_by_role("navigation", name="Menu principal").get_by_role("link")
    expect(menu).to_have_text(["Accueil", "Conformité"])

    inspector.get_by_role("link", name="Livre de police").first.click()
    expect(inspector.get_by_role("heading", name="Livre de police")).to_be_visible()
    expect(inspector.get_by_role("table", name="Livre de police")).to_contain_text(lot)
    expect(banner).to_be_visible()
    shoot(inspector, "71-inspecteur-livre-de-police")
    # nothing that writes: no lot entry, no selection, no till, no settings
    for name in ("Saisie de lot", "Articles", "Sélection", "Société", "Utilisateurs", "Accès inspecteurs"):
        expect(inspector.get_by_role("link", name=name, exact=True)).to_have_count(0)
    inspector.goto(f"{base_url}/#/")
    expect(inspector.get_by_role("heading", name="Antiquités Test")).to_be_visible()
    expect(inspector.get_by_role("form", name="Scan d'un article")).to_have_count(0)
    inspector.goto(f"{base_url}/#/saisie")
    expect(inspector.get_by_text("ne donne pas accès à cet écran")).to_be_visible()
    context.close()
    assert errors == []

    # the manager sees the access in use
    page.reload()
    expect(page.get_by_role("table", name="Accès accordés")).to_contain_text("Session ouverte")
