"""What a newcomer sees after ``make run``."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from infrastructure.local.stack import DEMO_CREATION_YEAR, DEMO_PASSWORD, DEMO_USERS
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _login(stack: RunningStack, email: str, password: str = DEMO_PASSWORD) -> str:
    reply = stack.api().post("/api/auth/login", {"email": email, "password": password})
    assert reply.status == 200, reply
    return str(reply.body["id_token"])


def test_the_banner_gives_the_urls_and_the_demo_logins(stack: RunningStack) -> None:
    text = stack.banner()
    assert f"http://127.0.0.1:{stack.port}/" in text
    assert f"http://127.0.0.1:{stack.port}/api" in text
    assert f"http://127.0.0.1:{stack.aws_port}" in text
    assert "Brocante du Marché" in text and str(DEMO_CREATION_YEAR) in text
    for profile, email in DEMO_USERS.items():
        assert profile in text and email in text
    assert DEMO_PASSWORD in text
    # the local mailbox, and the demo company's signup code in it (seeding confirmed it)
    assert f"E-mails       {stack.mailbox}" in text
    assert any(stack.mailbox.glob(f"*-{DEMO_USERS['manager']}.eml"))


def test_the_site_and_the_api_share_one_origin(stack: RunningStack) -> None:
    with urllib.request.urlopen(stack.url) as page:
        html = page.read().decode("utf-8")
        assert page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in html
    with urllib.request.urlopen(stack.url + "config.json") as config:
        assert b'"api_base": "/api"' in config.read()
    assert stack.api().get("/api/health").body == {"status": "ok"}
    missing = stack.api().get("/api/no-such-route")
    assert missing.status == 404
    assert missing.error_code == "route_not_found"


def test_each_demo_user_logs_in_with_its_profile(stack: RunningStack) -> None:
    for profile, email in DEMO_USERS.items():
        me = stack.api(_login(stack, email)).get("/api/me").body
        assert me["profile"] == profile
        assert me["company_name"] == "Brocante du Marché"
    manager = stack.api(_login(stack, DEMO_USERS["manager"]))
    families = manager.get("/api/families").body
    assert {"Bijoux or", "Argenterie"} <= {f["label"] for f in families["items"]}
    assert manager.get("/api/suppliers").body["total"] >= 1


def test_a_token_of_the_local_stack_is_refused_by_another_deployment(
    stack: RunningStack, anonymous
) -> None:
    """``anonymous`` talks to the test session's own stack: another user pool."""
    token = _login(stack, DEMO_USERS["manager"])
    assert anonymous.as_(token).get("/api/company").status == 401


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    first = RunningStack(tmp_path)
    manager = first.api(_login(first, DEMO_USERS["manager"]))
    family = manager.post("/api/families", {"label": "Horlogerie", "metal_2093": False}).body
    supplier = manager.post("/api/suppliers", {"last_name": "Rémy", "first_names": "Anne"}).body
    shop_id = next(u["id"] for u in manager.get("/api/users").body["items"] if u["profile"] == "shop")
    manager.patch(f"/api/users/{shop_id}", {"password": "nouveau-mdp-9"})
    company_before = manager.get("/api/company").body
    assert first.stop() == 0
    assert "Arrêté." in first.text()

    second = RunningStack(tmp_path, port=first.port, aws_port=first.aws_port)
    try:
        assert "reprises de la dernière session" not in first.banner()
        assert "reprises de la dernière session" in second.banner()
        manager = second.api(_login(second, DEMO_USERS["manager"]))
        assert manager.get(f"/api/families/{family['id']}").body["label"] == "Horlogerie"
        assert manager.get(f"/api/suppliers/{supplier['id']}").body["first_names"] == "Anne"
        assert manager.get("/api/company").body == company_before
        # the demo was not seeded twice
        labels = [f["label"] for f in manager.get("/api/families").body["items"]]
        assert labels.count("Bijoux or") == 1
        assert manager.get("/api/users").body["total"] == 3
        # the new password survived, the old one is gone
        assert second.api().post("/api/auth/login", {"email": DEMO_USERS["shop"],
                                                    "password": DEMO_PASSWORD}).status == 401
        _login(second, DEMO_USERS["shop"], "nouveau-mdp-9")
    finally:
        assert second.stop() == 0
