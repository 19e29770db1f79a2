"""A local stand-in for BOAMP's opendatasoft v2.1 ``records`` endpoint, serving the
shipped records over real HTTP on 127.0.0.1.

It keeps the rules the live connector must live with: ``limit`` at most 100,
``offset + limit`` at most ``max_offset`` (10,000 on the real API; lower in tests so that
splitting can be exercised on the 8,000 shipped titles), ``total_count`` on every page.
Faults are scripted: each queued fault answers one request (``429`` with a
``Retry-After``, ``503``, or ``"stall"``, which answers after the client's timeout).

Run it by hand with ``python fake_boamp_ods.py FILE...`` to point a connector at it.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

PATH = "/api/explore/v2.1/catalog/datasets/boamp/records"
_WHERE = re.compile(
    r'dateparution >= "(\d{4}-\d{2}-\d{2})" AND dateparution <= "(\d{4}-\d{2}-\d{2})"'
)


class FakeOds:
    def __init__(self, records: list[dict[str, Any]], *, max_offset: int = 10_000) -> None:
        self.records = sorted(records, key=lambda r: (r.get("dateparution") or "", r["idweb"]))
        self.max_offset = max_offset
        self.faults: deque[tuple[int | str, dict[str, str]]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.stall_seconds = 2.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def start(self) -> FakeOds:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.requests.append(query)
        if self.faults:
            fault, headers = self.faults.popleft()
            if fault == "stall":
                time.sleep(self.stall_seconds)
            else:
                return int(fault), {"error_code": "Fault", "message": "scripted"}, headers
        limit, offset = int(query.get("limit", 10)), int(query.get("offset", 0))
        if not 0 <= limit <= 100:
            return 400, _error(f"Invalid value for limit API parameter: {limit}"), {}
        if offset + limit > self.max_offset:
            return 400, _error(
                "Invalid value for sum of offset + limit API parameter: "
                f"{offset + limit} was found but <= {self.max_offset} is expected."
            ), {}
        match = _WHERE.fullmatch(query.get("where", ""))
        if not match:
            return 400, _error(f"unsupported where clause: {query.get('where')!r}"), {}
        start, end = match.groups()
        selected = [r for r in self.records if start <= (r.get("dateparution") or "") <= end]
        page = selected[offset : offset + limit]
        return 200, {"total_count": len(selected), "results": page}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != PATH:
                    self.send_error(404)
                    return
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                status, body, headers = fake.answer(query)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _error(message: str) -> dict[str, str]:
    return {"error_code": "InvalidRESTParameterError", "message": message}


if __name__ == "__main__":
    loaded: list[dict[str, Any]] = []
    for name in sys.argv[1:]:
        data = json.loads(Path(name).read_text(encoding="utf-8"))
        loaded.extend(data["results"] if isinstance(data, dict) else data)
    server = FakeOds(loaded).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
