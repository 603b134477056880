"""A loopback HTTP server for connector tests: routes, fault injection and a request log.

It binds 127.0.0.1 on an ephemeral port and runs in a thread. Faults are rules matched in order
against each request (path and query): a rule answers with its status (and Retry-After) for its
next `times` matching requests (None: for ever), before the route is reached.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, str]
Response = tuple[int, Any]  # status, JSON body
Route = Callable[[str, str, Query, bytes], Response | None]  # method, path, query, body


@dataclass
class Fault:
    matches: Callable[[str, Query], bool]
    status: int
    times: int | None
    retry_after: str | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: Query
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeApiServer:
    def __init__(self, route: Route, token: str) -> None:
        self.route = route
        self.token = token
        self.faults: list[Fault] = []
        self.stalls: list[tuple[Callable[[str, Query], bool], float]] = []  # (matches, seconds)
        # (matches, action): the action runs once, before the first matching request is answered
        self.hooks: list[tuple[Callable[[str, Query], bool], Callable[[], None]]] = []
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail(
        self,
        matches: Callable[[str, Query], bool],
        status: int,
        times: int | None = 1,
        retry_after: str | None = None,
    ) -> Fault:
        fault = Fault(matches, status, times, retry_after)
        self.faults.append(fault)
        return fault

    def requests_to(self, prefix: str) -> list[LoggedRequest]:
        return [r for r in self.log if r.path.startswith(prefix)]

    def _take_fault(self, path: str, query: Query) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (fault.times is None or fault.times > 0) and fault.matches(path, query):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers: dict[str, str] = {}
                for matches, seconds in list(server.stalls):
                    if matches(parts.path, query):
                        time.sleep(seconds)  # a slow answer: the client may be killed meanwhile
                with server._lock:
                    due = [hook for hook in server.hooks if hook[0](parts.path, query)]
                    for hook in due:
                        server.hooks.remove(hook)
                for _, action in due:
                    action()
                fault = server._take_fault(parts.path, query)
                if fault is not None:
                    status, payload = fault.status, {"message": f"injected {fault.status}"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = fault.retry_after
                elif not parts.path.endswith("/oauth2/token") and (
                    self.headers.get("Authorization") != f"Bearer {server.token}"
                ):
                    status, payload = 401, [{"errorCode": "INVALID_SESSION_ID", "message": "bad token"}]
                else:
                    answer = server.route(method, parts.path, query, body)
                    status, payload = answer if answer is not None else (404, {"message": "not found"})
                data = json.dumps(payload).encode()
                with server._lock:
                    server.log.append(LoggedRequest(method, parts.path, query, status, dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

        return Handler
