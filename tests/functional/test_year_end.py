"""Year end through the API: jobs, the 2093 file, backups, closures, restore."""

from __future__ import annotations

import gzip
import time
import urllib.request
import warnings
from typing import Any

import pytest

from tests.support import Api, TenantSession, commit_lot

COMPANY = {"siren": "999888777", "siret": "99988877700015", "street_number": "12", "street_type": "RUE",
           "street_name": "de la Paix", "postcode": "75002", "city": "Paris", "city_insee": "75102",
           "ape_code": "4777Z", "contact_name": "Élodie Dupré", "phone": "0123456789",
           "email": "contact@dupre.fr"}
SELLER = {"title": "MME", "last_name": "Lefèvre", "first_names": "Anaïs", "street_number": "25", "street_index": "B",
          "street_type": "AV", "street_name": "Foch", "postcode": "54", "city": "Nancy",
          "id_document_type": "CNI", "id_document_number": "880254301234", "id_document_date": "2018-06-11",
          "id_document_authority": "Préfecture de Meurthe-et-Moselle"}  # metals need an identified seller


def wait_job(api: Api, reply: Any, timeout: float = 20) -> dict[str, Any]:
    assert reply.status == 202, reply.body
    job_id = reply.body["job_id"]
    deadline = time.monotonic() + timeout
    while True:
        job = api.get(f"/api/jobs/{job_id}")
        assert job.status == 200, job.body
        if job.body["status"] != "running" or time.monotonic() > deadline:
            return dict(job.body)
        time.sleep(0.05)


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local stack
        return bytes(response.read())


@pytest.fixture
def metal(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    assert api.put("/api/company", COMPANY).status == 200
    gold = api.post("/api/families", {"label": "Or", "metal_2093": True}).body["id"]
    other = api.post("/api/families", {"label": "Brocante", "margin_category": "collection_antique"}).body["id"]
    seller = api.post("/api/suppliers", SELLER).body["id"]
    commit_lot(api, family_id=gold, supplier_id=seller, prices=["100.20", "20.30"], purchase_date="2025-03-14")
    commit_lot(api, family_id=other, supplier_id=seller, prices=["500.00"], purchase_date="2025-04-01")
    commit_lot(api, family_id=gold, supplier_id=seller, prices=["70.00"], purchase_date="2024-12-31")
    return {"api": api, "tenant": tenant, "gold": gold, "seller": seller}


def test_the_2093_job_succeeds_and_its_gzip_link_gunzips_to_the_text_file(metal: dict[str, Any]) -> None:
    api = metal["api"]
    job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1
    files = {f["name"].rsplit(".txt", 1)[1]: f for f in job["result"]["files"]}
    assert set(files) == {"", ".gz"}
    name = files[""]["name"]
    assert name.startswith("DMET_2025_999888777_001_") and len(name) == len("DMET_2025_999888777_001_") + 18
    text = download(files[""]["url"])
    assert gzip.decompress(download(files[".gz"]["url"])) == text
    lines = text.decode("ascii").splitlines()
    assert [len(line) for line in lines] == [550, 550, 550]
    assert lines[1][126:156].strip() == "LEFEVRE" and lines[1][335:345] == "0000000121"  # 120.50 → 121
    assert lines[1][303:308] == "54000" and lines[2][20:30] == "0000000001"
    assert lines[1][271:276] == "54395"  # Nancy's INSEE code, from the postcode and the name
    assert lines[0][134:139] == "75102"  # the company's own setting
    again = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert again["result"]["files"][0]["name"].startswith("DMET_2025_999888777_002_")


def test_with_the_uploaded_key_the_gpg_file_decrypts_back_to_the_gzip(metal: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy
        from pgpy.constants import HashAlgorithm, KeyFlags, PubKeyAlgorithm, SymmetricKeyAlgorithm

        key = pgpy.PGPKey.new(PubKeyAlgorithm.RSAEncryptOrSign, 2048)
        key.add_uid(pgpy.PGPUID.new("DGFiP test"), usage={KeyFlags.EncryptCommunications, KeyFlags.EncryptStorage},
                    hashes=[HashAlgorithm.SHA256], ciphers=[SymmetricKeyAlgorithm.AES256])
    api = metal["api"]
    put = api.put("/api/declarations/2093/key", {"key": str(key.pubkey)})
    assert put.status == 200, put.body
    assert put.body["fingerprint"] == str(key.fingerprint) == api.get("/api/declarations/2093/key").body[
        "fingerprint"]
    assert api.put("/api/declarations/2093/key", {"key": "not a key"}).status == 400
    job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "succeeded", job
    assert job["result"]["key_fingerprint"] == str(key.fingerprint)
    files = {f["name"]: f["url"] for f in job["result"]["files"]}
    gpg = next(n for n in files if n.endswith(".txt.gz.gpg"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decrypted = key.decrypt(pgpy.PGPMessage.from_blob(download(files[gpg])))
    assert bytes(decrypted.message) == download(files[gpg.removesuffix(".gpg")])


def test_the_precheck_blocks_a_company_supplier_without_siret(metal: dict[str, Any]) -> None:
    api = metal["api"]
    firm = api.post("/api/suppliers", {**SELLER, "company_name": "Métaux SARL"}).body["id"]
    commit_lot(api, family_id=metal["gold"], supplier_id=firm, prices=["40.00"], purchase_date="2025-06-01")
    check = api.get("/api/declarations/2093/precheck?year=2025")
    assert check.status == 200 and check.body["ready"] is False
    assert [s["supplier_id"] for s in check.body["blocking"]] == [firm]
    job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "failed" and "2093" in job["error"]
    assert job["result"]["details"]["blocking"][0]["supplier_id"] == firm
    assert api.put(f"/api/suppliers/{firm}", {**SELLER, "company_name": "Métaux SARL",
                                               "siret": "12345678900011"}).status == 200
    assert api.get("/api/declarations/2093/precheck?year=2025").body["ready"] is True


def test_the_precheck_lists_a_seller_whose_commune_has_no_insee_code(metal: dict[str, Any]) -> None:
    api = metal["api"]
    lost = api.post("/api/suppliers", {**SELLER, "last_name": "Perdu", "postcode": "75011",
                                       "city": "Lyon"}).body["id"]  # Lyon is not at 75011
    commit_lot(api, family_id=metal["gold"], supplier_id=lost, prices=["40.00"], purchase_date="2025-06-01")
    check = api.get("/api/declarations/2093/precheck?year=2025").body
    assert check["ready"] is False
    [blocking] = check["blocking"]
    assert blocking["supplier_id"] == lost
    assert any("Lyon" in p and "75011" in p and "INSEE" in p for p in blocking["problems"]), blocking
    job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "failed"  # no file with 00000 for a commune
    assert api.put(f"/api/suppliers/{lost}", {**SELLER, "last_name": "Perdu", "postcode": "75011",
                                              "city": "PARIS 11E"}).status == 200
    assert api.get("/api/declarations/2093/precheck?year=2025").body["ready"] is True
    job = wait_job(api, api.post("/api/declarations/2093", {"year": 2025}))
    assert job["status"] == "succeeded", job
    text = download(next(f["url"] for f in job["result"]["files"] if f["name"].endswith(".txt")))
    [paris] = [line for line in text.decode("ascii").splitlines() if line[126:156].strip() == "PERDU"]
    assert paris[271:276] == "75111" and paris[303:308] == "75011"  # the 11th arrondissement's own code


def test_shop_is_refused_and_another_tenants_job_is_not_found(metal: dict[str, Any],
                                                               other_tenant: TenantSession) -> None:
    api = metal["api"]
    job_id = api.post("/api/declarations/2093", {"year": 2025}).body["job_id"]
    assert other_tenant.api.get(f"/api/jobs/{job_id}").status == 404
    shop = metal["tenant"].add_user("shop")
    assert shop.post("/api/declarations/2093", {"year": 2025}).status == 403
    assert shop.get("/api/backups").status == 403
    assert api.post("/api/declarations/2093", {"year": "deux"}).status == 400


def test_backup_list_download_delete_and_the_eighth_archive_is_refused(metal: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.repositories import jobs as repo

    api, tenant_id = metal["api"], metal["tenant"].tenant_id
    job = wait_job(api, api.post("/api/backups", {"title": "Avant inventaire"}))
    assert job["status"] == "succeeded", job
    archive_id = job["result"]["archive_id"]
    listed = api.get("/api/backups").body
    assert listed["total"] == 1 and listed["items"][0]["title"] == "Avant inventaire"
    body = gzip.decompress(download(api.get(f"/api/backups/{archive_id}").body["url"])).decode()
    assert '"type":"article"' in body and '"type":"selection"' not in body
    for n in range(6):
        repo.put_archive(tenant_id, {"id": f"old{n}", "kind": "backup", "status": "ready", "key": f"x/{n}",
                                     "created_at": datetime.now(UTC).isoformat()})
    refused = api.post("/api/backups", {})
    assert refused.status == 409 and refused.error_code == "archive_limit"
    assert api.post("/api/closures", {"title": "2024", "until": "2024-12-31"}).status == 409
    assert api.delete(f"/api/backups/{archive_id}").status == 204
    assert api.get(f"/api/backups/{archive_id}").status == 404
    assert api.get("/api/backups").body["total"] == 6


def _sell(api: Api, refs: list[str], when: str) -> None:
    reply = api.post("/api/actions/sell", {"refs": refs, "date": when, "payment_method": "card",
                                               "prices": {ref: "50.00" for ref in refs}})
    assert reply.status in (200, 201), reply.body


def test_a_closure_deletes_what_left_the_stock_by_the_date_and_empty_lots_and_a_restore_brings_all_back(
        metal: dict[str, Any], other_tenant: TenantSession) -> None:
    from chalicelib.adapters.models import JournalModel

    api, tenant_id = metal["api"], metal["tenant"].tenant_id
    family, seller = metal["gold"], metal["seller"]
    lot_a = commit_lot(api, family_id=family, supplier_id=seller, prices=["1.00", "2.00"], purchase_date="2021-01-05")
    lot_b = commit_lot(api, family_id=family, supplier_id=seller, prices=["3.00", "4.00", "5.00"],
                       purchase_date="2021-01-06")
    a_refs, b_refs = [a["ref"] for a in lot_a["articles"]], [a["ref"] for a in lot_b["articles"]]
    _sell(api, a_refs + b_refs[:1], "2021-03-01")
    _sell(api, b_refs[1:2], "2022-05-01")
    before_articles = {a["ref"] for a in api.get("/api/articles?page_size=500").body["items"]}
    journal = {item.seq for item in JournalModel.query(tenant_id)}

    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert job["result"]["deleted_articles"] == 3 and job["result"]["deleted_lots"] == 1
    after = {a["ref"] for a in api.get("/api/articles?page_size=500").body["items"]}
    assert after == before_articles - set(a_refs) - {b_refs[0]}
    assert api.get(f"/api/lots/{lot_a['lot']['ref']}").status == 404
    assert api.get(f"/api/lots/{lot_b['lot']['ref']}").status == 200
    # nothing of the journal deleted (the closure's events and the register's reads add to it)
    assert journal <= {item.seq for item in JournalModel.query(tenant_id)}
    from chalicelib.adapters.repositories.search_index import text_candidates
    from chalicelib.domain.search import words

    assert set(text_candidates(tenant_id, list(words("article")))) == after  # the search index forgot them too
    assert api.get("/api/backups").body["items"][0]["kind"] == "closure"

    from infrastructure import restore

    assert restore.main([tenant_id, job["result"]["archive_id"], tenant_id]) == 1  # not an empty company
    assert restore.main([tenant_id, job["result"]["archive_id"], other_tenant.tenant_id]) == 0
    restored = {a["ref"] for a in other_tenant.api.get("/api/articles?page_size=500").body["items"]}
    assert restored == before_articles
    assert other_tenant.api.get(f"/api/lots/{lot_a['lot']['ref']}").status == 200
    families = {f["label"]: f["margin_category"] for f in other_tenant.api.get("/api/families").body["items"]}
    assert families == {"Or": "second_hand", "Brocante": "collection_antique"}  # the invoice mention comes back


def test_an_article_corrected_while_the_closure_runs_stays_with_its_lot_and_is_found_by_its_new_words(
        metal: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import jobs as jobs_repo

    api = metal["api"]
    lot = commit_lot(api, family_id=metal["gold"], supplier_id=metal["seller"], prices=["1.00", "2.00"],
                     purchase_date="2021-01-05")
    refs = [a["ref"] for a in lot["articles"]]
    _sell(api, refs, "2021-03-01")
    real = jobs_repo.delete_articles_and_lots

    def corrected_meanwhile(*args: Any, **kwargs: Any) -> set[str]:
        # after the backup, before the deletion: the dealer corrects the second article
        fixed = api.patch(f"/api/articles/{refs[1]}", {"description": "Broche camée", "reason": "Faute de frappe"})
        assert fixed.status == 200, fixed.body
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs_repo, "delete_articles_and_lots", corrected_meanwhile)
    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert (job["result"]["deleted_articles"], job["result"]["deleted_lots"]) == (1, 0)
    assert api.get(f"/api/articles/{refs[0]}").status == 404
    assert api.get(f"/api/lots/{lot['lot']['ref']}").status == 200
    found = api.get("/api/articles?q=camée").body
    assert [a["ref"] for a in found["items"]] == [refs[1]]  # its lot's search document: as it is now
    assert refs[1] not in {a["ref"] for a in api.get("/api/articles?q=article&page_size=500").body["items"]}


def test_list_exports_and_reports_are_for_the_back_office_only(metal: dict[str, Any]) -> None:
    api = metal["api"]
    suppliers = api.get("/api/suppliers/export.csv")
    assert suppliers.status == 200
    text = suppliers.body if isinstance(suppliers.body, str) else suppliers.body.decode("utf-8")
    header, first = text.splitlines()[:2]
    assert header.startswith("id|title|last_name|") and "Lefèvre" in first and '"' not in text
    families = api.get("/api/families/export.csv").body
    assert "Or|oui" in (families if isinstance(families, str) else families.decode())
    lots_csv = api.get("/api/lots/export.csv").body
    lots_text = lots_csv if isinstance(lots_csv, str) else lots_csv.decode()
    assert "purchase_price" in lots_text.splitlines()[0] and len(lots_text.splitlines()) == 4
    shop = metal["tenant"].add_user("shop")  # DOMAIN.md: the shop has no reports and no exports
    for path in ("/api/lots/export.csv", "/api/suppliers/export.csv", "/api/clients/export.csv",
                 "/api/families/export.csv", "/api/articles/export.csv", "/api/reports/purchases-by-supplier",
                 "/api/reports/lots-state", "/api/reports/sales-by-client", "/api/reports/vat-returns"):
        refused = shop.get(path)
        assert (refused.status, refused.error_code) == (403, "forbidden"), path

    bought = api.get("/api/reports/purchases-by-supplier?from=2025-01-01&to=2025-12-31").body
    assert bought["items"] == [{"supplier_id": metal["seller"], "name": "Lefèvre Anaïs", "articles": 3,
                                "total": "620.50"}]
    state = api.get("/api/reports/lots-state?from=2025-01-01").body
    assert state["total"] == 2 and {i["purchase_total"] for i in state["items"]} == {"120.50", "500.00"}
    assert api.get("/api/reports/sales-by-client?from=2025-13-01").status == 400
    assert api.get("/api/reports/sales-by-client").body == {"items": [], "total": "0.00"}


def test_the_january_schedule_prepares_a_draft_for_tenants_with_metal_purchases(
        metal: dict[str, Any], other_tenant: TenantSession) -> None:
    from app import app
    from chalicelib.adapters.models import JobModel
    from chalicelib.services import declarations

    assert "prepare_2093_drafts" in {s.name for s in app.event_sources}
    started = declarations.prepare_drafts(2025)["jobs"]
    assert metal["tenant"].tenant_id in {j["tenant_id"] for j in started}
    deadline = time.monotonic() + 20  # every tenant of the session with 2025 purchases got one: let all end
    while any(JobModel.get(j["tenant_id"], j["job_id"]).status == "running" for j in started):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    drafts = [j for j in JobModel.query(metal["tenant"].tenant_id) if j.kind == "dmet_2093_draft"]
    assert drafts and not list(JobModel.query(other_tenant.tenant_id))
    job = wait_job(metal["api"], type("R", (), {"status": 202, "body": {"job_id": drafts[-1].id}})())
    assert job["status"] == "succeeded" and job["result"]["declared"] == 1 and job["result"]["ready"] is True


def _boom(tenant_id: str, params: dict[str, Any], progress: Any) -> None:
    progress(0.5)
    raise RuntimeError("disk on fire")


def test_a_job_whose_work_breaks_ends_failed_with_a_french_message(metal: dict[str, Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services import jobs

    monkeypatch.setitem(jobs.RUNNERS, "boom", "tests.functional.test_year_end:_boom")
    started = jobs.start(metal["tenant"].tenant_id, "boom", {})
    job = wait_job(metal["api"], type("R", (), {"status": 202, "body": started})())
    assert job["status"] == "failed" and job["error"] == jobs.FAILED_MESSAGE and job["progress"] == 0.5
    assert "fire" not in str(job)


def test_a_closure_failing_halfway_leaves_the_data_as_it_was_and_can_be_run_again(
        metal: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.repositories import jobs as jobs_repo

    api = metal["api"]
    lot = commit_lot(api, family_id=metal["gold"], supplier_id=metal["seller"], prices=["1.00", "2.00"],
                     purchase_date="2021-01-05")
    refs = [a["ref"] for a in lot["articles"]]
    _sell(api, refs[:1], "2021-03-01")
    before = api.get("/api/articles?page_size=500").body["items"]

    def fail_after_deleting(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("throttled")

    monkeypatch.setattr(jobs_repo, "save_search_documents", fail_after_deleting)
    failed = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert failed["status"] == "failed"
    assert failed["error"]  # a French message, no trace
    assert api.get("/api/articles?page_size=500").body["items"] == before
    assert api.get("/api/articles?q=article").body["total"] == len(before)

    monkeypatch.undo()
    done = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021 bis", "until": "2021-12-31"}))
    assert done["status"] == "succeeded", done
    assert done["result"]["deleted_articles"] == 1
    assert {a["ref"] for a in api.get("/api/articles?page_size=500").body["items"]} == {
        a["ref"] for a in before} - {refs[0]}
