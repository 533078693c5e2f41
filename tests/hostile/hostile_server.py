"""A hostile target: one raw asyncio socket server, one misbehaviour per URL prefix.

``HostileServer().start()`` listens on 127.0.0.1; ``base_url(mode)`` is
``http://127.0.0.1:<port>/<mode>/v1``, so one server serves every mode and a run picks its
misbehaviour with ``--target``. Everything is written byte by byte on raw sockets (no HTTP
library), so the server can break HTTP in ways a framework would refuse to.

A second listener, the *sink*, plays "another origin": the redirect modes point at it, and it
records every request head it receives (``sink_heads``) so a test can assert that no
credential followed a redirect.

Modes (``MODES``): see each ``_mode_*`` method's docstring. Sizes and drip intervals are
attributes (``huge_bytes``, ``drip_s``) so self-tests use small values and the benchmark the
issue's 300 MB.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# Self-test settings: a canary key, and small deadlines where every gap of a drip (DRIP_S) is
# under the read/idle timeout, so only the total deadlines can end a drip.
KEY = "sk-oaic-hostile-canary-0123456789abcdef"
TIMEOUTS = {
    "OAIC_TIMEOUT_CONNECT": "2",
    "OAIC_TIMEOUT_READ": "1.5",
    "OAIC_TIMEOUT_TOTAL": "3",
    "OAIC_TIMEOUT_STREAM_TOTAL": "3",
    "OAIC_TIMEOUT_STREAM_IDLE": "1.5",
}
DRIP_S = 0.5
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK = {
    "id": "chatcmpl-hostile",
    "object": "chat.completion.chunk",
    "created": 1_700_000_000,
    "model": "hostile",
    "choices": [{"index": 0, "delta": {"content": "x" * 200}, "finish_reason": None}],
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    head: bytes


Handler = Callable[[Request, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class HostileServer:
    """See module doc. ``drip_s``: seconds between dripped bytes; ``huge_bytes``: size of the
    huge body/stream modes."""

    drip_s: float = 1.0
    huge_bytes: int = 50 * 1024 * 1024
    heads: list[bytes] = field(default_factory=list)  # every request head received
    sink_heads: list[bytes] = field(default_factory=list)
    port: int = 0
    sink_port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.base_events.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> HostileServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(timeout=10)
        return self

    async def _start(self) -> None:
        main = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        sink = await asyncio.start_server(self._sink, "127.0.0.1", 0)
        self._servers = [main, sink]
        self.port = main.sockets[0].getsockname()[1]
        self.sink_port = sink.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def _stop() -> None:
            for srv in self._servers:
                srv.close()
            for w in list(self._writers):
                w.transport.abort()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base_url(self, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"unknown hostile mode {mode!r}; known: {sorted(MODES)}")
        return f"http://127.0.0.1:{self.port}/{mode}/v1"

    @property
    def sink_url(self) -> str:
        return f"http://127.0.0.1:{self.sink_port}"

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length:
            await reader.readexactly(length)
        path = parts[1] if len(parts) > 1 else "/"
        return Request(parts[0], path, headers, head)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                req = await self._read_request(reader)
                if req is None:
                    return
                self.heads.append(req.head)
                mode = req.path.lstrip("/").split("/", 1)[0]
                handler = getattr(self, "_mode_" + mode.replace("-", "_"), None)
                if handler is None:
                    writer.write(_response(404, b'{"error":{"message":"no such mode"}}'))
                    await writer.drain()
                    return
                keep = await handler(req, reader, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _sink(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Another origin: records what arrives, answers a harmless 200."""
        self._writers.add(writer)
        try:
            req = await self._read_request(reader)
            if req is not None:
                self.sink_heads.append(req.head)
                writer.write(_response(200, b'{"object":"list","data":[]}'))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _drip(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        for i in range(len(data)):
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(self.drip_s)

    async def _forever(self) -> None:
        await asyncio.sleep(3600)

    # ------------------------------------------------------------------ modes

    async def _mode_hang(self, req: Request, r: asyncio.StreamReader, w: asyncio.StreamWriter):
        """Reads the request, never answers."""
        await self._forever()
        return False

    async def _mode_header_drip(self, req, r, w) -> bool:
        """Response headers one byte every ``drip_s`` seconds (each gap under the read
        timeout, the whole far over the total deadline)."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"a" * 500
        await self._drip(w, head + b"\r\nContent-Length: 2\r\n\r\n{}")
        return False

    async def _mode_body_drip(self, req, r, w) -> bool:
        """Headers at once, then the body one byte every ``drip_s`` seconds."""
        body = json.dumps({"object": "list", "data": [], "pad": "a" * 500}).encode()
        w.write(_head(200, "application/json", len(body)))
        await w.drain()
        await self._drip(w, body)
        return False

    async def _mode_sse_drip(self, req, r, w) -> bool:
        """An event stream whose bytes arrive one every ``drip_s`` seconds."""
        w.write(_head(200, "text/event-stream", None))
        await w.drain()
        await self._drip(w, b"data: " + json.dumps(CHUNK).encode() + b"\n\n" * 50)
        return False

    async def _mode_garbage(self, req, r, w) -> bool:
        """A 200 ``application/json`` whose body is random-looking bytes."""
        body = bytes(range(256)) * 4
        w.write(_response(200, body, "application/json"))
        await w.drain()
        return False

    async def _mode_html(self, req, r, w) -> bool:
        """``200 text/html``: a login page where JSON (or an event stream) is due."""
        body = b"<!doctype html><html><body><h1>Please sign in</h1></body></html>"
        w.write(_response(200, body, "text/html; charset=utf-8"))
        await w.drain()
        return False

    async def _mode_huge_body(self, req, r, w) -> bool:
        """A ``huge_bytes`` JSON body (one never-ending string)."""
        size = self.huge_bytes
        w.write(_head(200, "application/json", size))
        block = b"a" * 65536
        sent = 0
        w.write(b'{"x":"')
        sent += 6
        while sent < size:
            n = min(len(block), size - sent)
            w.write(block[:n])
            sent += n
            await w.drain()
        return False

    async def _mode_huge_stream(self, req, r, w) -> bool:
        """An event stream of ``huge_bytes`` bytes of valid-looking chunks, then silence."""
        w.write(_head(200, "text/event-stream", None))
        event = b"data: " + json.dumps(CHUNK).encode() + b"\n\n"
        block = event * max(1, 65536 // len(event))
        sent = 0
        while sent < self.huge_bytes:
            w.write(block)
            sent += len(block)
            await w.drain()
        await self._forever()  # then silence: the idle deadline ends it, never a clean end
        return False

    async def _mode_mid_close(self, req, r, w) -> bool:
        """Promises a body (JSON: Content-Length; stream: one event) then closes mid-way."""
        if "event-stream" in req.headers.get("accept", ""):
            # Chunked, so closing before the last chunk is an incomplete body at HTTP level.
            event = b"data: " + json.dumps(CHUNK).encode() + b'\n\ndata: {"id":'
            head = _head(200, "text/event-stream", None)[:-2]
            head += b"Transfer-Encoding: chunked\r\n\r\n"
            w.write(head + f"{len(event):x}\r\n".encode() + event + b"\r\n")
        else:
            w.write(_head(200, "application/json", 1000) + b'{"object":"list","da')
        await w.drain()
        return False

    async def _mode_cl_long(self, req, r, w) -> bool:
        """Content-Length larger than the body sent; the connection stays open (a hang)."""
        w.write(_head(200, "application/json", 1000, keep_alive=True) + b'{"object":"list"}')
        await w.drain()
        await self._forever()
        return False

    async def _mode_cl_short(self, req, r, w) -> bool:
        """Content-Length shorter than the body, on a kept-alive connection: the surplus is
        read as the start of the next response (keep-alive desync)."""
        body = b'{"object":"list","data":[]}'
        w.write(_head(200, "application/json", 2, keep_alive=True) + body)
        await w.drain()
        return True

    async def _mode_retry_after(self, req, r, w) -> bool:
        """429 with ``Retry-After: 86400`` on every request."""
        body = b'{"error":{"message":"slow down","type":"rate_limit","param":null,"code":null}}'
        w.write(_response(429, body, extra=b"Retry-After: 86400\r\n"))
        await w.drain()
        return False

    async def _mode_raw(self, req, r, w) -> bool:
        """Non-HTTP bytes instead of a status line."""
        w.write(b"\x00\x01SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n")
        await w.drain()
        return False

    async def _mode_redirect(self, req, r, w) -> bool:
        """307 to the same path on another origin (the sink); empty body."""
        rest = req.path.split("/", 2)[2] if req.path.count("/") >= 2 else ""
        loc = f"{self.sink_url}/{rest}".encode()
        w.write(_response(307, b"", None, extra=b"Location: " + loc + b"\r\n"))
        await w.drain()
        return False

    async def _mode_echo(self, req: Request, r, w) -> bool:
        """Echoes the request's credentials back: in a JSON body, and in an event stream as
        a line with an unknown field (which the SSE reader reports as a framing finding)."""
        auth = req.headers.get("authorization", "").removeprefix("Bearer ")
        key = f"{auth} {req.headers.get('api-key', '')}".strip()  # the bare key, no "Bearer"
        if "event-stream" in req.headers.get("accept", ""):
            w.write(_head(200, "text/event-stream", None))
            w.write(f"x-echo: {key}\n".encode() + b"data: " + json.dumps(CHUNK).encode())
            w.write(b"\n\n")
        else:
            body = json.dumps({"object": "list", "data": [], "echo": key}).encode()
            w.write(_response(200, body))
        await w.drain()
        return False

    # ---- WebSocket modes (the handshake request is any GET with Upgrade: websocket)

    def _accept(self, req: Request, bad: bool = False) -> bytes:
        key = req.headers.get("sec-websocket-key", "")
        digest = hashlib.sha1((key + WS_GUID).encode()).digest()
        accept = base64.b64encode(digest if not bad else b"not-the-right-digest!").decode()
        return (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()

    async def _mode_ws_close(self, req, r, w) -> bool:
        """Accepts the WebSocket, then closes the TCP connection without a close frame."""
        w.write(self._accept(req))
        await w.drain()
        await asyncio.sleep(0.05)
        return False

    async def _mode_ws_silent(self, req, r, w) -> bool:
        """Accepts the WebSocket, then never sends a frame."""
        w.write(self._accept(req))
        await w.drain()
        await self._forever()
        return False

    async def _mode_ws_bad_accept(self, req, r, w) -> bool:
        """101 with a wrong ``Sec-WebSocket-Accept``."""
        w.write(self._accept(req, bad=True))
        await w.drain()
        await asyncio.sleep(1)
        return False

    async def _mode_ws_redirect(self, req, r, w) -> bool:
        """302 to an ``http://`` URI on another origin (the sink)."""
        w.write(_response(302, b"", None, extra=f"Location: {self.sink_url}/v1/x\r\n".encode()))
        await w.drain()
        return False

    async def _mode_ws_redirect_ws(self, req, r, w) -> bool:
        """302 to a ``ws://`` URI on another origin (the sink): credentials must not follow."""
        loc = f"ws://127.0.0.1:{self.sink_port}/v1/realtime"
        w.write(_response(302, b"", None, extra=f"Location: {loc}\r\n".encode()))
        await w.drain()
        return False


MODES = sorted(
    name[len("_mode_") :].replace("_", "-")
    for name in vars(HostileServer)
    if name.startswith("_mode_")
)


def _head(status: int, ctype: str | None, length: int | None, *, keep_alive: bool = False) -> bytes:
    reason = {200: "OK", 302: "Found", 307: "Temporary Redirect", 404: "Not Found"}.get(
        status, "Too Many Requests" if status == 429 else "Status"
    )
    out = f"HTTP/1.1 {status} {reason}\r\n"
    if ctype:
        out += f"Content-Type: {ctype}\r\n"
    if length is not None:
        out += f"Content-Length: {length}\r\n"
    out += "Connection: keep-alive\r\n" if keep_alive else "Connection: close\r\n"
    return (out + "\r\n").encode()


def _response(
    status: int, body: bytes, ctype: str | None = "application/json", *, extra: bytes = b""
) -> bytes:
    head = _head(status, ctype, len(body))
    return head[:-2] + extra + b"\r\n" + body


def secret_leaks(root: object, canaries: list[str]) -> list[str]:
    """Files under ``root`` (a Path) that contain any canary: the secrets-written-anywhere
    check of every hostile run."""
    from pathlib import Path

    hits = []
    for path in Path(str(root)).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {c}" for c in canaries if c.encode() in data]
        if any(c in path.name for c in canaries):
            hits.append(f"{path}: name")
    return hits
