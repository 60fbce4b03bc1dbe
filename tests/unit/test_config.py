"""Settings come from the environment, validated once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.config import SettingsError, load_settings


def test_defaults_describe_a_dev_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOTBOOK_STAGE", "LOTBOOK_AWS_ENDPOINT_URL", "LOTBOOK_TABLE_PREFIX", "LOTBOOK_JWKS_URL",
                 "LOTBOOK_MAX_USERS_PER_TENANT", "LOTBOOK_TMP_RATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("LOTBOOK_USER_POOL_ID", "eu-west-3_abc")
    settings = load_settings()
    assert settings.table_name("users") == "lotbook-dev-users"
    assert settings.max_users_per_tenant == 3
    assert settings.tmp_rate == Decimal("0.115")
    assert settings.token_issuer == "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_abc"
    assert settings.jwks_url == (
        "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_abc/.well-known/jwks.json")


def test_the_local_stack_reads_its_keys_from_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTBOOK_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("LOTBOOK_USER_POOL_ID", "eu-west-3_abc")
    monkeypatch.delenv("LOTBOOK_JWKS_URL", raising=False)
    assert load_settings().jwks_url == "http://127.0.0.1:4566/eu-west-3_abc/.well-known/jwks.json"


@pytest.mark.parametrize(("name", "value"), [("LOTBOOK_MAX_USERS_PER_TENANT", "trois"),
                                             ("LOTBOOK_MAX_USERS_PER_TENANT", "0"),
                                             ("LOTBOOK_TMP_RATE", "onze")])
def test_a_bad_setting_stops_the_cold_start(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError):
        load_settings()


def test_importing_the_app_builds_no_aws_client() -> None:
    import subprocess
    import sys

    code = (
        "import sys, app\n"
        "assert 'boto3' not in sys.modules, 'boto3 imported at cold start'\n"
        "assert 'reportlab' not in sys.modules\n"
        "assert 'aws_xray_sdk' not in sys.modules, 'the X-Ray SDK on the API cold path'\n"
        "from chalicelib.adapters import aws\n"
        "assert not aws._clients and not aws._session, 'an AWS client built at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_app_registers_routes_without_their_services() -> None:
    """Issue 17, the API's cold start: ``import app`` registers every route, but no service, no
    unit of work and no audit-trail rule loads until a request needs it (``api/common.lazy_service``)."""
    import subprocess
    import sys

    code = (
        "import sys, app\n"
        "assert len(app.app.routes) > 80, 'routes not registered at import'\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('chalicelib.services'))\n"
        "assert not loaded, f'services loaded at cold start: {loaded}'\n"
        "for name in ('chalicelib.adapters.unit_of_work', 'chalicelib.adapters.repositories',\n"
        "             'chalicelib.adapters.cognito', 'chalicelib.domain.audit', 'chalicelib.domain.actions',\n"
        "             'chalicelib.domain.csv_import', 'chalicelib.domain.training'):\n"
        "    assert name not in sys.modules, f'{name} loaded at cold start'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
