"""The inspector's guide in a browser: reached from the login screen before any session,
and from Conformité once signed in; the same text as docs/inspection.md."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import shoot, sign_in
from tests.e2e.conftest import RunningStack
from tests.support import sign_up

pytestmark = pytest.mark.e2e


def test_an_inspector_reads_the_guide_without_an_account_and_a_manager_from_conformite(
        page: Page, stack: RunningStack) -> None:
    page.goto("/#/connexion")
    page.get_by_role("link", name="Guide de l'inspecteur").click()
    expect(page.get_by_role("heading", name="Guide de l'inspecteur", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="6. Les archives fiscales et le vérificateur autonome")).to_be_visible()
    chains = page.locator(".guide table").first
    expect(chains).to_contain_text("police_register")
    expect(chains).to_contain_text("Les tickets fictifs du mode formation")
    expect(page.locator(".guide pre code")).to_contain_text("python3 lotbook_verify.py")
    shoot(page, "90-guide-inspecteur")

    tenant = sign_up(stack.api(), company="Brocante du Guide")
    sign_in(page, tenant.email)
    page.goto("/#/conformite")
    page.get_by_role("link", name="Guide de l'inspecteur").click()
    expect(page.get_by_role("heading", name="4. Le journal des événements")).to_be_visible()
    expect(page.get_by_role("link", name="‹ Conformité")).to_be_visible()
