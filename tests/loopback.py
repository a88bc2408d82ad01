"""A scripted HTTP server on 127.0.0.1 for tests and benchmarks.

Each route answers from a queue of responses (the last one repeats), records every request,
and can wait before answering. Responses go out in one write: with keep-alive, a header
write followed by a body write would meet Nagle's algorithm and delayed ACKs (+40 ms each).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD_LIMIT = 30.0


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler whose ``_reply`` answers JSON: the base of the hand-written stand-ins."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(payload)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False  # drop the connection with a TCP reset instead of answering
    # a body of this many bytes written in 64 KiB chunks (never held whole), stopping when the
    # client hangs up; `declare_length=False` sends no Content-Length (the body ends at close)
    stream_bytes: int = 0
    declare_length: bool = True
    hold: threading.Event | None = None  # answer only once the test sets it (bounded: HOLD_LIMIT seconds)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Serving:
    """An HTTP server on 127.0.0.1 in a daemon thread, for ``with``: the part every loopback
    stand-in shares (``Loopback`` below, and the tests' own servers with a handler of their own)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._server.server_close()
        self._thread.join(timeout=5)

    def stop(self) -> None:
        """Stop answering (a test that must show nothing needs the server any more)."""
        self._server.shutdown()


class Loopback(Serving):
    """Routes answered from queues of ``Reply`` (the last one repeats), every request recorded."""

    def __init__(self, routes: dict[str, list[Reply] | Reply] | None = None, default: Reply | None = None) -> None:
        self.routes: dict[str, list[Reply]] = {}
        for key, replies in (routes or {}).items():
            self.routes[key] = list(replies) if isinstance(replies, list) else [replies]
        self.default = default or Reply(404, {"message": "no route"})
        self.requests: list[Seen] = []
        self.streamed: list[int] = []  # body bytes each streamed reply got out before the client hung up
        self.in_flight = 0
        self.most_in_flight = 0  # requests being answered at once, at most
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        super().__init__(self._handler())

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until ``count`` requests arrived (True) or ``timeout`` passed (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)

    def wait_for_streams(self, count: int, timeout: float) -> bool:
        """Block until ``count`` streamed replies ended (the client hung up or all was sent)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.streamed) >= count, timeout=timeout)

    def _next(self, method: str, path: str) -> Reply:
        with self._lock:
            for key in (f"{method} {path}", path, f"{method} {path.split('?')[0]}", path.split("?")[0]):
                queue = self.routes.get(key)
                if queue:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        return self.default

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(Seen(self.command, self.path, dict(self.headers), body))
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    server._arrived.notify_all()
                try:
                    self._answer(server._next(self.command, self.path))
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, reply: Reply) -> None:
                if reply.hold is not None:
                    reply.hold.wait(HOLD_LIMIT)
                if reply.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.stream_bytes:
                    self._stream(reply)
                    return
                payload = reply.encoded()
                head = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
                headers = {"Content-Type": "application/json", "Content-Length": str(len(payload)), **reply.headers}
                head += [f"{k}: {v}" for k, v in headers.items()]
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                self.wfile.flush()

            def _stream(self, reply: Reply) -> None:
                head = [f"HTTP/1.1 {reply.status} OK", "Content-Type: application/json"]
                head.append(f"Content-Length: {reply.stream_bytes}" if reply.declare_length else "Connection: close")
                self.close_connection = True
                sent, chunk = 0, b"x" * 65536
                try:
                    self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
                    while sent < reply.stream_bytes:
                        piece = chunk[: reply.stream_bytes - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                    self.wfile.flush()
                except OSError:  # the client stopped reading and closed: that is the point
                    pass
                with server._lock:
                    server.streamed.append(sent)
                    server._arrived.notify_all()

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
