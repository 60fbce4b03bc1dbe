"""Signup, login and the token check that every private route relies on."""

from __future__ import annotations

import base64
import json
import time
import uuid

import boto3
import pytest

from tests.support import PASSWORD, Api, confirmation_code, sign_up


def test_signup_creates_a_company_whose_manager_can_log_in(anonymous: Api) -> None:
    email = f"nouveau-{uuid.uuid4().hex[:8]}@example.fr"
    reply = anonymous.post("/api/signup", {
        "company_name": "Le Grenier d'Émile", "creation_year": 2019, "email": email, "password": PASSWORD,
    })
    assert reply.status == 201
    assert reply.body["tenant_id"]
    assert reply.body["subscriber_ref"].startswith("LB-")
    assert reply.body["verification"] == "email_sent"

    # unusable until the e-mail is confirmed
    early = anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD})
    assert (early.status, early.error_code) == (403, "email_not_verified")
    assert "e-mail non confirmée" in early.body["error"]["message"]
    code = confirmation_code(anonymous.mailbox, email)
    wrong = anonymous.post("/api/signup/confirm", {"email": email, "code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert (wrong.status, wrong.error_code) == (400, "invalid_code")
    assert "Code de confirmation incorrect" in wrong.body["error"]["message"]
    assert anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 403
    assert anonymous.post("/api/signup/confirm", {"email": email, "code": code}).status == 200

    login = anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD})
    assert login.status == 200
    assert set(login.body) >= {"id_token", "refresh_token", "expires_in"}

    me = anonymous.as_(login.body["id_token"]).get("/api/me")
    assert me.body["profile"] == "manager"
    assert me.body["company_name"] == "Le Grenier d'Émile"
    company = anonymous.as_(login.body["id_token"]).get("/api/company").body
    assert company["subscriber_ref"] == reply.body["subscriber_ref"]
    assert company["creation_year"] == 2019


def test_a_second_signup_with_the_same_email_is_refused(anonymous: Api) -> None:
    first = sign_up(anonymous)
    reply = anonymous.post("/api/signup", {
        "company_name": "Doublon", "creation_year": 2020, "email": first.email, "password": PASSWORD,
    })
    assert reply.status == 409
    assert reply.error_code == "email_taken"
    assert "e-mail" in reply.body["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"creation_year": 2015, "email": "a@b.fr", "password": PASSWORD}, "company_name"),
        ({"company_name": "X", "creation_year": "2015", "email": "a@b.fr", "password": PASSWORD},
         "creation_year"),
        ({"company_name": "X", "creation_year": 2015, "email": "pas-un-email", "password": PASSWORD},
         "email"),
        ({"company_name": "X", "creation_year": 2015, "email": "a@b.fr", "password": "court"}, "password"),
        ({"company_name": "X", "creation_year": 2015, "email": "a@b.fr", "password": PASSWORD,
          "tenant_id": "someone-else"}, "tenant_id"),
    ],
)
def test_a_malformed_signup_says_which_field_is_wrong(anonymous: Api, body: dict, field: str) -> None:
    # one address per case: five failed logins on one address would lock it (429)
    email = f"absent-{uuid.uuid4().hex[:8]}@b.fr"
    body = {**body, "email": email} if body.get("email") == "a@b.fr" else body
    reply = anonymous.post("/api/signup", body)
    assert reply.status == 400
    assert reply.error_code == "invalid_input"
    assert field in reply.body["error"]["details"]
    # nothing was created under that e-mail
    assert anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 401


def test_a_body_that_is_not_json_gets_a_clear_400(anonymous: Api) -> None:
    reply = anonymous.post("/api/signup", raw=b"{company_name: oops")
    assert reply.status == 400
    assert reply.error_code == "malformed_json"


def test_a_wrong_password_is_refused_with_a_french_message(anonymous: Api, tenant) -> None:
    reply = anonymous.post("/api/auth/login", {"email": tenant.email, "password": "mauvais-mot"})
    assert reply.status == 401
    assert reply.error_code == "invalid_credentials"
    assert "mot de passe" in reply.body["error"]["message"]


def test_the_refresh_token_gives_a_new_id_token(anonymous: Api, tenant) -> None:
    login = anonymous.post("/api/auth/login", {"email": tenant.email, "password": PASSWORD}).body
    refreshed = anonymous.post("/api/auth/refresh", {"refresh_token": login["refresh_token"]})
    assert refreshed.status == 200
    assert anonymous.as_(refreshed.body["id_token"]).get("/api/company").status == 200


def test_private_routes_need_a_token(anonymous: Api) -> None:
    for path in ("/api/company", "/api/families", "/api/suppliers", "/api/clients", "/api/users"):
        reply = anonymous.get(path)
        assert reply.status == 401, path
        assert reply.error_code == "unauthenticated"


def test_a_garbage_or_tampered_token_is_refused(anonymous: Api, tenant, other_tenant) -> None:
    assert anonymous.as_("not-a-jwt").get("/api/company").status == 401
    header, payload, signature = tenant.api.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["custom:tenant_id"] = other_tenant.tenant_id
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    reply = anonymous.as_(f"{header}.{forged}.{signature}").get("/api/company")
    assert reply.status == 401
    assert reply.error_code == "invalid_token"


def test_a_token_of_another_user_pool_is_refused(anonymous: Api, aws_stack) -> None:
    """Same signing key (moto's), other issuer and audience: another deployment's token."""
    idp = boto3.client("cognito-idp", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)
    pool = idp.create_user_pool(
        PoolName=f"elsewhere-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"],
        Schema=[{"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False}],
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="site", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool, GroupName="manager")
    idp.admin_create_user(UserPoolId=pool, Username="intrus@example.fr", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:tenant_id", "Value": "whatever"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="intrus@example.fr", Password="Intrus-Passe-9",
                                Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username="intrus@example.fr", GroupName="manager")
    token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "intrus@example.fr", "PASSWORD": "Intrus-Passe-9"})["AuthenticationResult"]["IdToken"]

    reply = anonymous.as_(token).get("/api/company")
    assert reply.status == 401
    assert reply.error_code == "invalid_token"


def test_an_expired_token_is_refused(anonymous: Api, tenant, aws_stack) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey
    from moto.cognitoidp.models import load_resource

    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    header, payload, _ = tenant.api.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # a well-signed token, right pool, right client, but an hour too old
    claims["exp"] = int(time.time()) - 3600
    expired = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)
    assert anonymous.as_(expired).get("/api/company").status == 401
    claims["exp"] = int(time.time()) + 3600
    still_valid = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)
    assert anonymous.as_(still_valid).get("/api/company").status == 200
