"""User accounts: the manager's, within the subscription's limit."""

from __future__ import annotations

import uuid

from tests.support import PASSWORD, Api, TenantSession


def _new_user(tenant: TenantSession, profile: str, **extra) -> tuple[str, object]:
    email = f"{profile}-{uuid.uuid4().hex[:8]}@example.fr"
    reply = tenant.api.post("/api/users", {"email": email, "profile": profile, "password": PASSWORD,
                                           **extra})
    return email, reply


def test_the_manager_creates_users_who_log_in_with_their_profile(tenant: TenantSession) -> None:
    email, reply = _new_user(tenant, "collaborator", first_name="Karim", last_name="Benali")
    assert reply.status == 201
    assert reply.body["profile"] == "collaborator"
    assert "password" not in reply.body
    session = tenant.login(email)
    assert session.get("/api/me").body["profile"] == "collaborator"
    listed = tenant.api.get("/api/users").body
    assert listed["total"] == 2
    assert {u["email"] for u in listed["items"]} == {tenant.email, email}


def test_a_user_created_without_password_gets_a_working_temporary_one(tenant: TenantSession) -> None:
    email = f"boutique-{uuid.uuid4().hex[:8]}@example.fr"
    reply = tenant.api.post("/api/users", {"email": email, "profile": "shop"})
    assert reply.status == 201
    assert tenant.login(email, reply.body["temporary_password"]).get("/api/me").status == 200


def test_a_fourth_user_is_refused_and_a_deleted_one_frees_its_seat(tenant: TenantSession) -> None:
    _, first = _new_user(tenant, "collaborator")
    _, second = _new_user(tenant, "shop")
    assert first.status == second.status == 201
    fourth_email, fourth = _new_user(tenant, "shop")
    assert fourth.status == 409
    assert fourth.error_code == "user_limit"
    # the refused account does not exist in the pool either
    assert tenant.api.as_(None).post("/api/auth/login", {"email": fourth_email, "password": PASSWORD}).status == 401

    assert tenant.api.delete(f"/api/users/{second.body['id']}").status == 204
    _, again = _new_user(tenant, "shop")
    assert again.status == 201
    assert tenant.api.get("/api/users").body["total"] == 3


def test_an_email_used_elsewhere_is_refused_without_taking_a_seat(
    tenant: TenantSession, other_tenant: TenantSession
) -> None:
    reply = tenant.api.post("/api/users", {"email": other_tenant.email, "profile": "shop",
                                           "password": PASSWORD})
    assert reply.status == 409
    assert reply.error_code == "email_taken"
    assert tenant.api.get("/api/users").body["total"] == 1
    _, a = _new_user(tenant, "shop")
    _, b = _new_user(tenant, "shop")
    assert a.status == b.status == 201


def test_only_the_manager_manages_users(tenant: TenantSession) -> None:
    collaborator = tenant.add_user("collaborator")
    shop = tenant.add_user("shop")
    for session in (collaborator, shop):
        assert session.get("/api/users").status == 403
        reply = session.post("/api/users", {"email": "x@example.fr", "profile": "shop", "password": PASSWORD})
        assert reply.status == 403
        assert reply.error_code == "forbidden"


def test_changing_a_profile_takes_effect_at_the_next_login(tenant: TenantSession) -> None:
    email, reply = _new_user(tenant, "collaborator")
    user_id = reply.body["id"]
    assert tenant.login(email).get("/api/users").status == 403
    changed = tenant.api.patch(f"/api/users/{user_id}", {"profile": "manager", "last_name": "Petit"})
    assert changed.status == 200
    assert changed.body["profile"] == "manager"
    assert changed.body["last_name"] == "Petit"
    assert tenant.login(email).get("/api/users").status == 200


def test_the_manager_resets_a_password(tenant: TenantSession) -> None:
    email, reply = _new_user(tenant, "shop")
    assert tenant.api.patch(f"/api/users/{reply.body['id']}", {"password": "nouveau-mdp-9"}).status == 200
    anonymous = tenant.api.as_(None)
    assert anonymous.post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 401
    assert anonymous.post("/api/auth/login", {"email": email, "password": "nouveau-mdp-9"}).status == 200


def test_the_last_manager_can_be_neither_demoted_nor_deleted(tenant: TenantSession) -> None:
    me = next(u for u in tenant.api.get("/api/users").body["items"] if u["email"] == tenant.email)
    demote = tenant.api.patch(f"/api/users/{me['id']}", {"profile": "shop"})
    assert demote.status == 409
    assert demote.error_code == "last_manager"
    delete = tenant.api.delete(f"/api/users/{me['id']}")
    assert delete.status == 409
    assert tenant.api.get(f"/api/users/{me['id']}").body["profile"] == "manager"


def test_a_deleted_user_can_no_longer_log_in(tenant: TenantSession) -> None:
    email, reply = _new_user(tenant, "shop")
    assert tenant.api.delete(f"/api/users/{reply.body['id']}").status == 204
    assert tenant.api.get(f"/api/users/{reply.body['id']}").status == 404
    assert tenant.api.as_(None).post("/api/auth/login", {"email": email, "password": PASSWORD}).status == 401


def test_bad_user_input_is_refused_field_by_field(tenant: TenantSession) -> None:
    reply = tenant.api.post("/api/users", {"email": "x@example.fr", "profile": "admin", "age": 3})
    assert reply.status == 400
    assert set(reply.body["error"]["details"]) == {"profile", "age"}
    assert tenant.api.get("/api/users").body["total"] == 1


def test_unknown_users_answer_404(tenant: TenantSession) -> None:
    assert tenant.api.get("/api/users/usr_nope").status == 404
    assert tenant.api.patch("/api/users/usr_nope", {"first_name": "A"}).status == 404
    assert tenant.api.delete("/api/users/usr_nope").status == 404


def test_anonymous_and_manager_views_differ(anonymous: Api, tenant: TenantSession) -> None:
    assert anonymous.get("/api/users").status == 401
    assert tenant.api.get("/api/users").status == 200
