"""Serves the What-If page and its JSON API on this machine only (127.0.0.1 unless
another host is asked for). The page and its script come from this package, so it
works with the network off, and its Content-Security-Policy lets it fetch from
nowhere else. Client input is answered with a 4xx and a one-line JSON error, never
a traceback; POSTs must be JSON, so another site's page cannot post a form here
(a cross-site JSON request needs a preflight this server never grants), and a Host
other than the one served is refused, so a rebound DNS name cannot reach it."""

import errno
import json
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomlkit

from research_guards.config import load_config
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.storage import write_text
from research_guards.whatif import RequestError
from research_guards.whatif import WhatIf

MAX_BODY = 1_000_000
STATIC = {
    "/": ("whatif.html", "text/html; charset=utf-8"),
    "/whatif.js": ("whatif.js", "text/javascript; charset=utf-8"),
}
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
Answer = Callable[[WhatIf, dict[str, Any]], Any]
POSTS: dict[str, Answer] = {
    "/api/predict": lambda views, body: views.predict(body.get("row")),
    "/api/counterfactual": lambda views, body: views.counterfactual(
        body.get("row"), body.get("model"), body.get("distance", "L1")
    ),
    "/api/dependence": lambda views, body: views.dependence(
        body.get("row"), body.get("feature")
    ),
    "/api/performance": lambda views, body: views.performance(body),
}
GETS: dict[str, Callable[[WhatIf], Any]] = {
    "/api/meta": WhatIf.meta,
    "/api/table": WhatIf.table,
}


def write_decision_threshold(config_path: Path, value: Any) -> str:
    """[evaluation] decision_threshold in the config, comments kept, so the choice is
    reviewed and gated like any other change (the next run trains with it)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (number and 0 <= value <= 1):
        raise RequestError(f"threshold must be a number from 0 to 1, not {value!r}")
    written = round(float(value), 2)
    document = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    evaluation = document.get("evaluation")
    if evaluation is None:
        evaluation = tomlkit.table()
        document["evaluation"] = evaluation
    evaluation["decision_threshold"] = written
    write_text(config_path, tomlkit.dumps(document))
    load_config(config_path)  # it still reads, or the error says why
    return f"[evaluation] decision_threshold = {written} written to {config_path}"


class Handler(BaseHTTPRequestHandler):
    """One request; `views`, `config_path` and `host` are set on a subclass per
    server (see serve)."""

    views: WhatIf
    config_path: Path
    host: str
    server_version = "research-guards-whatif"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal keeps its one line."""

    def do_GET(self) -> None:
        if not self._trusted_host():
            return
        path = self.path.split("?")[0]
        if path in STATIC:
            name, kind = STATIC[path]
            text = files("research_guards").joinpath(name).read_text(encoding="utf-8")
            self._send(HTTPStatus.OK, text.encode(), kind)
        elif path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        elif path in GETS:
            self._json(HTTPStatus.OK, GETS[path](self.views))
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no page at {path}")

    def do_POST(self) -> None:
        if not self._trusted_host():
            return
        path = self.path.split("?")[0]
        if path not in POSTS and path != "/api/threshold":
            self._error(HTTPStatus.NOT_FOUND, f"no API at {path}")
            return
        body = self._body()
        if body is None:
            return
        try:
            if path == "/api/threshold":
                line = write_decision_threshold(self.config_path, body.get("threshold"))
                self._json(HTTPStatus.OK, {"written": line})
            else:
                self._json(HTTPStatus.OK, POSTS[path](self.views, body))
        except (RequestError, ConfigError, DataError) as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error))
        except Exception as error:  # a fault of ours, not the request's: one line
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            self._error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"the server failed: {reason}"
            )

    def _trusted_host(self) -> bool:
        if not self.host.startswith(("127.0.0.1:", "localhost:")):
            return True  # served on another interface: asked for, any name may reach it
        if self.headers.get("Host") in (
            self.host,
            self.host.replace("127.0.0.1", "localhost"),
        ):
            return True
        self._error(
            HTTPStatus.FORBIDDEN, f"this page answers only at http://{self.host}/"
        )
        return False

    def _body(self) -> dict[str, Any] | None:
        """The request's JSON object, or None after answering why not."""
        if self.headers.get_content_type() != "application/json":
            self._error(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "send JSON (Content-Type: application/json)",
            )
            return None
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self._error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
            return None
        if int(length) > MAX_BODY:
            self._error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"a request may hold at most {MAX_BODY} bytes",
            )
            return None
        try:
            body = json.loads(self.rfile.read(int(length)) or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            self._error(HTTPStatus.BAD_REQUEST, f"malformed JSON: {error}")
            return None
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "send a JSON object")
            return None
        return body

    def _json(self, status: HTTPStatus, document: Any) -> None:
        text = json.dumps(document, allow_nan=False)
        self._send(status, text.encode(), "application/json")

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._json(status, {"error": message})

    def _send(self, status: HTTPStatus, payload: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)


class QuietServer(ThreadingHTTPServer):
    """A page closed mid-answer is no error; anything else is one line on stderr,
    never a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            print(f"whatif: a request failed: {error}", file=sys.stderr)


def server(
    views: WhatIf, config_path: Path, host: str, port: int
) -> ThreadingHTTPServer:
    """A server bound to host:port (0: any free port); a port in use is refused in
    one line."""
    try:
        bound = QuietServer((host, port), Handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise DataError(
                f"port {port} on {host} is in use: pass --port with a free one "
                "(0 picks one)"
            ) from None
        raise DataError(f"cannot serve on {host}:{port}: {error.strerror}") from None
    address = f"{host}:{bound.server_address[1]}"
    handler = type(
        "BoundHandler",
        (Handler,),
        {"views": views, "config_path": config_path, "host": address},
    )
    bound.RequestHandlerClass = handler
    return bound


def serve(views: WhatIf, config_path: Path, host: str, port: int) -> int:
    """Serve until Ctrl-C, saying where in one line and that it stopped in another."""
    running = server(views, config_path, host, port)
    try:  # Ctrl-C as soon as the address shows (during its flush) stops it too
        print(
            f"What-If page on http://{host}:{running.server_address[1]}/ "
            "(Ctrl-C stops it)",
            flush=True,
        )
        running.serve_forever()
    except KeyboardInterrupt:
        print("stopped the What-If page", file=sys.stderr)
    finally:
        running.server_close()
    return 0
