"""« Consultations du registre » in a browser: the purpose typed on the police register's
screen travels with its reads, and the manager finds each read — who, when, what, why —
in the consultation log, filtered by day; a collaborator is not offered the log."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.helpers import DESKTOP, Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

PURPOSE = "Réquisition OPJ n° 2026/118"


def sealed_consultations(shop: Shop, purpose: str) -> list[dict[str, Any]]:
    """The log once the reads made with ``purpose`` are sealed (sealing follows the write)."""
    deadline = time.monotonic() + 15
    while True:
        items = shop.api.get("/api/compliance/consultations?page_size=500").body["items"]
        if any(i["purpose"] == purpose for i in items) or time.monotonic() > deadline:
            return list(items)
        time.sleep(0.25)


def test_the_purpose_typed_on_the_register_is_logged_and_the_manager_reads_the_log(
        page: Page, browser: Browser, base_url: str, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    ref = shop.lot([{"description": "Commode Louis XV", "purchase_price": "300.00"}])["lot"]["ref"]
    collaborator = shop.user("collaborator")

    sign_in(page, shop.email)
    page.goto("/#/conformite/livre-de-police")
    expect(page.get_by_role("heading", name="Livre de police")).to_be_visible()
    page.get_by_label("Motif de la consultation (facultatif)").fill(PURPOSE)
    page.get_by_label("Lot (référence)").fill(ref)
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("table", name="Livre de police")).to_contain_text(ref)

    items = sealed_consultations(shop, PURPOSE)
    mine = [(i["what"], i["purpose"], i["who"]) for i in items]
    assert (f"police_files?lot={ref}&page=1&page_size=50", PURPOSE, shop.email) in mine, mine
    assert ("police_files?page=1&page_size=50", "Gestion courante", shop.email) in mine, mine  # before typing

    page.goto("/#/conformite")
    page.get_by_role("link", name="Consultations du registre").click()
    expect(page.get_by_role("heading", name="Consultations du registre")).to_be_visible()
    log = page.get_by_role("table", name="Consultations du livre de police")
    first = log.locator("tbody tr").first
    expect(first).to_contain_text("Livre de police (liste)")
    expect(first).to_contain_text(f"lot={ref}")
    expect(first).to_contain_text(PURPOSE)
    expect(first).to_contain_text(shop.email)
    expect(log).to_contain_text("Gestion courante")
    shoot(page, "45-consultations-du-registre")

    tomorrow = (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)).isoformat()
    page.get_by_label("Consultées à partir du").fill(tomorrow)
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_text("Aucune consultation sur cette période.")).to_be_visible()

    # the collaborator reads the register but not who read it
    context = browser.new_context(**DESKTOP, base_url=base_url)
    other = context.new_page()
    sign_in(other, collaborator)
    other.goto("/#/conformite")
    expect(other.get_by_role("link", name="Livre de police")).to_be_visible()
    expect(other.get_by_role("link", name="Consultations du registre")).to_have_count(0)
    other.goto("/#/conformite/consultations")
    expect(other.get_by_text("ne donne pas accès à cet écran")).to_be_visible()
    context.close()


def test_an_inspector_s_requests_read_in_french_with_their_service_and_what_was_refused(
        page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    ref = shop.lot([{"description": "Bergère", "purchase_price": "120.00"}])["lot"]["ref"]
    access = shop.api.post("/api/inspector-access", {
        "inspector": "Capitaine Marie Dupuis", "service": "gendarmerie", "purpose": "Contrôle du registre",
        "days": 1, "email": "m.dupuis@gendarmerie.interieur.gouv.fr"}, headers={"Origin": "https://lotbook.example"})
    assert access.status == 201, access.body
    session = shop.api.as_(None).post("/api/inspector/login", {"code": access.body["code"]})
    assert session.status == 200, session.body
    inspector = shop.api.as_(session.body["id_token"])
    assert inspector.get("/api/compliance/police-files?page=1").status == 200
    assert inspector.get("/api/articles").status == 403

    sign_in(page, shop.email)
    page.goto("/#/conformite/consultations")
    log = page.get_by_role("table", name="Consultations du livre de police")
    rows = log.locator("tbody tr")
    expect(rows.first).to_contain_text("Lecture : Articles")  # newest first: the refused request
    expect(rows.first).to_contain_text("Autre accès — refusée")
    expect(rows.first).to_contain_text("Inspecteur : Capitaine Marie Dupuis (Gendarmerie nationale)")
    expect(rows.nth(1)).to_contain_text("Lecture : Livre de police (liste)")
    expect(rows.nth(1)).to_contain_text("filtres : page=1")
    expect(rows.nth(1)).to_contain_text("Lecture du registre")
    expect(rows.nth(1)).to_contain_text("Contrôle du registre")
    expect(log).to_contain_text("Connexion de l'inspecteur (code d'accès)")
    expect(log).not_to_contain_text("GET /api")
    expect(log).not_to_contain_text("(gendarmerie)")
    assert ref
