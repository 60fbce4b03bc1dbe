"""Blueprints whose views are guarded: authentication and error mapping in one place.

Chalice turns any exception a view raises into its own 500 before middleware
sees it, so every view is wrapped here. Routes are private unless declared
``public=True``: a forgotten check can only deny, never expose. Each private route
needs the permission the one table names for it (chalicelib/domain/profiles.py).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Chalice, Response

from chalicelib.adapters.aws import CONFLICT_CODES, THROTTLING_CODES, error_codes
from chalicelib.auth import Principal, authenticate, reset_principal, set_principal
from chalicelib.domain.profiles import known, route_permission
from chalicelib.errors import ConcurrentChangeError, ForbiddenError, LotbookError, NotFoundError, ServiceBusyError
from chalicelib.observability import logger

INTERNAL_ERROR = {
    "error": {
        "code": "internal_error",
        "message": "Une erreur interne est survenue. Réessayez ou contactez le support.",
    }
}


def error_response(error: LotbookError) -> Response:
    headers = {"Retry-After": "2"} if error.status == 503 else None
    if getattr(error, "retry_after", None):  # 429: signups per address, login lockout
        headers = {"Retry-After": str(error.retry_after)}  # type: ignore[attr-defined]
    return Response(body=error.to_body(), status_code=error.status, headers=headers)


def transient_error(exc: Exception) -> LotbookError | None:
    """AWS throttling (503) or two transactions on one item (409): the user may simply retry.

    Writes that span several requests undo themselves on any error (bulk actions, lot
    commits), so by the time this answers, nothing of the request is left half done.
    """
    codes = error_codes(exc)
    if codes & THROTTLING_CODES:
        return ServiceBusyError()
    if codes & CONFLICT_CODES:
        return ConcurrentChangeError()
    return None


def authorize(who: Principal, request: Any, uri_params: dict[str, Any]) -> None:
    """The caller's profile against the route's permission in the one table
    (chalicelib/domain/profiles.py ``ROUTES``). A route the table does not know is
    refused to everyone: a forgotten decision can only deny."""
    context = request.context or {}
    method, path = context.get("httpMethod") or request.method, context.get("resourcePath") or ""
    needed = route_permission(method, path, uri_params)
    if needed is None:
        logger.error("route without a permission decision", extra={"route": f"{method} {path}"})
        raise ForbiddenError("Cette opération n'est ouverte à aucun profil pour l'instant.")
    if not known(needed):  # e.g. an action that does not exist
        raise NotFoundError()
    who.require(needed)


# Bodies are read as JSON whatever the client calls them (curl says form data),
# so a wrong Content-Type gets our 400 rather than Chalice's bare 415.
ACCEPTED_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


class ApiBlueprint(Blueprint):
    def route(self, path: str, public: bool = False, **kwargs: Any) -> Callable[..., Any]:
        kwargs.setdefault("content_types", ACCEPTED_CONTENT_TYPES)
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def guarded(*args: Any, **uri_params: Any) -> Any:
                token = None
                try:
                    if not public:
                        who = authenticate(self.current_request.headers)
                        token = set_principal(who)
                        authorize(who, self.current_request, uri_params)
                    return view(*args, **uri_params)
                except LotbookError as error:
                    return error_response(error)
                except Exception as exc:
                    transient = transient_error(exc)
                    if transient is not None:
                        logger.warning("transient AWS error", extra={"path": path, "codes": sorted(error_codes(exc))})
                        return error_response(transient)
                    logger.exception("unhandled error", extra={"path": path})
                    return Response(body=INTERNAL_ERROR, status_code=500)
                finally:
                    if token is not None:
                        reset_principal(token)

            guarded.lotbook_public = public  # type: ignore[attr-defined]  # read by api/openapi_spec.py
            return register(guarded)

        return decorator


class ThreadSafeChalice(Chalice):
    """Chalice keeps the current request on the app object: fine in Lambda (one
    event at a time), wrong in the local server and the tests, which serve
    requests from several threads. Here each thread sees its own request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._per_thread = threading.local()
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._per_thread.request = value

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._per_thread.context = value
