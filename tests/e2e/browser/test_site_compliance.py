"""Conformité in a browser: the lot's sealed versions in the police register, the
stored record read back, the verification, an inspection report with its
fingerprints, a backup job followed to its file, a real contract PDF; none of it
for the shop profile."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.helpers import DESKTOP, Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

VERIFIER = Path(__file__).resolve().parents[3] / "chalicelib" / "verifier" / "lotbook_verify.py"
REPORT = "Contrôle du livre de police du 22/11.\nRegistre tenu à jour, pièces d'identité relevées."


def sealed_versions(shop: Shop, ref: str) -> list[dict[str, Any]]:
    """The lot's versions once sealed (sealing follows the commit by a second or two)."""
    deadline = time.monotonic() + 15
    while True:
        reply = shop.api.get(f"/api/lots/{ref}/police-files")
        assert reply.status == 200, reply.body
        if reply.body["items"] or time.monotonic() > deadline:
            return list(reply.body["items"])
        time.sleep(0.25)


def test_a_manager_reads_the_sealed_register_and_files_an_inspection_report(
        page: Page, browser: Browser, base_url: str, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    ref = shop.lot([{"description": "Secrétaire à abattant", "purchase_price": "180.00"}])["lot"]["ref"]
    cashier = shop.user("shop")

    sign_in(page, shop.email)
    page.goto(f"/#/lots/{ref}")
    versions = sealed_versions(shop, ref)
    assert [v["version"] for v in versions] == [1]
    sha256 = versions[0]["sha256"]
    register = page.get_by_role("table", name=f"Versions scellées du lot {ref}")
    expect(register).to_contain_text("Enregistrement du lot")
    expect(register.locator("code.hash").first).to_have_text(sha256)
    shoot(page, "40-lot-livre-de-police")

    # the stored record, readable
    register.get_by_role("link", name=f"lot {ref}, version 1").click()
    expect(page.get_by_role("heading", name="Livre de police — enregistrement n° 1")).to_be_visible()
    expect(page.locator(".facts address")).to_contain_text("Lefèvre Jean")
    expect(page.get_by_role("table", name="Articles de la version 1")).to_contain_text("Secrétaire à abattant")
    expect(page.locator(".facts").last).to_contain_text(sha256)
    expect(page.locator(".facts").last).to_contain_text("0" * 64)  # the first of the chain
    shoot(page, "41-livre-de-police-enregistrement")

    # the verification
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Conformité").click()
    page.get_by_role("button", name="Vérifier l'intégrité des registres").click()
    expect(page.get_by_role("alert")).to_contain_text("Vérification réussie")
    expect(page.get_by_role("table", name="Chaînes vérifiées")).to_contain_text(sha256)
    shoot(page, "42-conformite-verification")
    # the standalone verifier, downloaded as is (public route: no token needed)
    with page.expect_download() as verifier:
        page.get_by_role("link", name="Télécharger le vérificateur autonome").click()
    assert verifier.value.suggested_filename == "lotbook_verify.py"
    assert verifier.value.path().read_bytes() == VERIFIER.read_bytes()

    # an inspection report: its MD5 and SHA-256 shown; nothing to edit or delete
    page.get_by_role("link", name="Rapports de contrôle").click()
    page.get_by_role("button", name="Déposer le rapport").click()
    expect(page.locator('[data-field="inspector"] .field-error')).not_to_be_empty()
    page.get_by_label("Nom de l'agent").fill("Brigadier Martin")
    page.get_by_label("Service").fill("Police nationale — Nancy")
    page.get_by_label("E-mail de l'agent").fill("b.martin@interieur.gouv.fr")
    page.get_by_label("Texte du rapport").fill(REPORT)
    page.get_by_role("button", name="Déposer le rapport").click()
    expect(page.get_by_role("alert")).to_contain_text("Rapport déposé")
    reports = page.get_by_role("table", name="Rapports de contrôle")
    expect(reports).to_contain_text(hashlib.md5(REPORT.encode()).hexdigest())  # noqa: S324 - the report's MD5
    expect(reports).to_contain_text(hashlib.sha256(REPORT.encode()).hexdigest())
    expect(reports).to_contain_text("Brigadier Martin")
    expect(reports.get_by_role("button")).to_have_count(0)
    shoot(page, "43-rapports-de-controle")

    # year end: a backup followed to its file; a closure asks twice (cancelled here)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Fin d'année").click()
    page.get_by_label("Titre (facultatif)").fill("Avant contrôle")
    page.get_by_role("button", name="Lancer une sauvegarde").click()
    expect(page.get_by_text("Sauvegarde : terminé.")).to_be_visible()
    expect(page.get_by_role("list", name="Fichiers — Sauvegarde").get_by_role("link")).to_contain_text(".jsonl.gz")
    expect(page.get_by_role("table", name="Archives")).to_contain_text("Avant contrôle")
    closure = page.get_by_role("form", name="Clôture")
    closure.get_by_label("Titre").fill("Exercice 2024")
    closure.get_by_label("Jusqu'au (inclus)").fill("2024-12-31")
    closure.get_by_role("button", name="Clôturer").click()
    page.get_by_role("dialog", name="Confirmation").get_by_role("button", name="Oui, clôturer").click()
    second = page.get_by_role("dialog", name="Confirmation")
    expect(second).to_contain_text("Confirmez une seconde fois")
    shoot(page, "44-fin-d-annee")
    second.get_by_role("button", name="Annuler").click()
    expect(page.get_by_role("table", name="Archives").get_by_role("row")).to_have_count(2)

    # the contract, a real PDF fetched with the token
    page.goto(f"/#/lots/{ref}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le bordereau d'achat").click()
    assert download.value.suggested_filename == f"bordereau-{ref}.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")

    # the shop profile: no compliance menu, no compliance screen
    context = browser.new_context(**DESKTOP, base_url=base_url)
    try:
        other = context.new_page()
        sign_in(other, cashier)
        menu = other.get_by_role("navigation", name="Menu principal")
        expect(menu.get_by_role("link", name="Accueil")).to_be_visible()
        expect(menu.get_by_role("link", name="Conformité")).to_have_count(0)
        expect(menu.get_by_role("link", name="Fin d'année")).to_have_count(0)
        other.goto("/#/conformite")
        expect(other.get_by_role("heading", name="Écran indisponible")).to_be_visible()
        other.goto(f"/#/lots/{ref}")
        expect(other.get_by_role("table", name=f"Articles du lot {ref}")).to_be_visible()
        expect(other.get_by_role("heading", name="Livre de police")).to_have_count(0)
    finally:
        context.close()
