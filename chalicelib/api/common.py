"""What every route needs: the JSON body, the caller, pagination."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeVar

from chalice import Response

from chalicelib.api.schemas import load_json
from chalicelib.errors import ValidationError

T = TypeVar("T")

MAX_PAGE_SIZE = 500


def json_body(request: Any) -> Any:
    return load_json(request.raw_body)


def query_param(request: Any, name: str) -> str | None:
    params = request.query_params or {}
    value = params.get(name)
    return value if value not in (None, "") else None


def _positive(request: Any, name: str, default: int, maximum: int) -> int:
    raw = query_param(request, name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= maximum:
        raise ValidationError(details={name: f"Nombre entier entre 1 et {maximum} attendu."})
    return int(raw)


def page(request: Any, items: Sequence[T], render: Callable[[T], Any]) -> dict[str, Any]:
    number = _positive(request, "page", 1, 10**6)
    size = _positive(request, "page_size", 50, MAX_PAGE_SIZE)
    start = (number - 1) * size
    return {
        "items": [render(i) for i in items[start : start + size]],
        "total": len(items),
        "page": number,
        "page_size": size,
    }


def created(body: Any) -> Response:
    return Response(body=body, status_code=201)


def no_content() -> Response:
    return Response(body="", status_code=204)


class LazyService:
    """A service module imported on its first use, not when its routes are registered:
    the cold start of the API function pays only for the services a request needs."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


def lazy_service(name: str) -> Any:
    return LazyService(f"chalicelib.services.{name}")

