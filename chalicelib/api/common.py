"""What every route needs: the JSON body, pagination (query strings: ``schemas.parse_query``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeVar

from chalice import Response

from chalicelib.api.schemas import load_json, parse_query

T = TypeVar("T")

def json_body(request: Any) -> Any:
    return load_json(request.raw_body)


def page(request: Any, items: Sequence[T], render: Callable[[T], Any]) -> dict[str, Any]:
    """One page of ``items`` (``?page=``, ``?page_size=``: ``queries.PageQuery``)."""
    paging = parse_query("PageQuery", request)
    number, size = paging.page, paging.page_size
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

