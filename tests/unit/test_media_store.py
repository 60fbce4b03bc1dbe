"""The links browsers follow to the media bucket (no network: presigning is local)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from chalicelib.adapters import media_store
from chalicelib.config import reset_settings


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LOTBOOK_AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("LOTBOOK_MEDIA_BUCKET", "lotbook-prod-media-123456789012-eu-west-3")
    reset_settings()
    yield
    reset_settings()


def test_in_aws_uploads_and_links_use_the_regional_endpoint_not_the_redirecting_global_one(cloud: None) -> None:
    post = media_store.presigned_upload("originals/t/article/1/med_01.png", "image/png", 10, 900)
    assert post["url"] == "https://lotbook-prod-media-123456789012-eu-west-3.s3.eu-west-3.amazonaws.com/"
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    link = urlparse(media_store.link("thumbnails/t/article/1/med_01.jpg", "image/jpeg", "vase gallé.png"))
    assert link.netloc == "lotbook-prod-media-123456789012-eu-west-3.s3.eu-west-3.amazonaws.com"
    assert "X-Amz-Expires=3600" in link.query
    assert "response-content-type=image%2Fjpeg" in link.query
