"""The standalone verifier (chalicelib/verifier/lotbook_verify.py) against the product.

The vault of a tenant is downloaded with boto3 into a directory laid out as the
bucket's keys, the verifier file is run on it as a subprocess with the standard
library alone (``python -I -S``), and its verdict is held against
``GET /api/compliance/verify`` on the same vault: clean, then tampered in the
vault itself (a byte changed, a record removed, two swapped, the tail cut).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import IDENTIFIED_SELLER, TenantSession, commit_lot

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "chalicelib" / "verifier" / "lotbook_verify.py"


def _s3(aws_stack: Any) -> Any:
    return boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


def _bucket() -> str:
    from chalicelib.config import get_settings

    return get_settings().vault_bucket


def _key(tenant_id: str, chain: str, rank: int) -> str:
    return f"{tenant_id}/{chain}/{rank:010d}.json"


def _download(aws_stack: Any, tenant_id: str, into: Path) -> int:
    """The tenant's objects as the bucket holds them now, at their keys."""
    s3 = _s3(aws_stack)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=f"{tenant_id}/"):
        for item in page.get("Contents", []):
            target = into / item["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=_bucket(), Key=item["Key"])["Body"].read())
            count += 1
    return count


def _run(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    # -I -S: no site-packages, no environment: the standard library alone.
    return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), *options, str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def _verdict(path: Path) -> tuple[int, dict[str, Any]]:
    done = _run(path, "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def _first_broken(report: dict[str, Any]) -> tuple[str, int] | None:
    broken = [(c["chain"], c["broken"]["rank"]) for c in report["chains"] if c["broken"] is not None]
    assert len(broken) <= 1, broken
    return broken[0] if broken else None


def _product(tenant: TenantSession) -> dict[str, Any]:
    reply = tenant.api.get("/api/compliance/verify")
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def sealed(tenant: TenantSession) -> TenantSession:
    """Three lots and a sale, their heads anchored, then a fourth lot after the anchor."""
    from chalicelib.services import sealing

    api = tenant.api
    family = api.post("/api/families", {"label": "Mobilier", "metal_2093": False}).body["id"]
    supplier = api.post("/api/suppliers", IDENTIFIED_SELLER).body["id"]
    refs = []
    for prices in (["10.00", "20.00"], ["35.50"], ["120.00"]):
        refs.append(commit_lot(api, family_id=family, supplier_id=supplier, prices=prices)["articles"][0]["ref"])
    assert api.patch(f"/api/articles/{refs[0]}", {"label_price": "45.00"}).status == 200
    sold = api.post("/api/actions/sell", {"refs": [refs[0]], "date": "2021-03-01", "payment_method": "card"})
    assert sold.status == 200, sold.body
    assert sealing.anchor_tenant(tenant.tenant_id) is not None
    commit_lot(api, family_id=family, supplier_id=supplier, prices=["60.00"])
    return tenant


def test_the_verifier_agrees_with_the_product_on_a_clean_vault_downloaded_as_is(
        sealed: TenantSession, aws_stack: Any, tmp_path: Path) -> None:
    # 4 lots, a receipt, an anchor; the event log: the software version and the login
    assert _download(aws_stack, sealed.tenant_id, tmp_path) == 4 + 1 + 1 + 2
    product = _product(sealed)
    assert product["ok"] is True

    code, report = _verdict(tmp_path)
    assert code == 0 and report["ok"] is True
    found = {c["chain"]: c for c in report["chains"]}
    assert {c["prefix"] for c in report["chains"]} == {sealed.tenant_id}
    # Every chain the product has, at the same head (rank and SHA-256).
    for chain in product["chains"]:
        if chain["head"] is None:
            assert chain["chain"] not in found
            continue
        mine = found[chain["chain"]]
        assert mine["head"] == chain["head"], chain["chain"]
        assert mine["checked"] == chain["checked"]
    assert found["police_register"]["anchors"] == 1 and found["police_register"]["head"]["rank"] == 4

    text = _run(tmp_path)
    assert text.returncode == 0
    assert "police_register : 4 enregistrement(s)" in text.stdout
    assert "toutes les chaînes sont intègres" in text.stdout and "every chain verifies" in text.stdout

    # A zip of the same objects, as an archive would hold them.
    archive = tmp_path.parent / "vault.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(tmp_path.rglob("*.json")):
            out.write(path, path.relative_to(tmp_path).as_posix())
    assert _verdict(archive)[0] == 0


def _change_a_byte(s3: Any, tenant_id: str) -> None:
    key = _key(tenant_id, "police_register", 2)
    body = s3.get_object(Bucket=_bucket(), Key=key)["Body"].read()
    assert b'"35.50"' in body
    s3.put_object(Bucket=_bucket(), Key=key, Body=body.replace(b'"35.50"', b'"85.50"'))


def _remove_one(s3: Any, tenant_id: str) -> None:
    s3.delete_object(Bucket=_bucket(), Key=_key(tenant_id, "police_register", 2))  # a delete marker


def _swap_two(s3: Any, tenant_id: str) -> None:
    one, two = (_key(tenant_id, "police_register", rank) for rank in (1, 2))
    first, second = (s3.get_object(Bucket=_bucket(), Key=key)["Body"].read() for key in (one, two))
    s3.put_object(Bucket=_bucket(), Key=one, Body=second)
    s3.put_object(Bucket=_bucket(), Key=two, Body=first)


def _cut_the_tail(s3: Any, tenant_id: str) -> None:
    for rank in (4, 3):  # rank 3 was anchored
        s3.delete_object(Bucket=_bucket(), Key=_key(tenant_id, "police_register", rank))


@pytest.mark.parametrize(("tamper", "rank", "reason"), [
    (_change_a_byte, 2, "hash_mismatch"),
    (_remove_one, 2, "missing"),
    (_swap_two, 1, "out_of_order"),
    (_cut_the_tail, 3, "cut_tail"),
], ids=["byte-changed", "record-removed", "two-swapped", "tail-cut"])
def test_the_verifier_and_the_product_find_the_same_first_broken_rank_in_a_tampered_vault(
        sealed: TenantSession, aws_stack: Any, tmp_path: Path,
        tamper: Callable[[Any, str], None], rank: int, reason: str) -> None:
    tamper(_s3(aws_stack), sealed.tenant_id)
    _download(aws_stack, sealed.tenant_id, tmp_path)

    product = _product(sealed)
    assert product["ok"] is False
    assert (product["first_broken"]["chain"], product["first_broken"]["rank"]) == ("police_register", rank)

    code, report = _verdict(tmp_path)
    assert code == 1 and report["ok"] is False
    assert _first_broken(report) == ("police_register", rank)
    (police,) = [c for c in report["chains"] if c["chain"] == "police_register"]
    assert police["broken"]["reason"] == reason
    assert police["broken"]["message"]

    text = _run(tmp_path)
    assert text.returncode == 1
    assert f"ROMPUE au rang {rank} / BROKEN at rank {rank}" in text.stdout
    assert "1 chaîne(s) rompue(s)" in text.stdout


def test_an_empty_or_unreadable_input_is_not_a_success(tmp_path: Path) -> None:
    assert _run(tmp_path).returncode == 2
    assert _run(tmp_path / "absent.zip").returncode == 2


def test_the_api_serves_the_verifier_file_byte_for_byte_without_a_token(aws_stack: Any) -> None:
    from chalice.test import Client

    from app import app

    response = Client(app).http.request("GET", "/api/compliance/verifier", headers={}, body=b"")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/x-python; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="lotbook_verify.py"'
    assert response.body == VERIFIER.read_bytes()
