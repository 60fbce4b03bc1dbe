"""Journal des événements in a browser: the manager's logins and a settings change listed with
their seal (rank, SHA-256), the filter by kind, the print button and its print layout; no
link to it for a collaborator."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.helpers import DESKTOP, Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def sealed_events(shop: Shop, kinds: list[str]) -> list[dict[str, Any]]:
    """The event log once ``kinds`` (repeats counted) are sealed (sealing follows the write)."""
    deadline = time.monotonic() + 15
    while True:
        reply = shop.api.get("/api/compliance/events?page_size=500")
        assert reply.status == 200, reply.body
        items = list(reply.body["items"])
        found = [e["kind"] for e in items]
        if all(found.count(k) >= kinds.count(k) for k in kinds) or time.monotonic() > deadline:
            return items
        time.sleep(0.25)


def test_the_manager_reads_filters_and_prints_the_event_log(
        page: Page, browser: Browser, base_url: str, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    collaborator = shop.user("collaborator")
    assert shop.api.put("/api/company", {"vat_number": "FR32123456789"}).status == 200
    sign_in(page, shop.email)
    events = sealed_events(shop, ["login", "login", "settings_changed", "user_created"])  # API's, browser's
    changed = next(e for e in events if e["kind"] == "settings_changed")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Conformité").click()
    page.get_by_role("link", name="Journal des événements").click()
    expect(page.get_by_role("heading", name="Journal des événements")).to_be_visible()
    log = page.get_by_role("region", name="Journal des événements")
    expect(log).to_contain_text("Connexion")
    expect(log).to_contain_text("Utilisateur créé")
    expect(log).to_contain_text("Paramètres modifiés")
    expect(log).to_contain_text("N° de TVA intracommunautaire : — → FR32123456789")
    expect(log).to_contain_text(shop.email)
    expect(log).to_contain_text(changed["sha256"])
    # the newest first: the login of this browser session heads the list
    expect(log.locator("tbody tr").first.locator(".event-label")).to_have_text("Connexion")
    shoot(page, "60-journal-des-evenements")

    # the filter by kind, kept in the address
    page.get_by_label("Type d'événement").select_option(label="Paramètres modifiés")
    page.get_by_role("button", name="Afficher").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log.locator("tbody tr").first).to_contain_text(str(changed["rank"]))
    assert "kind=settings_changed" in page.url
    # a day with no event
    page.get_by_label("Du", exact=True).fill("2001-01-01")
    page.get_by_label("Au", exact=True).fill("2001-01-31")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("Aucun événement pour ces critères.")).to_be_visible()
    page.get_by_role("button", name="Effacer").click()
    expect(log.locator("tbody tr").first).to_be_visible()

    # the print button prints the list as shown; the print layout keeps the table, not the filters
    page.evaluate("() => { window.__printed = []; window.print = () => { window.__printed.push('print'); }; }")
    page.get_by_role("button", name="Imprimer").click()
    printed = page.evaluate("window.__printed")
    assert len(printed) == 1, printed
    page.emulate_media(media="print")
    expect(page.get_by_role("search", name="Filtres du journal")).to_be_hidden()
    expect(page.locator(".events-criteria")).to_be_visible()
    expect(page.locator(".events-criteria")).to_contain_text("Journal des événements — tous les types")
    expect(log).to_be_visible()
    page.emulate_media(media="screen")

    # a collaborator has no link to it, and the screen refuses him
    context = browser.new_context(**DESKTOP, base_url=base_url)
    try:
        other = context.new_page()
        sign_in(other, collaborator)
        other.goto("/#/conformite")
        expect(other.get_by_role("link", name="Rapports de contrôle")).to_be_visible()
        expect(other.get_by_role("link", name="Journal des événements")).to_have_count(0)
        other.goto("/#/conformite/evenements")
        expect(other.get_by_text("ne donne pas accès à cet écran")).to_be_visible()
    finally:
        context.close()
