"""Issue 15, points 3 and 6: a fired or demoted employee, a tampered pool attribute,
and signups or logins hammered from one address."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support import PASSWORD, Api, TenantSession, confirmation_code, mails_to


def _user(tenant: TenantSession, profile: str) -> tuple[str, str, Api]:
    """A new user of ``profile``: its id, e-mail and logged-in session."""
    email = f"{profile}-{uuid.uuid4().hex[:8]}@example.fr"
    reply = tenant.api.post("/api/users", {"email": email, "profile": profile, "password": PASSWORD})
    assert reply.status == 201, reply.body
    return reply.body["id"], email, tenant.login(email)


def _revoked(reply: Any) -> bool:
    return (reply.status, reply.error_code) == (401, "token_revoked") and \
        reply.body["error"]["message"] == "Votre session n'est plus valable : reconnectez-vous."


# ---------------------------------------------------------------- point 3: the token follows the user


def test_a_demoted_manager_loses_the_old_rights_at_once(tenant: TenantSession) -> None:
    user_id, email, second = _user(tenant, "manager")
    assert second.get("/api/users").status == 200

    assert tenant.api.patch(f"/api/users/{user_id}", {"profile": "shop"}).status == 200

    # the old token still carries "manager" and is well signed: refused all the same
    assert _revoked(second.get("/api/users"))
    assert _revoked(second.get("/api/company"))
    # a new login gives the new profile's token, and its rights only
    again = tenant.login(email)
    assert again.get("/api/me").body["profile"] == "shop"
    assert again.get("/api/users").status == 403


def test_a_deleted_users_token_is_refused(tenant: TenantSession) -> None:
    user_id, _, fired = _user(tenant, "collaborator")
    assert fired.get("/api/families").status == 200

    assert tenant.api.delete(f"/api/users/{user_id}").status == 204

    assert _revoked(fired.get("/api/families"))
    assert _revoked(fired.post("/api/families", {"label": "Vengeance", "metal_2093": False}))
    assert [f["label"] for f in tenant.api.get("/api/families").body["items"]] == []


def test_a_change_made_elsewhere_is_seen_within_sixty_seconds(tenant: TenantSession, monkeypatch: Any) -> None:
    """Another container (or an operator) demotes the user: this container re-reads within 60 s."""
    from chalicelib import auth
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import UserModel

    user_id, _, collaborator = _user(tenant, "collaborator")
    assert collaborator.get("/api/families").status == 200  # this container has read the user now

    ensure_models_bound()
    UserModel(tenant.tenant_id, user_id).update(actions=[UserModel.profile.set("shop")])

    now = auth._clock()
    monkeypatch.setattr(auth, "_clock", lambda: now + 59)
    assert collaborator.get("/api/families").status == 200  # still trusted from the last read
    monkeypatch.setattr(auth, "_clock", lambda: now + 61)
    assert _revoked(collaborator.get("/api/families"))


def test_a_disabled_user_is_refused(tenant: TenantSession) -> None:
    from chalicelib import auth
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import UserModel

    user_id, email, collaborator = _user(tenant, "collaborator")
    ensure_models_bound()
    UserModel(tenant.tenant_id, user_id).update(actions=[UserModel.status.set("disabled")])
    auth.forget_user(tenant.tenant_id, email)
    assert _revoked(collaborator.get("/api/families"))


def test_a_tenant_attribute_changed_in_the_pool_opens_no_other_company(
    tenant: TenantSession, other_tenant: TenantSession, aws_stack: Any
) -> None:
    """moto lets admin_update_user_attributes change an immutable attribute (Cognito refuses):
    the token it then issues names the other company, whose users table does not know the user."""
    _, email, _ = _user(tenant, "collaborator")
    secret = other_tenant.api.post("/api/families", {"label": "Secret", "metal_2093": False})
    assert secret.status == 201
    idp = boto3.client("cognito-idp", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    idp.admin_update_user_attributes(UserPoolId=aws_stack.user_pool_id, Username=email, UserAttributes=[
        {"Name": "custom:tenant_id", "Value": other_tenant.tenant_id}])

    moved = tenant.login(email)
    for path in ("/api/families", "/api/company", "/api/users", "/api/me"):
        assert _revoked(moved.get(path)), path
    assert _revoked(moved.post("/api/families", {"label": "Intrus", "metal_2093": False}))
    assert [f["label"] for f in other_tenant.api.get("/api/families").body["items"]] == ["Secret"]


def test_the_local_pool_declares_the_tenant_attribute_immutable(aws_stack: Any) -> None:
    idp = boto3.client("cognito-idp", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    schema = idp.describe_user_pool(UserPoolId=aws_stack.user_pool_id)["UserPool"]["SchemaAttributes"]
    assert [a["Mutable"] for a in schema if a["Name"] == "custom:tenant_id"] == [False]


# ---------------------------------------------------------------- point 6: signup and login abuse


@pytest.fixture
def five_signups_per_address(aws_stack: Any) -> Iterator[None]:
    """The production limit (5 per address per 10 minutes), counted from zero."""
    from chalicelib.config import reset_settings
    from chalicelib.services import accounts

    saved = os.environ["LOTBOOK_SIGNUP_LIMIT"]
    os.environ["LOTBOOK_SIGNUP_LIMIT"] = "5"
    reset_settings()
    accounts.forget_limits()
    yield
    os.environ["LOTBOOK_SIGNUP_LIMIT"] = saved
    reset_settings()
    accounts.forget_limits()


def _signup(api: Api, email: str) -> Any:
    return api.post("/api/signup", {"company_name": "Rafale", "creation_year": 2020, "email": email,
                                    "password": PASSWORD})


def test_the_sixth_signup_from_one_address_is_refused(anonymous: Api, five_signups_per_address: None) -> None:
    emails = [f"rafale-{i}-{uuid.uuid4().hex[:6]}@example.fr" for i in range(6)]
    assert [_signup(anonymous, e).status for e in emails[:5]] == [201] * 5
    sixth = _signup(anonymous, emails[5])
    assert (sixth.status, sixth.error_code) == (429, "too_many_requests")
    assert "Trop de demandes" in sixth.body["error"]["message"]
    assert 0 < int(sixth.headers["Retry-After"]) <= 600
    # nothing was created for the sixth
    assert anonymous.post("/api/auth/login", {"email": emails[5], "password": PASSWORD}).status == 401
    assert mails_to(anonymous.mailbox, emails[5]) == []


def test_login_before_confirmation_is_refused_and_a_wrong_code_changes_nothing(anonymous: Api) -> None:
    email = f"attente-{uuid.uuid4().hex[:8]}@example.fr"
    assert _signup(anonymous, email).status == 201
    mail = mails_to(anonymous.mailbox, email)
    assert len(mail) == 1 and "code de confirmation" in mail[0]
    code = confirmation_code(anonymous.mailbox, email)

    login = anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD})
    assert (login.status, login.error_code) == (403, "email_not_verified")
    for wrong in (f"{(int(code) + 1) % 1_000_000:06d}", "000000" if code != "000000" else "111111"):
        reply = anonymous.post("/api/signup/confirm", {"email": email, "code": wrong})
        assert (reply.status, reply.error_code) == (400, "invalid_code")
    malformed = anonymous.post("/api/signup/confirm", {"email": email, "code": "12a"})
    assert (malformed.status, malformed.error_code) == (400, "invalid_input")
    assert anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 403
    # an address with no signup waiting: the same 400, nothing to learn
    stranger = anonymous.post("/api/signup/confirm", {"email": "personne@example.fr", "code": code})
    assert (stranger.status, stranger.error_code) == (400, "invalid_code")


def test_a_token_obtained_straight_from_cognito_before_confirmation_opens_nothing(
    anonymous: Api, aws_stack: Any
) -> None:
    email = f"raccourci-{uuid.uuid4().hex[:8]}@example.fr"
    assert _signup(anonymous, email).status == 201
    idp = boto3.client("cognito-idp", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    token = idp.initiate_auth(ClientId=aws_stack.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    assert _revoked(anonymous.as_(token["AuthenticationResult"]["IdToken"]).get("/api/company"))


def test_a_resent_code_replaces_the_first(anonymous: Api) -> None:
    email = f"renvoi-{uuid.uuid4().hex[:8]}@example.fr"
    assert _signup(anonymous, email).status == 201
    first = confirmation_code(anonymous.mailbox, email)
    reply = anonymous.post("/api/signup/resend", {"email": email})
    assert (reply.status, reply.body) == (200, {"verification": "email_sent"})
    assert len(mails_to(anonymous.mailbox, email)) == 2
    second = confirmation_code(anonymous.mailbox, email)
    if first != second:
        assert anonymous.post("/api/signup/confirm", {"email": email, "code": first}).status == 400
    assert anonymous.post("/api/signup/confirm", {"email": email, "code": second}).status == 200
    assert anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 200
    # confirmed: the code is spent, and a resend sends nothing more
    assert anonymous.post("/api/signup/confirm", {"email": email, "code": second}).status == 400
    assert anonymous.post("/api/signup/resend", {"email": email}).status == 200
    assert len(mails_to(anonymous.mailbox, email)) == 2


def test_six_wrong_passwords_lock_the_account(anonymous: Api, tenant: TenantSession,
                                              other_tenant: TenantSession) -> None:
    wrong = {"email": tenant.email, "password": "pas-le-bon-1"}
    assert [anonymous.post("/api/auth/login", wrong).status for _ in range(5)] == [401] * 5
    sixth = anonymous.post("/api/auth/login", wrong)
    assert (sixth.status, sixth.error_code) == (429, "too_many_attempts")
    assert "réessayez dans 30 secondes" in sixth.body["error"]["message"]
    assert sixth.headers["Retry-After"] == "30"
    # locked: even the right password waits
    right = anonymous.post("/api/auth/login", {"email": tenant.email, "password": PASSWORD})
    assert (right.status, right.error_code) == (429, "too_many_attempts")
    # the lock is the account's, not everyone's
    assert anonymous.post("/api/auth/login", {"email": other_tenant.email, "password": PASSWORD}).status == 200


def test_a_deleted_users_token_stays_dead_when_the_e_mail_is_given_to_a_new_user(tenant: TenantSession) -> None:
    """A shared till mailbox given to the next hire must not revive the fired employee's session."""
    import time

    from chalicelib import auth

    user_id, email, fired = _user(tenant, "collaborator")
    time.sleep(1.1)  # tokens carry their issue time to the second
    assert tenant.api.delete(f"/api/users/{user_id}").status == 204
    hired = tenant.api.post("/api/users", {"email": email, "profile": "collaborator", "password": PASSWORD})
    assert hired.status == 201
    auth.forget_all_users()  # as any container does within 60 s: was, the new user's standing
    assert _revoked(fired.get("/api/families"))
    assert tenant.login(email).get("/api/families").status == 200  # the new hire's own session works


def test_a_new_password_ends_every_session_of_the_user(tenant: TenantSession) -> None:
    import time

    _, email, _ = _user(tenant, "shop")
    login = tenant.api.as_(None).post("/api/auth/login", {"email": email, "password": PASSWORD}).body
    old = tenant.api.as_(login["id_token"])
    assert old.get("/api/me").status == 200
    time.sleep(1.1)
    user_id = next(u["id"] for u in tenant.api.get("/api/users").body["items"] if u["email"] == email)
    assert tenant.api.patch(f"/api/users/{user_id}", {"password": "nouveau-mot-2"}).status == 200
    assert _revoked(old.get("/api/me"))
    refreshed = tenant.api.as_(None).post("/api/auth/refresh", {"refresh_token": login["refresh_token"]})
    assert refreshed.status == 401 or _revoked(tenant.api.as_(refreshed.body["id_token"]).get("/api/me"))
    assert tenant.login(email, "nouveau-mot-2").get("/api/me").status == 200


def test_an_address_signed_up_by_someone_else_is_not_theirs_to_keep(anonymous: Api) -> None:
    """An attacker signs up with the victim's address first; the victim's own signup replaces
    the unconfirmed one, the victim confirms, and the attacker's password opens nothing."""
    email = f"victime-{uuid.uuid4().hex[:8]}@example.org"
    first = anonymous.post("/api/signup", {"company_name": "Attaquant", "creation_year": 2015, "email": email,
                                           "password": "Attaquant-pw-2026"})
    assert first.status == 201
    mine = anonymous.post("/api/signup", {"company_name": "Brocante de la victime", "creation_year": 2015,
                                          "email": email, "password": PASSWORD})
    assert mine.status == 201, mine.body  # was: 409 email_taken, then resend + confirm gave the attacker the account
    assert anonymous.post("/api/signup/confirm", {"email": email, "code": confirmation_code(anonymous.mailbox,
                                                                                          email)}).status == 200
    assert anonymous.post("/api/auth/login", {"email": email, "password": "Attaquant-pw-2026"}).status == 401
    token = anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).body["id_token"]
    me = anonymous.as_(token).get("/api/me").body
    assert (me["company_name"], me["tenant_id"]) == ("Brocante de la victime", mine.body["tenant_id"])
    again = anonymous.post("/api/signup", {"company_name": "Trop tard", "creation_year": 2015, "email": email,
                                           "password": "Attaquant-pw-2026"})
    assert again.status == 409  # a confirmed address stays its owner's
