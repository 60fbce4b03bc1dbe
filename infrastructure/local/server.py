"""One origin for the site and the API, as CloudFront gives in production.

``/api/*`` goes to the Chalice app through Chalice's own API Gateway emulation
(``chalice.local.LocalGateway``); every other path is a file of ``static-site/``.
"""

from __future__ import annotations

import base64
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

API_PREFIX = "/api"
_NOT_FOUND = (
    b'{"error": {"code": "route_not_found", "message": "Cette adresse n\'existe pas."}}'
)


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _api(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._body()
        try:
            response = self.server.gateway.handle_request(
                method=self.command, path=self.path, headers=headers, body=body
            )
        except LocalGatewayException:
            self._send(404, {"Content-Type": "application/json"}, _NOT_FOUND)
            return
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        out_headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[name] = ", ".join(values)
        if payload and not any(name.lower() == "content-type" for name in out_headers):
            # API Gateway's default for a proxy answer without one (a view returning a dict)
            out_headers["Content-Type"] = "application/json"
        self._send(response["statusCode"], out_headers, payload)

    def _static(self) -> None:
        path = unquote(urlsplit(self.path).path)
        root = self.server.site_dir
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Page introuvable")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        self._send(200, {"Content-Type": content_type, "Cache-Control": "no-cache"}, target.read_bytes())

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            self._api()
        elif self.command in ("GET", "HEAD"):
            self._static()
        else:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, {}, b"")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: a sixth client connecting at the same
    # moment (a shop's tills, the concurrency tests) had its connection reset.
    request_queue_size = 128

    def __init__(self, app: Chalice, site_dir: Path, host: str, port: int, verbose: bool = False):
        super().__init__((host, port), _Handler)
        self.gateway = LocalGateway(app, Config.create(lambda_timeout=900))
        self.site_dir = site_dir.resolve()
        self.verbose = verbose
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="lotbook-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
