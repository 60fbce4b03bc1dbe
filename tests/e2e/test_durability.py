"""A crash of the local stack loses nothing the screen said was saved (issue 15, point 10).

The stack is killed with SIGKILL — no final snapshot, as after a power cut —
with the periodic snapshot pushed out of reach (600 s), so everything comes
back from the write-ahead journal (``infrastructure/local/journal.py``).
"""

from __future__ import annotations

import signal
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from infrastructure.local.stack import DEMO_PASSWORD, DEMO_USERS
from tests.e2e.conftest import RunningStack
from tests.pdfs import all_text, flat
from tests.support import Api, commit_lot

NO_SNAPSHOT = 600.0  # seconds: no periodic snapshot happens during a test


def _manager(stack: RunningStack) -> Api:
    reply = stack.api().post("/api/auth/login", {"email": DEMO_USERS["manager"], "password": DEMO_PASSWORD})
    assert reply.status == 200, reply.body
    return stack.api(reply.body["id_token"])


def _kill(stack: RunningStack) -> None:
    stack.process.send_signal(signal.SIGKILL)
    stack.process.wait(timeout=30)
    assert stack.process.returncode == -signal.SIGKILL


def _restart(stack: RunningStack) -> RunningStack:
    return RunningStack(stack.data_dir, port=stack.port, aws_port=stack.aws_port,
                        snapshot_interval=NO_SNAPSHOT)


def _stock(api: Api, count: int) -> tuple[str, list[str]]:
    family = api.post("/api/families", {"label": "Horlogerie", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Vendeur", "first_names": "Paul"}).body["id"]
    lot = commit_lot(api, family_id=family, supplier_id=supplier, prices=["40.00"] * count)
    return lot["lot"]["ref"], [a["ref"] for a in lot["articles"]]


def _sale(refs: list[str], day: str) -> dict[str, Any]:
    return {"refs": refs, "date": day, "payment_method": "cash", "prices": {ref: "65.00" for ref in refs}}


def _pdf(stack: RunningStack, api: Api, path: str) -> bytes:
    request = urllib.request.Request(stack.url.rstrip("/") + path, headers={
        "Accept": "application/pdf", "Authorization": f"Bearer {api.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return bytes(response.read())


def _receipt(api: Api, number: str) -> dict[str, Any]:
    receipts = api.get("/api/compliance/receipts?page_size=500").body["items"]
    return next(r for r in receipts if str(r["number"]) == str(number))


def test_every_acknowledged_write_survives_a_kill(tmp_path: Path) -> None:
    first = RunningStack(tmp_path, snapshot_interval=NO_SNAPSHOT)
    try:
        api = _manager(first)
        suppliers_before = api.get("/api/suppliers").body["total"]
        created = []
        for n in range(60):
            reply = api.post("/api/suppliers", {"last_name": f"Durable{n:02d}", "first_names": "Anne"})
            assert reply.status == 201, reply.body
            created.append(reply.body["id"])
        lot_ref, refs = _stock(api, 2)
        sold = api.post("/api/actions/sell", _sale(refs[:1], "2021-03-01"))
        assert sold.status == 200, (sold.body, first.text()[-4000:])
        sale = sold.body["sale"]
        receipt_before = _receipt(api, sale["receipt_number"])
    finally:
        _kill(first)  # right after the last answer: no snapshot was ever written
    assert not (tmp_path / "moto-state.pickle").exists()

    second = _restart(first)
    try:
        api = _manager(second)
        suppliers = api.get("/api/suppliers?page_size=500").body
        assert suppliers["total"] == suppliers_before + len(created) + 1  # + the lot's seller
        names = {s["last_name"] for s in suppliers["items"]}
        assert {f"Durable{n:02d}" for n in range(60)} <= names
        assert api.get(f"/api/lots/{lot_ref}").status == 200
        assert api.get(f"/api/articles/{refs[0]}").body["status"] == "sold"
        assert api.get(f"/api/articles/{refs[1]}").body["status"] == "stock"
        # the receipt was sealed before the kill and is the same sealed object after it
        receipt = _receipt(api, sale["receipt_number"])
        assert receipt == receipt_before
        assert receipt["storage"]["version_id"]
        verification = api.get("/api/compliance/verify").body
        assert verification.get("ok") is True, (verification, second.text()[-4000:])
        assert verification["checked"] >= 2
        receipt_pdf = _pdf(second, api, f"/api/sales/{sale['transaction_ref']}/receipt.pdf")
        assert str(sale["receipt_number"]) in flat(all_text(receipt_pdf))
        # and the stack goes on numbering where it stopped
        again = api.post("/api/actions/sell", _sale(refs[1:], "2021-03-02"))
        assert again.status == 200, again.body
        assert again.body["sale"]["receipt_number"] != sale["receipt_number"]
        assert api.get("/api/compliance/verify").body["ok"] is True
    finally:
        assert second.stop() == 0
    # a clean stop folds the journal into the snapshot
    assert (tmp_path / "moto-state.pickle").exists()
    third = _restart(second)
    try:
        api = _manager(third)
        assert api.get("/api/suppliers?page_size=500").body["total"] == suppliers_before + len(created) + 1
        assert api.get(f"/api/articles/{refs[1]}").body["status"] == "sold"
        assert api.get("/api/compliance/verify").body["ok"] is True
    finally:
        assert third.stop() == 0


# Loaded by the killed stack only (PYTHONPATH): the process dies the moment the
# sale's transaction is about to leave for DynamoDB — after the Idempotency-Key
# was recorded "in progress", before anything was sold.
_KILL_ON_SALE = textwrap.dedent('''
    import os, signal
    from botocore.httpsession import URLLib3Session

    _send = URLLib3Session.send
    _marker = os.environ["LOTBOOK_TEST_KILL_ON"].encode()

    def send(self, request):
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        if target.endswith("TransactWriteItems") and _marker in body:
            os.kill(os.getpid(), signal.SIGKILL)
        return _send(self, request)

    URLLib3Session.send = send
''')


def test_a_sale_killed_halfway_is_retried_with_its_key_within_a_minute(tmp_path: Path) -> None:
    data, hooks = tmp_path / "data", tmp_path / "hooks"
    hooks.mkdir()
    prepare = RunningStack(data, snapshot_interval=NO_SNAPSHOT)
    try:
        api = _manager(prepare)
        _lot, refs = _stock(api, 1)
    finally:
        assert prepare.stop() == 0

    (hooks / "sitecustomize.py").write_text(_KILL_ON_SALE, encoding="utf-8")
    first = RunningStack(data, port=prepare.port, aws_port=prepare.aws_port, snapshot_interval=NO_SNAPSHOT,
                         extra_env={"PYTHONPATH": str(hooks), "LOTBOOK_TEST_KILL_ON": refs[0]})
    body = _sale(refs, "2021-03-01")
    key = {"Idempotency-Key": "caisse-crash-1"}
    try:
        api = _manager(first)
        try:
            reply = api.post("/api/actions/sell", body, headers=key)
        except OSError:
            reply = None  # the connection died with the process
        assert reply is None or reply.status >= 500
        first.process.wait(timeout=30)
        assert first.process.returncode == -signal.SIGKILL
    finally:
        first.stop()

    second = _restart(first)
    try:
        api = _manager(second)
        assert api.get(f"/api/articles/{refs[0]}").body["status"] == "stock"  # nothing was sold
        started, statuses = time.monotonic(), []
        while True:
            reply = api.post("/api/actions/sell", body, headers=key)
            statuses.append(reply.status)
            if reply.status != 409 or time.monotonic() - started > 75:
                break
            assert reply.error_code == "request_in_progress", reply.body
            time.sleep(2)
        waited = time.monotonic() - started
        # The key's "in progress" record was acknowledged before the kill, so it was
        # journaled and is back: the first retry is told the sale is in progress.
        assert statuses[0] == 409, statuses
        # The key's "in progress" record was journaled: it survived the kill, and
        # it frees by itself (chalicelib/services/actions.py IN_PROGRESS_CAP_MS).
        assert reply.status == 200, (statuses, reply.body)
        assert waited < 60 + 5, waited
        sale = reply.body["sale"]
        assert api.get(f"/api/articles/{refs[0]}").body["status"] == "sold"
        # the same key again: the first result, not a second sale
        repeat = api.post("/api/actions/sell", body, headers=key)
        assert (repeat.status, repeat.body["sale"]) == (200, sale)
        assert _receipt(api, sale["receipt_number"])["storage"]["version_id"]
        assert api.get("/api/compliance/verify").body["ok"] is True
    finally:
        assert second.stop() == 0
