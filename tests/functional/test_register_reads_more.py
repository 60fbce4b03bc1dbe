"""Reads of the police register found by an attacker-minded review (issue 18): the purchase
contract, the sellers' files, their paperwork and the purchases by seller each leave one
consultation record; a fiscal archive's job never hands out the archive's links (only its
own route does, which checks the seal and records the download)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.test_consultation_log import entries, http, one_more, read, shop  # noqa: F401
from tests.support import TenantSession


@pytest.mark.parametrize("path", [
    "/api/lots/{ref}/contract.pdf",
    "/api/suppliers",
    "/api/suppliers/{supplier}",
    "/api/suppliers/export.csv",
    "/api/media/supplier/{supplier}",
    "/api/media/lot/{ref}",
    "/api/reports/purchases-by-supplier?from=2025-01-01&to=2025-12-31",
])
def test_reading_a_seller_s_identity_or_paperwork_is_a_consultation(
        http: Any, shop: dict[str, Any], path: str) -> None:  # noqa: F811
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    supplier = api.get("/api/suppliers").body["items"][0]["id"]
    target = path.format(ref=shop["ref"], supplier=supplier)
    with one_more(tenant_id) as added:
        assert read(http, api, target) == 200
    assert len(added) == 1
    what = added[0].summary["what"]
    assert what.split("?")[0].split(":")[0] in {
        "contract", "suppliers", "supplier", "suppliers_csv", "media", "purchases_by_supplier"}
    assert shop["email"] == added[0].summary["who"]


def test_a_client_s_file_is_not_a_read_of_the_register(http: Any, tenant: TenantSession) -> None:  # noqa: F811
    api = tenant.api
    client = api.post("/api/clients", {"title": "MME", "last_name": "Garnier", "city": "Nancy"}).body["id"]
    before = len(entries(tenant.tenant_id))
    assert read(http, api, f"/api/clients/{client}") == 200
    assert read(http, api, "/api/clients") == 200
    assert len(entries(tenant.tenant_id)) == before


def test_a_fiscal_archive_job_shows_no_download_links() -> None:
    from chalicelib.services import jobs

    assert "fiscal_archive" in jobs.RUNNERS and "fiscal_archive" in jobs.LINKS_ELSEWHERE
