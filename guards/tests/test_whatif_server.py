"""The What-If server's API, without a browser: the page and its script with a
policy that lets them fetch nothing from elsewhere, JSON answers, a one-line JSON
error and a 4xx for every bad request, the threshold written to the config, and a
port in use refused in one line."""

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import views_of

from research_guards.config import load_config
from research_guards.errors import DataError
from research_guards.testing import write_project
from research_guards.whatif_server import server

Answer = tuple[int, dict[str, str], Any]


class Client:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        kind = response.getheader("Content-Type", "")
        document = json.loads(payload) if kind == "application/json" else payload
        return response.status, dict(response.getheaders()), document

    def post(self, path: str, document: Any) -> Answer:
        headers = {"Content-Type": "application/json"}
        return self.request("POST", path, json.dumps(document).encode(), headers)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, Path]]:
    config_path = write_project(tmp_path_factory.mktemp("served"), "binary")
    running = server(views_of(load_config(config_path)), config_path, "127.0.0.1", 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield Client(running.server_address[1]), config_path
    running.shutdown()
    running.server_close()


def test_the_page_and_its_script_are_served_with_a_policy_of_this_origin_only(
    served: tuple[Client, Path],
) -> None:
    client, _ = served
    status, headers, page = client.request("GET", "/")
    assert status == 200 and b'<script src="/whatif.js">' in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    assert b"http" not in page.replace(b"http://www.w3.org", b""), "nothing external"
    status, headers, script = client.request("GET", "/whatif.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"fetch(path" in script


def test_meta_table_and_a_prediction(served: tuple[Client, Path]) -> None:
    client, _ = served
    _, _, meta = client.request("GET", "/api/meta")
    assert meta["binary"] and set(meta["models"]) == {"production", "candidate"}
    _, _, table = client.request("GET", "/api/table")
    row = dict(zip(table["columns"], table["rows"][0]))
    status, _, answer = client.post("/api/predict", {"row": row})
    assert status == 200
    assert set(answer["predictions"]) == {"production", "candidate"}


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "malformed JSON"),
        (b"[1]", {"Content-Type": "application/json"}, 400, "send a JSON object"),
        (b'{"row": {}}', {"Content-Type": "text/plain"}, 415, "send JSON"),
        (
            b'{"row": {"colour": 1}}',
            {"Content-Type": "application/json"},
            400,
            "unknown feature(s) ['colour']",
        ),
        (
            b'{"row": {"length": "x"}}',
            {"Content-Type": "application/json"},
            400,
            "'length' takes a number",
        ),
        (
            b'{"row": {}}',
            {"Content-Type": "application/json", "Host": "evil.example:80"},
            403,
            "answers only at http://127.0.0.1:",
        ),
    ],
)
def test_bad_requests_get_a_4xx_and_a_one_line_json_error(
    served: tuple[Client, Path],
    body: bytes,
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    client, _ = served
    answered, answer_headers, answer = client.request(
        "POST", "/api/predict", body, headers
    )
    assert answered == status
    assert answer_headers["Content-Type"] == "application/json"
    assert message in answer["error"] and "\n" not in answer["error"]


def test_unknown_paths_and_oversized_bodies(served: tuple[Client, Path]) -> None:
    client, _ = served
    assert client.request("GET", "/etc/passwd")[0] == 404
    assert client.post("/api/unknown", {})[0] == 404
    status, _, answer = client.request(
        "POST",
        "/api/predict",
        b"{}",
        {"Content-Type": "application/json", "Content-Length": "2000000"},
    )
    assert status == 413 and "at most" in answer["error"]


def test_the_threshold_is_written_to_the_config_and_still_reads(
    served: tuple[Client, Path],
) -> None:
    client, config_path = served
    before = config_path.read_text(encoding="utf-8")
    status, _, answer = client.post("/api/threshold", {"threshold": 0.37})
    assert status == 200 and "decision_threshold = 0.37" in answer["written"]
    assert load_config(config_path).evaluation.decision_threshold == 0.37
    after = config_path.read_text(encoding="utf-8")
    assert (
        after.replace("decision_threshold = 0.37\n", "") == before
    ), "nothing else changed"
    for wrong in (1.5, "high", None):
        status, _, answer = client.post("/api/threshold", {"threshold": wrong})
        assert status == 400 and "a number from 0 to 1" in answer["error"]


def test_a_port_in_use_is_refused_in_one_line(served: tuple[Client, Path]) -> None:
    client, config_path = served
    views = views_of(load_config(config_path))
    with pytest.raises(
        DataError, match=f"port {client.port} on 127.0.0.1 is in use: pass --port"
    ) as refused:
        server(views, config_path, "127.0.0.1", client.port)
    assert "\n" not in str(refused.value)
