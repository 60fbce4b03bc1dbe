"""Inspector access rules (chalicelib/domain/inspector.py): codes, their hash, grant states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain import inspector


def _grant(**changes: object) -> inspector.Grant:
    created = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    values: dict[str, object] = dict(
        tenant_id="t", id="abc123def456", inspector="Agent", service="police", purpose="Contrôle", email=None,
        days=2, created_at=created, expires_at=inspector.expiry(created, 2), created_by="gerant@example.fr")
    values.update(changes)
    return inspector.Grant(**values)  # type: ignore[arg-type]


def test_a_code_is_twelve_unambiguous_symbols_and_typed_loosely_it_hashes_the_same() -> None:
    code = inspector.new_code()
    assert len(inspector.normalize_code(code)) == 12
    assert not set(inspector.normalize_code(code)) & set("01OIL")
    loose = " " + code.lower().replace("-", " ") + " "
    assert inspector.code_hash(loose, "k") == inspector.code_hash(code, "k")
    assert inspector.code_hash(code, "k") != inspector.code_hash(code, "other key")
    assert inspector.code_hash(code, "k") != inspector.code_hash(inspector.new_code(), "k")


def test_a_grant_waits_is_used_then_expires_or_is_revoked() -> None:
    grant = _grant()
    start = grant.created_at
    assert grant.state(start) == "waiting" and grant.valid(start)
    assert _grant(used_at=start).state(start) == "used"
    assert grant.state(start + timedelta(days=2)) == "expired" and not grant.valid(start + timedelta(days=2))
    assert _grant(revoked_at=start).state(start) == "revoked" and not _grant(revoked_at=start).valid(start)


def test_only_a_grants_own_account_names_a_grant() -> None:
    assert inspector.grant_of_login(inspector.login_email("abc123def456")) == "abc123def456"
    assert inspector.grant_of_login("gerant@example.fr") is None
    assert inspector.grant_of_login("inspecteur-abc123def456@example.fr") is None
