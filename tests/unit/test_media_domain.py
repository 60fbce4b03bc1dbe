"""Media rules without any AWS: types, sizes, keys, order and the default medium."""

from __future__ import annotations

import pytest

from chalicelib.domain import media as rules
from chalicelib.domain.media import AcceptedFile, Medium, Refusal

MB = 1024 * 1024


@pytest.mark.parametrize(("media_type", "filename", "content_type", "stored"), [
    ("image", "Photo.JPG", "image/jpeg", "image/jpeg"),
    ("image", "scan.jpeg", "image/pjpeg", "image/jpeg"),
    ("image", "logo.png", "image/png", "image/png"),
    ("image", "anim.gif", "image/gif", "image/gif"),
    ("video", "visite.mp4", "video/mp4", "video/mp4"),
    ("document", "facture.pdf", "application/pdf", "application/pdf"),
    ("document", "inventaire.csv", "application/vnd.ms-excel", "text/csv"),  # what Windows browsers say
    ("document", "notes.odt", "", "application/vnd.oasis.opendocument.text"),  # an unknown type to the browser
    ("document", "compte.xlsx", "application/octet-stream",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_accepted_files_are_stored_with_their_canonical_type(
        media_type: str, filename: str, content_type: str, stored: str) -> None:
    accepted = rules.check_file(media_type, filename, content_type, 1000)
    assert isinstance(accepted, AcceptedFile)
    assert accepted.content_type == stored
    assert accepted.max_bytes == rules.MAX_BYTES[media_type]


@pytest.mark.parametrize(("media_type", "filename", "content_type", "size", "code", "field"), [
    ("image", "photo.bmp", "image/bmp", None, "media_type_not_allowed", "filename"),
    ("image", "photo", "image/png", None, "media_type_not_allowed", "filename"),
    ("image", "photo.png", "application/octet-stream", None, "media_type_not_allowed", "content_type"),
    ("video", "film.mov", "video/quicktime", None, "media_type_not_allowed", "filename"),
    ("document", "run.exe", "application/octet-stream", None, "media_type_not_allowed", "filename"),
    ("image", "big.png", "image/png", 10 * MB + 1, "media_too_large", "size"),
    ("video", "big.mp4", "video/mp4", 200 * MB + 1, "media_too_large", "size"),
    ("document", "big.pdf", "application/pdf", 20 * MB + 1, "media_too_large", "size"),
    ("document", "empty.pdf", "application/pdf", 0, "media_type_not_allowed", "size"),
])
def test_refusals_name_the_field_and_say_why_in_french(
        media_type: str, filename: str, content_type: str, size: int | None, code: str, field: str) -> None:
    refusal = rules.check_file(media_type, filename, content_type, size)
    assert isinstance(refusal, Refusal)
    assert (refusal.code, refusal.field) == (code, field)
    assert refusal.message.endswith(".")


def test_the_limits_are_those_of_the_spec() -> None:
    assert rules.check_file("image", "a.png", "image/png", 10 * MB) == AcceptedFile("png", "image/png", 10 * MB)
    assert rules.stored_size_problem("image", 10 * MB) is None
    assert rules.stored_size_problem("image", 10 * MB + 1) == "Fichier trop volumineux : 10 Mo au plus pour une image."
    assert rules.stored_size_problem("document", 0) == "Le fichier reçu est vide."


def test_keys_say_whose_file_it_is_and_only_originals_parse() -> None:
    key = rules.original_key("t1", "article", "0603001001", "med_00ff", "png")
    assert key == "originals/t1/article/0603001001/med_00ff.png"
    assert rules.parse_original_key(key) == rules.StoredKey("t1", "article", "0603001001", "med_00ff")
    thumbnail = rules.thumbnail_key("t1", "article", "0603001001", "med_00ff")
    assert thumbnail == "thumbnails/t1/article/0603001001/med_00ff.jpg"
    for other in ("thumbnails/t1/article/0603001001/med_00ff.jpg", "originals/t1/family/f/med_00ff.png",
                  "originals/t1/article/../med_00ff.png", "originals/t1/article/x/other.png"):
        assert rules.parse_original_key(other) is None


def test_owners_are_the_five_kinds_and_the_company_is_company() -> None:
    assert rules.valid_owner("supplier", "sup_0a1b")
    assert rules.valid_owner("company", "company")
    assert not rules.valid_owner("company", "t1")
    assert not rules.valid_owner("family", "fam_1")
    assert not rules.valid_owner("article", "../x")


def test_thumbnails_fit_a_square_without_enlarging() -> None:
    assert rules.thumbnail_size(1200, 800) == (320, 213)
    assert rules.thumbnail_size(800, 1200) == (213, 320)
    assert rules.thumbnail_size(100, 50) == (100, 50)
    assert rules.thumbnail_size(5000, 1) == (320, 1)


def _medium(name: str, weight: int = 0, **extra: object) -> Medium:
    fields: dict[str, object] = {"id": name, "owner_kind": "article", "owner_id": "x", "type": "image",
                                 "weight": weight, "status": "ready", "created_at": f"2024-01-01T00:00:0{len(name)}"}
    return Medium(**{**fields, **extra})  # type: ignore[arg-type]


def test_the_default_is_the_marked_usable_medium_or_else_the_lightest() -> None:
    a, b, c = _medium("a", 5), _medium("bb", 1), _medium("ccc", 3)
    assert [m.id for m in rules.display_order([a, b, c])] == ["bb", "ccc", "a"]
    assert rules.default_medium([a, b, c]) == b
    marked = _medium("a", 5, marked_default=True)
    assert rules.default_medium([marked, b, c]) == marked
    assert rules.default_medium([_medium("a", 5, marked_default=True, active=False), b, c]) == b
    assert rules.default_medium([_medium("bb", 1, status="pending"), c]) == c
    assert rules.default_medium([_medium("a", status="rejected")]) is None
    assert rules.default_medium([]) is None
    # equal weights: the oldest first
    assert [m.id for m in rules.display_order([_medium("ccc"), _medium("a")])] == ["a", "ccc"]


@pytest.mark.parametrize(("url", "ok"), [("https://www.youtube.com/watch?v=x", True), ("http://vimeo.com/1", True),
                                         ("javascript:alert(1)", False), ("", False), ("www.youtube.com", False)])
def test_external_videos_are_web_addresses(url: str, ok: bool) -> None:
    assert (rules.external_url_problem(url) is None) is ok
