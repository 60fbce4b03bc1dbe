"""Blueprints whose views are guarded: authentication and error mapping in one place.

Chalice turns any exception a view raises into its own 500 before middleware
sees it, so every view is wrapped here. Routes are private unless declared
``public=True``: a forgotten check can only deny, never expose. Each private route
needs the permission the one table names for it (chalicelib/domain/profiles.py).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Chalice, Response

from chalicelib.adapters.aws import CONFLICT_CODES, THROTTLING_CODES, error_codes
from chalicelib.api.doc import Doc
from chalicelib.auth import Principal, authenticate, reset_principal, set_principal
from chalicelib.domain.profiles import known, route_permission
from chalicelib.errors import (
    ConcurrentChangeError,
    ForbiddenError,
    LotbookError,
    NotFoundError,
    ServiceBusyError,
    TrainingModeError,
    ValidationError,
)
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
    if who.training:
        from chalicelib.domain import training  # lazy: only training sessions need its rules

        if not training.write_allowed(method, path):
            raise TrainingModeError()  # in training mode nothing real changes (chalicelib/domain/training.py)


# Bodies are read as JSON whatever the client calls them (curl says form data),
# so a wrong Content-Type gets our 400 rather than Chalice's bare 415.
ACCEPTED_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


# A read of the police register (DOMAIN.md "Audit trail": arrêté of 15 May 2020, art. 3):
# the route's ``what`` template (``"police_sheet:{ref}"``, filled by domain/audit.read_subject),
# or a function of the path parameters and the view's answer, None when that answer holds no
# part of the register (a backup not ready: no link handed out).
RegisterRead = str | Callable[[dict[str, Any], Any], str | None]


def request_purpose(request: Any) -> str | None:
    """``?purpose=``: why the dealer's staff read the register (an inspector's grant gives its own);
    400 when it is not one line of readable text."""
    from chalicelib.domain import audit as audit_rules  # lazy: only reads of the police register need the audit rules

    try:
        return audit_rules.clean_purpose((request.query_params or {}).get(audit_rules.PURPOSE_PARAM))
    except audit_rules.PurposeError as error:
        raise ValidationError(details={audit_rules.PURPOSE_PARAM: str(error)}) from None


def _read_of(register_read: RegisterRead, request: Any, uri_params: dict[str, Any], answer: Any) -> str | None:
    if isinstance(answer, Response) and answer.status_code >= 400:
        return None  # nothing was read
    if callable(register_read):
        return register_read(uri_params, answer)
    from chalicelib.domain import audit as audit_rules  # lazy: as in request_purpose

    return audit_rules.read_subject(register_read, uri_params, request.query_params or {})


def log_register_read(who: Principal, register_read: RegisterRead, request: Any, uri_params: dict[str, Any],
                      answer: Any, purpose: str | None) -> None:
    """One consultation record per read of the register that answered (a refused or failed
    read read nothing). Its write failing fails the request: an unlogged read is not allowed."""
    if who.inspector is not None:
        return  # an inspector's request is logged once, before it runs (log_inspector_request)
    what = _read_of(register_read, request, uri_params, answer)
    if what:
        from chalicelib.services import audit  # lazy: the journal's models load on the first read

        audit.consulted(who, what, purpose)


def log_inspector_request(who: Principal, request: Any, reads_register: bool = False,
                          refused: bool = False) -> None:
    """Every request of an inspector's session is one consultation, logged before it runs
    (refused ones included: the log shows every access): its method and path as asked,
    whether the route reads the police register (``register_read``) or is another access,
    and whether the session was refused it."""
    from urllib.parse import urlencode

    from chalicelib.domain import audit as audit_rules
    from chalicelib.services import audit  # lazy: only an inspector's requests pay for them

    query = urlencode(request.query_params or {})
    path = (request.context or {}).get("path") or request.path
    audit.consulted(who, f"{request.method} {path}{'?' + query if query else ''}",
                    access=audit_rules.REGISTER_READ if reads_register else audit_rules.ACCESS, refused=refused)


def _service_logged(request: Any) -> bool:
    from chalicelib.domain import audit as audit_rules  # lazy: asked for an inspector's requests only

    context = request.context or {}
    route = f"{context.get('httpMethod') or request.method} {context.get('resourcePath') or ''}"
    return route in audit_rules.SERVICE_LOGGED_READS


def reads_register(method: str, path: str, view: Any) -> bool:
    """Whether a route of the app reads the police register: declared ``register_read=``, or
    logged by its service (``domain/audit.SERVICE_LOGGED_READS``: the fiscal archive's download).
    The one answer for the OpenAPI document (``x-register-read``) and the site (``register_reads``)."""
    from chalicelib.domain import audit as audit_rules  # lazy: asked when the document or the site's list is built

    return bool(getattr(view, "lotbook_register_read", False)) or f"{method} {path}" in audit_rules.SERVICE_LOGGED_READS


def _literal(segment: str) -> str:
    """A path segment as a regular expression."""
    return re.sub(r"[.^$*+?()[\]{}|\\]", lambda found: "\\" + found.group(0), segment)


@functools.lru_cache(maxsize=4)
def register_read_patterns(app: Any) -> tuple[str, ...]:
    """The GET routes reading the register, as regular expressions of the path after ``/api``
    (also JavaScript's syntax: the site sends ``?purpose=`` with each, ``static-site/js/purpose.js``).
    A parameter matches no literal segment of a sibling route: ``/lots/draft`` is not ``/lots/{ref}``."""
    gets = [path.split("/")[2:] for path, methods in app.routes.items() if "GET" in methods]
    patterns = []
    for path, methods in sorted(app.routes.items()):
        entry = methods.get("GET")
        if entry is None or not reads_register("GET", path, entry.view_function):
            continue
        segments = path.split("/")[2:]  # after /api
        parts = []
        for i, segment in enumerate(segments):
            if not segment.startswith("{"):
                parts.append(_literal(segment))
                continue
            siblings = sorted({_literal(other[i]) for other in gets if len(other) == len(segments)
                               and other[:i] == segments[:i] and not other[i].startswith("{")})
            parts.append(f"(?!(?:{'|'.join(siblings)})(?:/|$))[^/]+" if siblings else "[^/]+")
        patterns.append("^/" + "/".join(parts) + "$")
    return tuple(patterns)


def _authorize_inspector(who: Principal, request: Any, uri_params: dict[str, Any], reads_register: bool) -> None:
    """An inspector's request: authorized, then logged (refused or not) before it runs."""
    try:
        authorize(who, request, uri_params)
    except LotbookError as error:  # 403 refused; 404 an action that does not exist
        log_inspector_request(who, request, reads_register, refused=isinstance(error, ForbiddenError))
        raise
    log_inspector_request(who, request, reads_register)


class ApiBlueprint(Blueprint):
    def route(self, path: str, public: bool = False, register_read: RegisterRead | None = None,
              doc: Doc | None = None, **kwargs: Any) -> Callable[..., Any]:
        """``register_read``: the route reads the police register; each successful answer is
        logged in the consultation log with the caller, what it read and ``?purpose=``.
        ``doc``: what the route takes and answers, for the OpenAPI document (``api/doc.py``)."""
        if public and register_read is not None:
            raise ValueError("a read of the police register is never public")
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
                        if who.inspector is not None:
                            _authorize_inspector(who, self.current_request, uri_params,
                                                 register_read is not None or _service_logged(self.current_request))
                        else:
                            authorize(who, self.current_request, uri_params)
                    if register_read is None:
                        return view(*args, **uri_params)
                    purpose = request_purpose(self.current_request)
                    answer = view(*args, **uri_params)
                    log_register_read(who, register_read, self.current_request, uri_params, answer, purpose)
                    return answer
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
            guarded.lotbook_register_read = register_read is not None  # type: ignore[attr-defined]  # idem
            guarded.lotbook_doc = doc  # type: ignore[attr-defined]  # idem
            return register(guarded)

        return decorator


class ThreadSafeChalice(Chalice):
    """Chalice keeps the current request on the app object: fine in Lambda (one
    event at a time), wrong in the local server and the tests, which serve
    requests from several threads. Here each thread sees its own request.

    Not ``chalice.local.LocalChalice``: chalice packages only ``chalice/app.py`` into the
    Lambda zip (``chalice.local`` would not import there); it keeps ``current_request``
    per thread but not ``lambda_context`` (api/articles.py reads its remaining time); and
    its getter raises AttributeError on a thread that has no request instead of None."""

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
