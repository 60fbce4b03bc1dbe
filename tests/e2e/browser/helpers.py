"""What the site's browser tests share: launch settings, screenshots, sign-in,
and companies prepared through the API (the screens under test are the point,
not the set-up)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from infrastructure.definitions import ROOT
from tests.support import PASSWORD, Api, TenantSession, sign_up

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync", "--lang=fr-FR"]
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}
ARTIFACTS = ROOT / "test-artifacts" / "site"


def shoot(page: Page, name: str, full_page: bool = True) -> Path:
    """A screenshot of the screen as it is, kept in test-artifacts/site/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/#/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.fr"


# ---------------------------------------------------------------- set-up through the API

COMPLETE_SELLER = {
    "title": "M", "last_name": "Lefèvre", "first_names": "Jean", "street_number": "3", "street_type": "R",
    "street_name": "des Tanneurs", "postcode": "54000", "city": "Nancy",
    "id_document_type": "Carte nationale d'identité", "id_document_number": "880254301234",
    "id_document_date": "2018-06-11", "id_document_authority": "Préfecture de Meurthe-et-Moselle",
}


class Shop:
    """A company with families, a seller whose identity is complete, and a client."""

    def __init__(self, api: Api) -> None:
        self.tenant: TenantSession = sign_up(api, company="Antiquités Test")
        self.api = self.tenant.api
        self.email = self.tenant.email
        self.furniture = self._created("/api/families", {"label": "Mobilier", "metal_2093": False})
        self.gold = self._created("/api/families", {"label": "Bijoux or", "metal_2093": True})
        self.supplier = self._created("/api/suppliers", COMPLETE_SELLER)
        self.client = self._created("/api/clients", {"title": "MME", "last_name": "Garnier",
                                                     "first_names": "Claire", "city": "Nancy"})

    def _created(self, path: str, body: dict[str, Any]) -> str:
        reply = self.api.post(path, body)
        assert reply.status == 201, reply.body
        return str(reply.body["id"])

    def user(self, profile: str) -> str:
        email = unique_email(profile)
        reply = self.api.post("/api/users", {"email": email, "profile": profile, "password": PASSWORD})
        assert reply.status == 201, reply.body
        return email

    def draft(self, lines: list[dict[str, Any]], **header: Any) -> None:
        """The manager's draft: header and lines, not committed."""
        assert self.api.delete("/api/lots/draft").status == 204
        body = {"supplier_id": self.supplier, "purchase_date": "2024-03-14", "payment_method": "card", **header}
        assert self.api.put("/api/lots/draft", body).status == 200
        for line in lines:
            reply = self.api.post("/api/lots/draft/lines", {"family_id": self.furniture, **line})
            assert reply.status == 201, reply.body

    def lot(self, lines: list[dict[str, Any]], kind: str = "purchase", **header: Any) -> dict[str, Any]:
        """A committed lot: its body ``{lot, articles, warnings}``."""
        if kind == "purchase":
            total = sum(float(line["purchase_price"]) for line in lines)
            header.setdefault("purchase_price", f"{total:.2f}")
        self.draft(lines, **header)
        reply = self.api.post("/api/lots/draft/commit", {"mode": kind})
        assert reply.status == 201, reply.body
        return dict(reply.body)


# ---------------------------------------------------------------- what the browser received


class ApiLog:
    """Every JSON answer of /api/* the page received, recorded on its way."""

    def __init__(self, page: Page) -> None:
        self.answers: list[tuple[str, Any]] = []
        page.route("**/api/**", self._record)

    def _record(self, route: Route) -> None:
        response = route.fetch()
        body = response.body()
        try:
            self.answers.append((route.request.url, json.loads(body) if body else None))
        except ValueError:  # a PDF, a CSV: not JSON
            self.answers.append((route.request.url, None))
        route.fulfill(response=response)

    def keys(self, skip: tuple[str, ...] = ()) -> dict[str, set[str]]:
        """Every key of every answer, by URL (URLs containing one of ``skip`` left out)."""
        found: dict[str, set[str]] = {}

        def walk(value: Any, into: set[str]) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    into.add(key)
                    walk(inner, into)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner, into)

        for url, body in self.answers:
            if any(part in url for part in skip):
                continue
            walk(body, found.setdefault(url, set()))
        return found
