"""Shared test helpers: an API client that speaks JSON, over Chalice's test
client (functional tier) or real HTTP (e2e tier), and tenant factories."""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

PASSWORD = "motdepasse-1"
# A seller with every R321-3 item of the police register (metal purchases need them all).
IDENTIFIED_SELLER = {
    "title": "M", "last_name": "Lefèvre", "first_names": "Jean", "street_number": "3",
    "street_name": "rue des Tanneurs", "postcode": "54000", "city": "Nancy",
    "id_document_type": "CNI", "id_document_number": "880254301234", "id_document_date": "2018-06-11",
    "id_document_authority": "Préfecture de Meurthe-et-Moselle"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and "error" in self.body:
            return str(self.body["error"]["code"])
        return None


def _decode(raw: bytes | str | None) -> Any:
    if raw in (None, b"", ""):
        return None
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class Api:
    """JSON calls with an optional bearer token, over any transport."""

    def __init__(self, transport: Any, token: str | None = None, mailbox: Path | None = None) -> None:
        self.transport = transport
        self.token = token
        # Where the stack behind the transport writes its e-mails (LOTBOOK_MAIL_DIR).
        self.mailbox = mailbox

    def as_(self, token: str | None) -> Api:
        return Api(self.transport, token, self.mailbox)

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        all_headers = {"Content-Type": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.transport(method.upper(), path, all_headers, data)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)


def chalice_transport(app: Any) -> Any:
    from chalice.test import Client

    http = Client(app).http

    def send(method: str, path: str, headers: dict[str, str], data: bytes | None) -> Reply:
        try:
            response = http.request(method, path, headers=headers, body=data or b"")
        except Exception as exc:  # chalice raises for unknown routes
            return Reply(404, {"error": {"code": "route_not_found", "message": str(exc)}}, {})
        return Reply(response.status_code, _decode(response.body), dict(response.headers))

    return send


def http_transport(base_url: str) -> Any:
    import urllib.error
    import urllib.request

    def send(method: str, path: str, headers: dict[str, str], data: bytes | None) -> Reply:
        request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, _decode(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _decode(error.read()), dict(error.headers))

    return send


@dataclass
class TenantSession:
    """A signed-up company and its manager's session."""

    api: Api
    tenant_id: str
    subscriber_ref: str
    email: str

    def login(self, email: str, password: str = PASSWORD) -> Api:
        reply = self.api.as_(None).post("/api/auth/login", {"email": email, "password": password})
        assert reply.status == 200, reply.body
        return self.api.as_(reply.body["id_token"])

    def add_user(self, profile: str) -> Api:
        email = f"{profile}-{uuid.uuid4().hex[:8]}@example.fr"
        reply = self.api.post("/api/users", {"email": email, "profile": profile, "password": PASSWORD})
        assert reply.status == 201, reply.body
        return self.login(email)


def mails_to(mailbox: Path, email: str) -> list[str]:
    """The e-mails the local stack sent to ``email``, oldest first, as text."""
    from email import message_from_bytes, policy

    paths = sorted(mailbox.glob(f"*-{email}.eml"), key=lambda p: int(p.name.split("-", 1)[0]))
    return [message_from_bytes(p.read_bytes(), policy=policy.default).get_body().get_content() for p in paths]


def confirmation_code(mailbox: Path | None, email: str) -> str:
    """The code of the last confirmation e-mail sent to ``email``."""
    if mailbox is None:
        mailbox = Path(os.environ["LOTBOOK_MAIL_DIR"])
    mails = mails_to(mailbox, email)
    assert mails, f"no e-mail to {email} in {mailbox}"
    found = re.search(r"^\s+(\d{6})$", mails[-1], re.MULTILINE)
    assert found, mails[-1]
    return found.group(1)


def confirm_email(api: Api, email: str) -> None:
    reply = api.as_(None).post("/api/signup/confirm", {"email": email, "code": confirmation_code(api.mailbox, email)})
    assert reply.status == 200, reply.body


def sign_up(api: Api, company: str = "Antiquités Test", creation_year: int = 2015) -> TenantSession:
    """A company signed up and its e-mail confirmed with the code the stack e-mailed."""
    email = f"gerant-{uuid.uuid4().hex[:10]}@example.fr"
    reply = api.as_(None).post("/api/signup", {
        "company_name": company, "creation_year": creation_year, "email": email, "password": PASSWORD,
    })
    assert reply.status == 201, reply.body
    confirm_email(api, email)
    session = TenantSession(api.as_(None), reply.body["tenant_id"], reply.body["subscriber_ref"], email)
    session.api = session.login(email)
    return session


# ------------------------------------------------ direct store writes
# Until lots can be committed through the API (the Purchases issue), tests link
# an article or create a lot straight in the tables, as a committed lot would.


def store_article(tenant_id: str, *, supplier_id: str | None = None, client_id: str | None = None,
                  family_id: str | None = None) -> str:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import ArticleModel

    ensure_models_bound()
    ref = f"0111{uuid.uuid4().int % 10**6:06d}"
    ArticleModel(
        tenant_id, ref, lot_ref=ref[:7], status="stock", data={},
        tenant_supplier=f"{tenant_id}#{supplier_id}" if supplier_id else None,
        tenant_client=f"{tenant_id}#{client_id}" if client_id else None,
        tenant_family=f"{tenant_id}#{family_id}" if family_id else None,
    ).save()
    return ref


def store_lot(tenant_id: str) -> str:
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import LotModel

    ensure_models_bound()
    ref = "0111001"
    LotModel(tenant_id, ref, kind="purchase", data={}).save()
    return ref


def commit_lot(api: Api, *, family_id: str, supplier_id: str, prices: list[str] | None = None,
               kind: str = "purchase", purchase_date: str = "2020-03-14", payment_method: str = "card",
               **header: Any) -> dict[str, Any]:
    """Enter and commit a lot through the API, one article per price."""
    prices = prices or ["10.00"]
    total = sum((Decimal(p) for p in prices), Decimal("0"))
    draft = {"supplier_id": supplier_id, "purchase_date": purchase_date, "payment_method": payment_method,
             **({"purchase_price": f"{total:.2f}"} if kind == "purchase" else {}), **header}
    assert api.put("/api/lots/draft", draft).status == 200
    for n, price in enumerate(prices, start=1):
        line = {"description": f"Article {n}", "family_id": family_id, "weight_g": "1.5",
                ("purchase_price" if kind == "purchase" else "reserve_price"): price}
        assert api.post("/api/lots/draft/lines", line).status == 201
    reply = api.post("/api/lots/draft/commit", {"mode": kind})
    assert reply.status == 201, reply.body
    return dict(reply.body)
