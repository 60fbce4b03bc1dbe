"""Pillow: is a stored file really an image of its kind, and its thumbnail.

Pillow ships in the documents layer (layers/documents/requirements.txt) and is
imported on the first image only, never at cold start.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from chalicelib.domain.media import MAX_IMAGE_PIXELS, THUMBNAIL_MAX_SIDE, thumbnail_size


class UnreadableImageError(ValueError):
    """Not an image Pillow can decode, or not of the expected format."""


@dataclass(frozen=True)
class Thumbnail:
    content: bytes  # JPEG
    width: int
    height: int
    source_width: int
    source_height: int


def thumbnail(data: bytes, expected_format: str, side: int = THUMBNAIL_MAX_SIDE) -> Thumbnail:
    """Decode ``data`` completely (a truncated or forged file fails here) and shrink it
    into a ``side`` square: JPEG, transparency flattened on white, EXIF rotation applied."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != expected_format:
                raise UnreadableImageError(f"{probe.format} instead of {expected_format}")
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UnreadableImageError(f"{width}x{height} pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every byte: verify() alone does not read the pixels
            frame = ImageOps.exif_transpose(image) or image
            target = thumbnail_size(*frame.size, side=side)
            if target != frame.size:
                frame = frame.resize(target, Image.Resampling.LANCZOS)
            if frame.mode in ("RGBA", "LA", "P", "PA"):
                rgba = frame.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = frame.convert("RGB")
            out = io.BytesIO()
            flat.save(out, "JPEG", quality=85, optimize=True)
            return Thumbnail(out.getvalue(), flat.width, flat.height, width, height)
    except UnreadableImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(str(exc)) from None
