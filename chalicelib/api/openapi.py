"""``GET /api/openapi.json``: the API's OpenAPI document, public.

Built from the app's own route table and each route's ``doc=`` (``api/doc.py``) on the
first request, then kept (``openapi_spec.py``, imported here lazily so the cold start
does not pay for it).
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.doc import Doc, ref
from chalicelib.api.routing import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/openapi.json", public=True, methods=["GET"], doc=Doc("This document", ref("Document")))
def openapi_document() -> dict[str, Any]:
    from chalicelib.api import openapi_spec

    return openapi_spec.document(bp.current_app)
