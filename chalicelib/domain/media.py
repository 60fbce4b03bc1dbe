"""Media rules (DOMAIN.md "Media"): what may be attached to what, how big, in which
order, which one is the default, and where its bytes live.

Images (jpg, jpeg, png, gif), mp4 videos, office documents, or an external video
link, attached to a supplier, client, lot, article or the company (its logo).
The browser uploads the bytes straight to the media bucket with a presigned POST
limited to the type and size below; the upload is checked again once stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------- owners

OWNER_KINDS = ("supplier", "client", "lot", "article", "company")
# The company's own media (its logo): /api/media/company/company. The tenant comes from
# the token, never from the path, so the company needs no other id.
COMPANY_OWNER_ID = "company"
_OWNER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Who may see an owner's media, and who may change them (permission names of profiles.py).
# Suppliers' and lots' media are purchase paperwork (bills, identity documents, contracts):
# the back office's only, like purchase prices. Everyone sees clients', articles' and the
# company's media (the logo, the photos of the shop floor). Uploads, edits and deletions
# are the back office's (the routes already ask ``manage_media``); the logo is a setting.
READ_PERMISSION: dict[str, str] = {
    "supplier": "see_purchase_data",
    "lot": "see_purchase_data",
    "client": "view_media",
    "article": "view_media",
    "company": "view_media",
}
WRITE_PERMISSION: dict[str, str] = {
    "supplier": "manage_media",
    "lot": "manage_media",
    "client": "manage_media",
    "article": "manage_media",
    "company": "edit_settings",
}


def valid_owner(kind: str, owner_id: str) -> bool:
    if kind not in OWNER_KINDS or not _OWNER_ID.match(owner_id or ""):
        return False
    return kind != "company" or owner_id == COMPANY_OWNER_ID


# ---------------------------------------------------------------- types and sizes

MEDIA_TYPES = ("image", "video", "document", "external_video")
FILE_TYPES = ("image", "video", "document")
MB = 1024 * 1024
MAX_BYTES = {"image": 10 * MB, "video": 200 * MB, "document": 20 * MB}
TYPE_LABELS = {"image": "une image", "video": "une vidéo", "document": "un document"}

# Extension → the content types a browser may report for it; the first is the one stored
# and sent back. "application/octet-stream" (or nothing) is what browsers say of a type
# they do not know: accepted for documents, whose extension then decides.
EXTENSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "image": {
        "jpg": ("image/jpeg", "image/pjpeg", "image/jpg"),
        "jpeg": ("image/jpeg", "image/pjpeg", "image/jpg"),
        "png": ("image/png", "image/x-png"),
        "gif": ("image/gif",),
    },
    "video": {"mp4": ("video/mp4",)},
    "document": {
        "pdf": ("application/pdf",),
        "doc": ("application/msword",),
        "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
        "xls": ("application/vnd.ms-excel",),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
        "ppt": ("application/vnd.ms-powerpoint",),
        "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
        "odt": ("application/vnd.oasis.opendocument.text",),
        "ods": ("application/vnd.oasis.opendocument.spreadsheet",),
        "odp": ("application/vnd.oasis.opendocument.presentation",),
        "rtf": ("application/rtf", "text/rtf"),
        "txt": ("text/plain",),
        "csv": ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"),
    },
}
GENERIC_CONTENT_TYPES = ("", "application/octet-stream")
# What Pillow must find in a stored image of each extension.
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}
MAX_IMAGE_PIXELS = 60_000_000  # a 10 MB file can still claim billions of pixels

# An owner carries at most this many media.
MAX_MEDIA_PER_OWNER = 100
UPLOAD_SECONDS = 900  # how long a presigned upload stays usable
THUMBNAIL_MAX_SIDE = 320  # px: the article list and the gallery, and the printed logo


def megabytes(size: int) -> str:
    return f"{size // MB} Mo"


@dataclass(frozen=True)
class Refusal:
    """Why a file is refused: a stable code, the field at fault, a French sentence."""

    code: str  # media_type_not_allowed | media_too_large
    field: str
    message: str


@dataclass(frozen=True)
class AcceptedFile:
    extension: str
    content_type: str  # the canonical type stored with the object
    max_bytes: int


def extension_of(filename: str) -> str:
    base = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def _allowed_list(media_type: str) -> str:
    return ", ".join(sorted(EXTENSIONS[media_type]))


def check_file(media_type: str, filename: str, content_type: str, size: int | None = None) -> AcceptedFile | Refusal:
    """The upload a new medium may make, or why not (type, extension, declared size)."""
    extension = extension_of(filename)
    allowed = EXTENSIONS[media_type]
    if extension not in allowed:
        return Refusal("media_type_not_allowed", "filename",
                       f"Fichier « .{extension or '?'} » refusé pour {TYPE_LABELS[media_type]} : "
                       f"extensions acceptées {_allowed_list(media_type)}.")
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared not in allowed[extension] and not (media_type == "document" and declared in GENERIC_CONTENT_TYPES):
        return Refusal("media_type_not_allowed", "content_type",
                       f"Le type « {content_type} » ne correspond pas à un fichier .{extension}.")
    limit = MAX_BYTES[media_type]
    if size is not None and size > limit:
        return Refusal("media_too_large", "size",
                       f"Fichier trop volumineux : {megabytes(limit)} au plus pour {TYPE_LABELS[media_type]}.")
    if size is not None and size < 1:
        return Refusal("media_type_not_allowed", "size", "Le fichier est vide.")
    return AcceptedFile(extension, allowed[extension][0], limit)


def stored_size_problem(media_type: str, size: int) -> str | None:
    """Why an object already stored is refused by its size (S3 checked the policy; this
    is the second line, for an upload that went around it)."""
    if size < 1:
        return "Le fichier reçu est vide."
    if size > MAX_BYTES[media_type]:
        return f"Fichier trop volumineux : {megabytes(MAX_BYTES[media_type])} au plus pour {TYPE_LABELS[media_type]}."
    return None


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def external_url_problem(url: str | None) -> str | None:
    if not url:
        return "L'adresse de la vidéo est obligatoire pour une vidéo externe."
    if len(url) > 2000 or not _URL.match(url):
        return "Adresse invalide : elle doit commencer par https:// (par exemple un lien YouTube)."
    return None


# ---------------------------------------------------------------- storage keys

ORIGINALS_PREFIX = "originals/"
THUMBNAILS_PREFIX = "thumbnails/"


def original_key(tenant_id: str, kind: str, owner_id: str, media_id: str, extension: str) -> str:
    # Only originals/ triggers the thumbnail function: what it writes does not call it again.
    return f"{ORIGINALS_PREFIX}{tenant_id}/{kind}/{owner_id}/{media_id}.{extension}"


def thumbnail_key(tenant_id: str, kind: str, owner_id: str, media_id: str) -> str:
    return f"{THUMBNAILS_PREFIX}{tenant_id}/{kind}/{owner_id}/{media_id}.jpg"


@dataclass(frozen=True)
class StoredKey:
    tenant_id: str
    kind: str
    owner_id: str
    media_id: str


_ORIGINAL = re.compile(r"^originals/([A-Za-z0-9_-]+)/([a-z]+)/([A-Za-z0-9_-]+)/(med_[0-9a-f]+)\.[a-z0-9]+$")


def parse_original_key(key: str) -> StoredKey | None:
    match = _ORIGINAL.match(key)
    if match is None or match.group(2) not in OWNER_KINDS:
        return None
    return StoredKey(*match.groups())


def thumbnail_size(width: int, height: int, side: int = THUMBNAIL_MAX_SIDE) -> tuple[int, int]:
    """Fit (width, height) in a ``side`` square, never enlarging, never below 1 px."""
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


# ---------------------------------------------------------------- order and default


@dataclass(frozen=True)
class Medium:
    id: str
    owner_kind: str
    owner_id: str
    type: str
    title: str | None = None
    active: bool = True
    marked_default: bool = False
    weight: int = 0
    status: str = "pending"  # pending (awaiting its upload) | ready | rejected
    filename: str | None = None
    content_type: str | None = None
    object_key: str | None = None
    thumbnail_key: str | None = None
    url: str | None = None  # external videos
    size: int | None = None
    rejection: str | None = None
    created_at: str = ""
    created_by: str | None = None
    revision: int = 0  # the stored item's, for optimistic writes

    @property
    def usable(self) -> bool:
        """Shown and eligible as the default: active, and its file checked (or a link)."""
        return self.active and self.status == "ready"


def display_order(media: list[Medium]) -> list[Medium]:
    """Lightest weight first (DOMAIN.md: the heavier, the further down); then oldest first."""
    return sorted(media, key=lambda m: (m.weight, m.created_at, m.id))


def default_medium(media: list[Medium]) -> Medium | None:
    """The one marked as default, or else the lightest; among the usable media only."""
    usable = display_order([m for m in media if m.usable])
    marked = [m for m in usable if m.marked_default]
    found = marked or usable
    return found[0] if found else None
