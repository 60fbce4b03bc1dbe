"""Archives fiscales in a browser: an open period refused in French, a closed one built,
listed, downloaded through a fresh link and checked by the standalone verifier."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

VERIFIER = Path(__file__).resolve().parents[3] / "chalicelib" / "verifier" / "lotbook_verify.py"


def test_a_manager_builds_downloads_and_verifies_the_fiscal_archive_of_a_closed_month(
        page: Page, stack: RunningStack, tmp_path: Path) -> None:
    shop = Shop(stack.api())
    sign_in(page, shop.email)
    page.goto("/#/conformite")
    page.get_by_role("link", name="Archives fiscales").click()
    expect(page.get_by_role("heading", name="Archives fiscales")).to_be_visible()
    expect(page.get_by_text("Aucune archive fiscale pour l'instant.")).to_be_visible()

    # This month is not closed: refused, in French.
    period = page.get_by_label("Période (AAAA-MM ou AAAA)")
    period.fill(f"{date.today():%Y-%m}")
    page.get_by_role("button", name="Constituer l'archive").click()
    expect(page.get_by_role("alert")).to_contain_text("n'est pas encore clôturée")
    period.fill("2025-13")
    page.get_by_role("button", name="Constituer l'archive").click()
    expect(page.locator('[data-field="period"] .field-error')).to_contain_text("AAAA-MM")

    # A past month without tickets: closed, archived.
    period.fill("2025-06")
    page.get_by_role("button", name="Constituer l'archive").click()
    archives = page.get_by_role("table", name="Archives fiscales")
    expect(archives).to_contain_text("juin 2025")
    expect(archives).to_contain_text("Prête")
    shoot(page, "66-archives-fiscales")

    page.get_by_role("button", name="Télécharger l'archive juin 2025").click()
    link = page.get_by_role("link", name="Télécharger lotbook-archive-fiscale-2025-06.zip")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert url and url.startswith("http")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local stack
        (tmp_path / "archive.zip").write_bytes(response.read())
    # The screen gives the command with the manifest's sealed SHA-256: with it, « intègre »;
    # without it, the verifier only says the files match a manifest it could not hold to the seal.
    command = page.get_by_label("Commande de vérification — juin 2025").inner_text()
    sealed = command.split("--manifest-sha256 ")[1].split()[0]
    assert len(sealed) == 64, command

    def verify(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), *options, str(tmp_path / "archive.zip")],
                              capture_output=True, text=True, timeout=60, check=False)

    done = verify("--manifest-sha256", sealed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "l'archive est intègre" in done.stdout
    unchecked = verify()
    assert unchecked.returncode == 3 and "non vérifié contre l'empreinte scellée" in unchecked.stdout

    # The verification of the registers checks the stored archive against its sealed event too.
    page.goto("/#/conformite")
    page.get_by_role("button", name="Vérifier l'intégrité des registres").click()
    expect(page.get_by_role("alert")).to_contain_text("Vérification réussie")
    expect(page.get_by_role("table", name="Archives fiscales vérifiées")).to_contain_text("Conforme au scellé")

    # The shop profile has no such screen.
    cashier = shop.user("shop")
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, cashier)
    page.goto("/#/conformite/archives")
    expect(page.get_by_text("ne donne pas accès à cet écran")).to_be_visible()
