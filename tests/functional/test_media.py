"""Media: presigned uploads straight to the bucket (multipart form POSTs to the session's
moto server, as a browser sends them), thumbnails made by the bucket's notification,
links, the default medium, edits, deletions, refusals, tenants and profiles, and the
company's logo in printed headers."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from tests.pdfs import reader
from tests.support import Api, TenantSession, commit_lot

MB = 1024 * 1024


# ---------------------------------------------------------------- helpers


def picture(width: int = 1200, height: int = 800, mode: str = "RGB", fmt: str = "PNG") -> bytes:
    colour: Any = (200, 40, 40, 128) if mode == "RGBA" else (30, 120, 200)
    image = Image.new(mode, (width, height), colour)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def upload(post: dict[str, Any], content: bytes, filename: str = "file.bin",
           fields: dict[str, str] | None = None) -> requests.Response:
    """The browser's form: every field of the presigned POST, then the file."""
    form = {**post["fields"], **(fields or {})}
    return requests.post(post["url"], data=form, files={"file": (filename, content)}, timeout=60)


@pytest.fixture(scope="module")
def s3(aws_stack: Any) -> Any:
    return boto3.client("s3", endpoint_url=aws_stack.endpoint, region_name=aws_stack.region)


@pytest.fixture(scope="module")
def bucket(aws_stack: Any) -> str:
    from chalicelib.config import get_settings

    return get_settings().media_bucket


def keys(s3: Any, bucket: str, tenant_id: str) -> list[str]:
    found: list[str] = []
    for prefix in ("originals/", "thumbnails/"):
        reply = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}{tenant_id}/")
        found += [o["Key"] for o in reply.get("Contents", [])]
    return sorted(found)


@pytest.fixture
def shop(tenant: TenantSession) -> dict[str, Any]:
    api = tenant.api
    family = api.post("/api/families", {"label": "Vaisselle"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    client = api.post("/api/clients", {"last_name": "Garnier"}).body["id"]
    committed = commit_lot(api, family_id=family, supplier_id=supplier, prices=["10.00", "20.00"])
    return {"api": api, "tenant": tenant, "supplier": supplier, "client": client,
            "lot": committed["lot"]["ref"], "refs": [a["ref"] for a in committed["articles"]]}


def add_image(api: Api, kind: str, owner: str, content: bytes, filename: str = "vase.png",
              content_type: str = "image/png", **extra: Any) -> dict[str, Any]:
    reply = api.post(f"/api/media/{kind}/{owner}", {"type": "image", "filename": filename,
                                                    "content_type": content_type, "size": len(content), **extra})
    assert reply.status == 201, reply.body
    sent = upload(reply.body["upload"], content, filename)
    assert sent.status_code == 204, sent.text
    return dict(reply.body)


def listed(api: Api, kind: str, owner: str) -> list[dict[str, Any]]:
    reply = api.get(f"/api/media/{kind}/{owner}")
    assert reply.status == 200, reply.body
    return list(reply.body["items"])


def add_video_link(api: Api, kind: str, owner: str, **extra: Any) -> str:
    reply = api.post(f"/api/media/{kind}/{owner}", {"type": "external_video",
                                                    "url": "https://www.youtube.com/watch?v=abc", **extra})
    assert reply.status == 201, reply.body
    assert reply.body["upload"] is None
    return str(reply.body["id"])


# ---------------------------------------------------------------- upload, thumbnail, links


def test_an_image_uploaded_with_its_presigned_post_gets_a_thumbnail_and_time_limited_links(
        shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    content = picture(1200, 800)
    reply = api.post(f"/api/media/article/{ref}", {"type": "image", "filename": "Vase Gallé.PNG",
                                                   "content_type": "image/png", "title": "Vase de face"})
    assert reply.status == 201, reply.body
    post = reply.body["upload"]
    assert post["url"].startswith("http://127.0.0.1:")
    assert post["fields"]["Content-Type"] == "image/png"
    assert post["fields"]["key"].startswith(f"originals/{shop['tenant'].tenant_id}/article/{ref}/")
    assert post["max_bytes"] == 10 * MB
    (pending,) = listed(api, "article", ref)
    assert (pending["status"], pending["url"], pending["thumbnail_url"]) == ("pending", None, None)

    sent = upload(post, content, "Vase Gallé.PNG")
    assert sent.status_code == 204, sent.text

    (medium,) = listed(api, "article", ref)
    assert medium["id"] == reply.body["id"]
    assert (medium["type"], medium["title"], medium["status"], medium["active"], medium["default"],
            medium["weight"], medium["size"]) == ("image", "Vase de face", "ready", True, True, 0, len(content))
    original = requests.get(medium["url"], timeout=30)
    assert original.status_code == 200 and original.content == content
    assert "X-Amz-Expires=" in medium["url"] and "X-Amz-Expires=" in medium["thumbnail_url"]
    thumbnail = requests.get(medium["thumbnail_url"], timeout=30)
    assert thumbnail.status_code == 200
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 213)  # the longest side 320 px, proportions kept
    assert [k.split("/")[0] for k in keys(s3, bucket, shop["tenant"].tenant_id)] == ["originals", "thumbnails"]

    # the article list (and the phone's) shows each article's default image
    items = {a["ref"]: a for a in api.get("/api/articles").body["items"]}
    assert requests.get(items[ref]["thumbnail_url"], timeout=30).content == thumbnail.content
    assert items[shop["refs"][1]]["thumbnail_url"] is None


def test_transparent_and_gif_images_get_a_jpeg_thumbnail_on_white(shop: dict[str, Any]) -> None:
    api, ref = shop["api"], shop["refs"][0]
    add_image(api, "article", ref, picture(100, 50, "RGBA"), "logo.png")
    add_image(api, "article", ref, picture(40, 30, "P", "GIF"), "anim.gif", "image/gif")
    add_image(api, "article", ref, picture(640, 480, fmt="JPEG"), "photo.jpg", "image/jpeg")
    sizes = []
    for medium in listed(api, "article", ref):
        assert medium["status"] == "ready", medium
        with Image.open(io.BytesIO(requests.get(medium["thumbnail_url"], timeout=30).content)) as image:
            assert image.mode == "RGB"
            sizes.append(image.size)
            if medium["filename"] == "logo.png":  # half-transparent red over white
                assert image.getpixel((50, 25))[0] > 220
    assert sorted(sizes) == [(40, 30), (100, 50), (320, 240)]  # never enlarged


def test_a_document_and_a_video_are_checked_by_size_and_have_no_thumbnail(shop: dict[str, Any]) -> None:
    api, supplier = shop["api"], shop["supplier"]
    pdf = b"%PDF-1.4\n% a purchase bill\n%%EOF\n"
    reply = api.post(f"/api/media/supplier/{supplier}", {"type": "document", "filename": "facture.pdf",
                                                         "content_type": "application/pdf", "title": "Facture"})
    assert reply.status == 201, reply.body
    assert reply.body["upload"]["max_bytes"] == 20 * MB
    assert upload(reply.body["upload"], pdf, "facture.pdf").status_code == 204
    video = api.post(f"/api/media/supplier/{supplier}", {"type": "video", "filename": "visite.mp4",
                                                         "content_type": "video/mp4"})
    assert video.body["upload"]["max_bytes"] == 200 * MB
    assert upload(video.body["upload"], b"\x00\x00\x00\x18ftypmp42", "visite.mp4").status_code == 204
    document, clip = listed(api, "supplier", supplier)
    assert (document["status"], document["thumbnail_url"], document["content_type"]) == (
        "ready", None, "application/pdf")
    got = requests.get(document["url"], timeout=30)
    assert got.content == pdf
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith('inline; filename="facture.pdf"')
    assert (clip["type"], clip["status"], clip["thumbnail_url"]) == ("video", "ready", None)


def test_an_external_video_is_a_link_with_no_upload(shop: dict[str, Any]) -> None:
    api, lot = shop["api"], shop["lot"]
    media_id = add_video_link(api, "lot", lot, title="Présentation")
    (medium,) = listed(api, "lot", lot)
    assert medium == {**medium, "id": media_id, "type": "external_video", "status": "ready",
                      "url": "https://www.youtube.com/watch?v=abc", "thumbnail_url": None, "default": True}
    bad = api.post(f"/api/media/lot/{lot}", {"type": "external_video", "url": "javascript:alert(1)"})
    assert (bad.status, bad.error_code) == (400, "invalid_input")
    assert "https://" in bad.body["error"]["details"]["url"]
    assert api.post(f"/api/media/lot/{lot}", {"type": "external_video"}).status == 400


# ---------------------------------------------------------------- order, default, edits


def test_the_default_is_the_medium_marked_or_else_the_lightest_active_one(shop: dict[str, Any]) -> None:
    api, client = shop["api"], shop["client"]
    heavy = add_video_link(api, "client", client, weight=5, title="lourd")
    light = add_video_link(api, "client", client, weight=1, title="léger")
    middle = add_video_link(api, "client", client, weight=3, title="moyen")

    def state() -> list[tuple[str, bool]]:
        return [(m["id"], m["default"]) for m in listed(api, "client", client)]

    assert state() == [(light, True), (middle, False), (heavy, False)]  # lightest first, and the default
    reply = api.patch(f"/api/media/client/{client}/{heavy}", {"default": True})
    assert reply.status == 200 and reply.body["default"] is True and reply.body["marked_default"] is True
    assert state() == [(light, False), (middle, False), (heavy, True)]
    api.patch(f"/api/media/client/{client}/{middle}", {"default": True})  # one marked at a time
    marks = {m["id"]: m["marked_default"] for m in listed(api, "client", client)}
    assert marks == {light: False, middle: True, heavy: False}
    api.patch(f"/api/media/client/{client}/{middle}", {"active": False})  # an inactive medium is no default
    assert state() == [(light, True), (middle, False), (heavy, False)]
    api.patch(f"/api/media/client/{client}/{light}", {"weight": 9, "title": "  dernier  "})
    items = listed(api, "client", client)
    assert [(m["id"], m["title"]) for m in items][-1] == (light, "dernier")
    assert [m["id"] for m in items if m["default"]] == [heavy]


def test_the_list_shows_the_default_image_even_when_a_document_is_the_default(shop: dict[str, Any]) -> None:
    api, ref = shop["api"], shop["refs"][0]
    add_video_link(api, "article", ref, default=True)
    assert {a["ref"]: a["thumbnail_url"] for a in api.get("/api/articles").body["items"]}[ref] is None
    add_image(api, "article", ref, picture(80, 60), "dos.png", weight=4)
    add_image(api, "article", ref, picture(60, 80), "face.png", weight=2)
    items = listed(api, "article", ref)
    assert [(m["type"], m["default"]) for m in items] == [("external_video", True), ("image", False),
                                                          ("image", False)]
    face = next(m for m in items if m["filename"] == "face.png")
    shown = {a["ref"]: a["thumbnail_url"] for a in api.get("/api/articles").body["items"]}[ref]
    assert requests.get(shown, timeout=30).content == requests.get(face["thumbnail_url"], timeout=30).content


def test_edits_are_validated_field_by_field_in_french(shop: dict[str, Any]) -> None:
    api, ref = shop["api"], shop["refs"][0]
    media_id = add_video_link(api, "article", ref)
    reply = api.patch(f"/api/media/article/{ref}/{media_id}", {"weight": "lourd", "active": "oui", "colour": 1})
    assert (reply.status, reply.error_code) == (400, "invalid_input")
    assert reply.body["error"]["details"] == {"weight": "Doit être un nombre entier.",
                                              "active": "Doit valoir vrai ou faux.", "colour": "Champ inconnu."}
    missing = api.patch(f"/api/media/article/{ref}/med_0000000000000000", {"title": "x"})
    assert (missing.status, missing.error_code) == (404, "not_found")
    assert missing.body["error"]["message"] == "Média introuvable."


def test_deleting_a_medium_removes_its_original_and_its_thumbnail(
        shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, ref, tenant_id = shop["api"], shop["refs"][1], shop["tenant"].tenant_id
    kept = add_image(api, "article", ref, picture(300, 300), "garde.png")
    gone = add_image(api, "article", ref, picture(300, 300), "part.png")
    assert len(keys(s3, bucket, tenant_id)) == 4
    assert api.delete(f"/api/media/article/{ref}/{gone['id']}").status == 204
    assert [m["id"] for m in listed(api, "article", ref)] == [kept["id"]]
    assert all(gone["id"] not in k for k in keys(s3, bucket, tenant_id))
    assert len(keys(s3, bucket, tenant_id)) == 2
    assert api.delete(f"/api/media/article/{ref}/{gone['id']}").status == 404
    assert api.delete(f"/api/media/article/{ref}/{kept['id']}").status == 204
    assert keys(s3, bucket, tenant_id) == []
    assert {a["ref"]: a["thumbnail_url"] for a in api.get("/api/articles").body["items"]}[ref] is None


def test_an_upload_after_its_medium_was_deleted_is_not_kept(shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    reply = api.post(f"/api/media/article/{ref}", {"type": "image", "filename": "a.png", "content_type": "image/png"})
    assert api.delete(f"/api/media/article/{ref}/{reply.body['id']}").status == 204
    assert upload(reply.body["upload"], picture(10, 10), "a.png").status_code == 204  # the link still works...
    assert keys(s3, bucket, shop["tenant"].tenant_id) == []  # ...but nothing is kept


def test_deleting_a_client_deletes_its_media(shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, tenant_id = shop["api"], shop["tenant"].tenant_id
    client = api.post("/api/clients", {"last_name": "Éphémère"}).body["id"]
    add_image(api, "client", client, picture(50, 50), "carte.png")
    assert keys(s3, bucket, tenant_id)
    assert api.delete(f"/api/clients/{client}").status == 204
    assert keys(s3, bucket, tenant_id) == []
    assert api.get(f"/api/media/client/{client}").status == 404


def test_a_closure_deletes_the_media_of_the_articles_and_lots_it_removes(
        tenant: TenantSession, s3: Any, bucket: str) -> None:
    from tests.functional.test_year_end import wait_job

    api, tenant_id = tenant.api, tenant.tenant_id
    family = api.post("/api/families", {"label": "Vaisselle"}).body["id"]
    supplier = api.post("/api/suppliers", {"last_name": "Durand"}).body["id"]
    gone = commit_lot(api, family_id=family, supplier_id=supplier, prices=["1.00"], purchase_date="2021-01-05")
    kept = commit_lot(api, family_id=family, supplier_id=supplier, prices=["2.00"], purchase_date="2021-01-06")
    gone_ref, kept_ref = gone["articles"][0]["ref"], kept["articles"][0]["ref"]
    add_image(api, "article", gone_ref, picture(60, 60), "vendu.png")
    add_image(api, "lot", gone["lot"]["ref"], picture(60, 60), "lot.png")
    add_image(api, "article", kept_ref, picture(60, 60), "garde.png")
    sold = api.post("/api/actions/sell", {"refs": [gone_ref], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {gone_ref: "5.00"}})
    assert sold.status == 200, sold.body
    job = wait_job(api, api.post("/api/closures", {"title": "Exercice 2021", "until": "2021-12-31"}))
    assert job["status"] == "succeeded", job
    assert (job["result"]["deleted_articles"], job["result"]["deleted_media"]) == (1, 2)
    left = keys(s3, bucket, tenant_id)
    assert left and all(kept_ref in key for key in left)  # the kept article's original and thumbnail only
    assert len(listed(api, "article", kept_ref)) == 1


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "image", "filename": "virus.exe", "content_type": "application/octet-stream"}, "filename"),
    ({"type": "image", "filename": "scan.pdf", "content_type": "application/pdf"}, "filename"),
    ({"type": "image", "filename": "photo.png", "content_type": "application/pdf"}, "content_type"),
    ({"type": "video", "filename": "film.avi", "content_type": "video/x-msvideo"}, "filename"),
    ({"type": "document", "filename": "script.sh", "content_type": "text/x-sh"}, "filename"),
])
def test_a_wrong_type_is_refused_in_french_and_nothing_is_stored(
        shop: dict[str, Any], body: dict[str, Any], field: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    reply = api.post(f"/api/media/article/{ref}", body)
    assert (reply.status, reply.error_code) == (400, "media_type_not_allowed")
    assert list(reply.body["error"]["details"]) == [field]
    assert "refusé" in reply.body["error"]["message"] or "ne correspond pas" in reply.body["error"]["message"]
    assert listed(api, "article", ref) == []


def test_a_file_declared_too_large_is_refused_before_any_upload(shop: dict[str, Any]) -> None:
    api, ref = shop["api"], shop["refs"][0]
    reply = api.post(f"/api/media/article/{ref}", {"type": "image", "filename": "énorme.jpg",
                                                   "content_type": "image/jpeg", "size": 10 * MB + 1})
    assert (reply.status, reply.error_code) == (400, "media_too_large")
    assert reply.body["error"]["message"] == "Fichier trop volumineux : 10 Mo au plus pour une image."
    assert listed(api, "article", ref) == []


def test_the_bucket_refuses_an_upload_over_the_limit_and_stores_nothing(
        shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    reply = api.post(f"/api/media/article/{ref}", {"type": "image", "filename": "gros.png",
                                                   "content_type": "image/png"})  # the size left unsaid
    sent = upload(reply.body["upload"], b"\x89PNG" + b"0" * (10 * MB), "gros.png")
    assert sent.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in sent.text
    assert keys(s3, bucket, shop["tenant"].tenant_id) == []
    (medium,) = listed(api, "article", ref)
    assert (medium["status"], medium["url"]) == ("pending", None)


@pytest.mark.parametrize("changed", [{"Content-Type": "text/html"}, {"key": "originals/elsewhere/x.png"}])
def test_the_bucket_refuses_another_content_type_or_key(
        shop: dict[str, Any], s3: Any, bucket: str, changed: dict[str, str]) -> None:
    api, ref = shop["api"], shop["refs"][0]
    reply = api.post(f"/api/media/article/{ref}", {"type": "image", "filename": "a.png", "content_type": "image/png"})
    sent = upload(reply.body["upload"], picture(10, 10), "a.png", fields=changed)
    assert sent.status_code == 403
    assert "<Code>AccessDenied</Code>" in sent.text and "Policy Condition failed" in sent.text
    assert keys(s3, bucket, shop["tenant"].tenant_id) == []
    assert s3.list_objects_v2(Bucket=bucket, Prefix="originals/elsewhere/").get("KeyCount") == 0


def test_a_file_that_is_not_really_an_image_is_removed_and_its_medium_rejected(
        shop: dict[str, Any], s3: Any, bucket: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    add_image(api, "article", ref, b"%PDF-1.4 not a picture at all", "faux.png")
    add_image(api, "article", ref, picture(200, 200, fmt="JPEG"), "jpeg-named.png")  # a JPEG is not a PNG
    for medium in listed(api, "article", ref):
        assert (medium["status"], medium["url"], medium["thumbnail_url"], medium["default"]) == (
            "rejected", None, None, False)
        assert medium["rejection"] == "Image illisible : le fichier n'est pas une image PNG valide."
    assert keys(s3, bucket, shop["tenant"].tenant_id) == []


def test_an_unknown_owner_or_kind_is_a_404_and_nothing_is_stored(shop: dict[str, Any]) -> None:
    api = shop["api"]
    body = {"type": "image", "filename": "a.png", "content_type": "image/png"}
    for path in ("/api/media/article/0199999999", "/api/media/lot/0199999", "/api/media/supplier/sup_0000",
                 "/api/media/client/sup_nope", "/api/media/family/fam_1", "/api/media/company/other",
                 f"/api/media/supplier/{shop['client']}"):
        for method in ("GET", "POST"):
            reply = api.call(method, path, body if method == "POST" else None)
            assert (reply.status, reply.error_code) == (404, "not_found"), (method, path, reply.body)
            assert "introuvable" in reply.body["error"]["message"]
    assert listed(api, "article", shop["refs"][0]) == []


def test_a_hundred_media_at_most_per_owner(shop: dict[str, Any]) -> None:
    api, lot = shop["api"], shop["lot"]
    from chalicelib.domain import media as rules

    for _ in range(rules.MAX_MEDIA_PER_OWNER):
        add_video_link(api, "lot", lot)
    reply = api.post(f"/api/media/lot/{lot}", {"type": "external_video", "url": "https://vimeo.com/1"})
    assert (reply.status, reply.error_code) == (409, "media_limit")


# ---------------------------------------------------------------- tenants and profiles


def test_another_company_can_neither_see_nor_touch_the_media(
        shop: dict[str, Any], other_tenant: TenantSession, s3: Any, bucket: str) -> None:
    api, ref = shop["api"], shop["refs"][0]
    medium = add_image(api, "article", ref, picture(64, 64), "secret.png")
    stranger = other_tenant.api
    path = f"/api/media/article/{ref}"
    assert stranger.get(path).status == 404
    assert stranger.post(path, {"type": "external_video", "url": "https://x.fr/v"}).status == 404
    assert stranger.patch(f"{path}/{medium['id']}", {"title": "Pirate"}).status == 404
    assert stranger.delete(f"{path}/{medium['id']}").status == 404
    (still,) = listed(api, "article", ref)
    assert (still["title"], still["status"]) == (None, "ready")
    assert len(keys(s3, bucket, shop["tenant"].tenant_id)) == 2
    assert listed(stranger, "company", "company") == []  # "company" is always the caller's own


def test_the_shop_profile_views_article_and_client_media_but_changes_none(shop: dict[str, Any]) -> None:
    """DOMAIN.md: the shop is the till and the purchase desk; media are the back office's
    to upload, edit and delete (chalicelib/domain/profiles.py). Purchase paperwork (the
    supplier's and the lot's media) it does not even see."""
    till = shop["tenant"].add_user("shop")
    ref, client, supplier, lot = shop["refs"][0], shop["client"], shop["supplier"], shop["lot"]
    add_video_link(shop["api"], "supplier", supplier)
    add_video_link(shop["api"], "lot", lot)
    photo = add_video_link(shop["api"], "article", ref)
    for kind, owner in (("supplier", supplier), ("lot", lot)):
        assert till.get(f"/api/media/{kind}/{owner}").error_code == "forbidden"
    for kind, owner in (("supplier", supplier), ("lot", lot), ("article", ref), ("client", client),
                        ("company", "company")):
        reply = till.post(f"/api/media/{kind}/{owner}", {"type": "external_video", "url": "https://x.fr/v"})
        assert (reply.status, reply.error_code) == (403, "forbidden"), kind
    assert [m["id"] for m in till.get(f"/api/media/article/{ref}").body["items"]] == [photo]  # it sees the photos
    assert till.get("/api/media/company/company").status == 200  # the logo
    patched = till.patch(f"/api/media/article/{ref}/{photo}", {"title": "Changé par la caisse"})
    deleted = till.delete(f"/api/media/article/{ref}/{photo}")
    assert [(r.status, r.error_code) for r in (patched, deleted)] == [(403, "forbidden")] * 2
    assert [(m["id"], m["title"]) for m in listed(shop["api"], "article", ref)] == [(photo, None)]  # unchanged
    assert len(listed(shop["api"], "supplier", supplier)) == 1


# ---------------------------------------------------------------- the thumbnail function


def test_the_thumbnail_function_takes_a_redelivered_event_and_ignores_other_keys(
        shop: dict[str, Any], bucket: str) -> None:
    from chalice.test import Client

    from app import app

    api, ref = shop["api"], shop["refs"][0]
    medium = add_image(api, "article", ref, picture(500, 100), "bandeau.png")
    key = medium["upload"]["fields"]["key"]

    def event(object_key: str, bucket_name: str = bucket) -> dict[str, Any]:
        return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                             "s3": {"bucket": {"name": bucket_name, "arn": f"arn:aws:s3:::{bucket_name}"},
                                    "object": {"key": object_key.replace("/", "%2F"), "size": 1}}}]}

    lam = Client(app).lambda_
    assert lam.invoke("make_thumbnail", event(key)).payload == {"ready": [key], "rejected": [], "ignored": []}
    assert listed(api, "article", ref)[0]["status"] == "ready"
    thumb = key.replace("originals/", "thumbnails/").rsplit(".", 1)[0] + ".jpg"
    assert lam.invoke("make_thumbnail", event(thumb)).payload["ignored"] == [thumb]
    assert lam.invoke("make_thumbnail", event(key, "another-bucket")).payload["ignored"] == [key]


# ---------------------------------------------------------------- the company's logo


def _images(content: bytes) -> int:
    count = 0
    for page in reader(content).pages:
        objects = page.get("/Resources", {}).get("/XObject", {}) or {}
        count += sum(1 for o in objects.values() if o.get_object().get("/Subtype") == "/Image")
    return count


def test_the_company_logo_heads_invoices_receipts_and_contracts_once_it_exists(shop: dict[str, Any]) -> None:
    from chalice.test import Client

    from app import app

    api, ref = shop["api"], shop["refs"][0]
    assert api.put("/api/company", {"company_name": "Brocante Test"}).status == 200
    sold = api.post("/api/actions/sell", {"refs": [ref], "date": "2021-03-01", "payment_method": "card",
                                          "prices": {ref: "45.00"}})
    assert sold.status == 200, sold.body
    sale = sold.body["sale"]
    http = Client(app).http

    def pdf(name: str) -> bytes:
        path = f"/api/lots/{shop['lot']}/{name}" if name == "contract.pdf" else \
            f"/api/sales/{sale['transaction_ref']}/{name}"
        response = http.request("GET", path, body=b"",
                                headers={"Authorization": f"Bearer {api.token}", "Accept": "application/pdf"})
        assert response.status_code == 200, response.body[:300]
        return bytes(response.body)

    documents = ("invoice.pdf", "receipt.pdf", "contract.pdf")
    assert [_images(pdf(name)) for name in documents] == [0, 0, 0]
    add_video_link(api, "company", "company")  # not an image: no logo
    add_image(api, "company", "company", picture(600, 200, "RGBA"), "logo.png", title="Logo")
    assert [_images(pdf(name)) for name in documents] == [1, 1, 1]
    (logo,) = [m for m in listed(api, "company", "company") if m["type"] == "image"]
    api.patch(f"/api/media/company/company/{logo['id']}", {"active": False})
    assert _images(pdf("invoice.pdf")) == 0
