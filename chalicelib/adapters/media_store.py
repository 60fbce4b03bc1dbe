"""The media bucket (``lotbook-<stage>-media``): presigned uploads and downloads, and
what the thumbnail function reads, writes and deletes. The API never carries the bytes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.adapters.aws import client
from chalicelib.config import get_settings

LINK_SECONDS = 3600
_regional: dict[str, Any] = {}


def bucket() -> str:
    return get_settings().media_bucket


def _s3() -> Any:
    """The S3 client whose links browsers follow. In AWS, the regional virtual-host endpoint
    (``<bucket>.s3.<region>.amazonaws.com``): the global one answers a new bucket outside
    us-east-1 with a redirect, which a browser's cross-origin upload does not follow.
    Locally, moto's endpoint."""
    settings = get_settings()
    if settings.aws_endpoint_url:
        return client("s3")
    if settings.region not in _regional:
        import boto3
        from botocore.config import Config

        _regional[settings.region] = boto3.session.Session().client(
            "s3", region_name=settings.region, endpoint_url=f"https://s3.{settings.region}.amazonaws.com",
            config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    return _regional[settings.region]


def presigned_upload(key: str, content_type: str, max_bytes: int, expires: int) -> dict[str, Any]:
    """A browser form upload (POST) that S3 accepts only for this key, this Content-Type
    and 1 to ``max_bytes`` bytes, until it expires: ``{url, fields}``."""
    post = _s3().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires,
    )
    return {"url": post["url"], "fields": post["fields"]}


def link(key: str, content_type: str | None = None, filename: str | None = None, attachment: bool = False) -> str:
    """A time-limited GET that needs no token (images in <img>, documents opened in a tab)."""
    params: dict[str, Any] = {"Bucket": bucket(), "Key": key}
    if content_type:
        params["ResponseContentType"] = content_type
    if filename:
        disposition = "attachment" if attachment else "inline"
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
        params["ResponseContentDisposition"] = (
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return str(_s3().generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_SECONDS))


def size(key: str) -> int | None:
    """The stored object's size, or None when there is none."""
    s3 = client("s3")
    try:
        return int(s3.head_object(Bucket=bucket(), Key=key)["ContentLength"])
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def read(key: str) -> bytes | None:
    s3 = client("s3")
    try:
        return bytes(s3.get_object(Bucket=bucket(), Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def put(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)


def delete(*keys: str | None) -> None:
    """Delete the objects (S3 answers a missing key as deleted)."""
    wanted = [k for k in keys if k]
    if wanted:
        client("s3").delete_objects(Bucket=bucket(), Delete={"Objects": [{"Key": k} for k in wanted], "Quiet": True})
