"""One moto server per test session, provisioned like the local stack."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Api, TenantSession, chalice_transport, free_port, sign_up


@pytest.fixture(scope="session")
def aws_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    saved = dict(os.environ)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true",
        # Powertools' Tracer a no-op (chalicelib/tracing.py): no X-Ray daemon to reach.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # Every test signs up from the one address of Chalice's test client; the limit's
        # own test lowers it again (tests/functional/test_auth_hardening.py).
        "LOTBOOK_SIGNUP_LIMIT": "100000",
        "LOTBOOK_MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
    })
    from infrastructure.local.stack import software_version, start_moto

    # The commit, as the local stack sets it: recorded in each tenant's event log when it changes.
    os.environ.setdefault("LOTBOOK_VERSION", software_version())

    server = start_moto("127.0.0.1", port)
    from app import app
    from chalicelib.config import reset_settings
    from infrastructure.local import bridge
    from infrastructure.local.provision import provision

    bridge.install(app)
    resources = provision(app, f"http://127.0.0.1:{port}", stage="test")
    os.environ.update(resources.environment())
    reset_settings()
    yield resources
    bridge.uninstall()
    server.stop()
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()


@pytest.fixture(scope="session")
def anonymous(aws_stack: Any) -> Api:
    from app import app

    return Api(chalice_transport(app), mailbox=Path(os.environ["LOTBOOK_MAIL_DIR"]))


@pytest.fixture
def tenant(anonymous: Api) -> TenantSession:
    """A fresh company with its manager logged in."""
    return sign_up(anonymous)


@pytest.fixture
def other_tenant(anonymous: Api) -> TenantSession:
    return sign_up(anonymous, company="Bijouterie Concurrente", creation_year=2010)
