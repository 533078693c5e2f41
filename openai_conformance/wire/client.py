"""The single HTTP stack: every request any suite sends goes through ``ConformanceClient``.

One ``httpx.Client`` per worker with the target's base URL, the auth header for the
configured style (``Authorization: Bearer`` | ``api-key`` (Azure) | none), organization and
project headers, extra headers, ``User-Agent: openai-conformance/<version>``, explicit
timeouts and connection limits. For every exchange it:

1. spends one unit of the request budget per attempt (``budget.RequestBudget``);
2. enforces connect/read timeouts (httpx) and a wall-clock total on every socket operation,
   headers included (``deadline.py``: a header drip ends at the total deadline);
3. retries 429/503 only, at most ``config.retries`` (≤ 2) times, honouring ``Retry-After``
   (capped at ``config.retry_after_cap``), each retry recorded on the exchange; the waits
   move the deadline (our time, not the target's); still 429/503 with a Retry-After over the
   cap raises ``RateLimited`` (FAIL);
3b. fails fast once the target timed out on a few requests in a row (``breaker.py``);
4. records the redacted exchange (with a redacted curl line) through the ``EvidenceRecorder``.

An HTML or garbage *body* is data (the checks judge it); at most ``MAX_CONTENT`` bytes of a
body are kept. No connection raises ``TargetUnreachable``/``TargetTLSError``; non-HTTP bytes
or a keep-alive desync raise ``TargetProtocolError`` (a ``TargetFailure``: FAIL); a hang
raises ``RequestTimeout`` or ``StreamTimeout`` (FAILs with evidence), never blocks the suite.

``stream()`` yields a ``StreamExchange`` whose ``events()`` parses SSE incrementally
(``sse.SSEParser``) under the idle and whole-stream deadlines. ``websocket()`` opens a
realtime-style WebSocket with the same auth and records its transcript.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

from .. import __version__
from ..errors import HarnessError, UsageError
from .breaker import CircuitBreaker
from .budget import RequestBudget
from .deadline import Deadline, deadline, deadline_transport
from .exchange import (
    Exchange,
    MalformedResponse,
    RateLimited,
    RequestSummary,
    RequestTimeout,
    RetryRecord,
    TargetProtocolError,
    TargetTLSError,
    TargetUnreachable,
    build_curl,
    summarize_body,
    utc_now,
)
from .redact import REDACTED, Secret, redact_headers, redact_text, redact_url
from .settings import TargetSettings
from .sse import StreamExchange
from .wsclient import WebSocketSession, open_websocket

if TYPE_CHECKING:
    from ..contract import Spec
    from .evidence import EvidenceRecorder

USER_AGENT = f"openai-conformance/{__version__}"
RETRY_STATUSES = frozenset({429, 503})
MAX_CONTENT = 32 * 1024 * 1024  # refuse to buffer more than this from one response
_KEY_PLACEHOLDER = "$OPENAI_API_KEY"


class ConformanceClient:
    """See module doc. ``base_url`` overrides ``config.base_url`` (the embedded server's URL);
    ``transport`` is for self-tests (``httpx.MockTransport``)."""

    def __init__(
        self,
        config: TargetSettings,
        recorder: EvidenceRecorder | None = None,
        spec: Spec | None = None,
        budget: RequestBudget | None = None,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        url = base_url or config.base_url
        if not url:
            raise HarnessError(
                "ConformanceClient needs a base URL: config.base_url is None (embedded server);"
                " pass base_url=<the reference server's base_url>"
            )
        self.config = config
        self.base_url = url.rstrip("/")
        self.recorder = recorder
        self.spec = spec
        self.budget = budget or RequestBudget(config.max_requests)
        self._sent = False  # an answer came: a later reset may be a stale keep-alive socket
        self.secrets = config.secrets()
        self.breaker = breaker or CircuitBreaker()
        self.sleep: Callable[[float], None] = time.sleep  # replaceable in self-tests
        t = config.timeouts
        self._timeout = httpx.Timeout(
            connect=t.connect, read=min(t.read, t.total), write=t.read, pool=t.connect
        )
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=8)
        if transport is None:
            transport = deadline_transport(verify=config.tls_verify, limits=limits, trust_env=False)
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            headers=self._default_headers(),
            params=dict(config.query),  # merged into every request's query (Azure api-version)
            timeout=self._timeout,
            limits=limits,
            verify=config.tls_verify,
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # proxies/certs only from our config: reproducible runs
        )

    # ------------------------------------------------------------------ headers

    def _auth_headers(self, reveal: bool) -> list[tuple[str, str]]:
        key = self.config.api_key
        if key is None or self.config.auth == "none":
            return []
        value = key.reveal() if reveal else _KEY_PLACEHOLDER
        if self.config.auth == "api-key":
            return [("api-key", value)]
        return [("Authorization", f"Bearer {value}")]

    def _identity_headers(self, reveal: bool) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.config.organization:
            out.append(("OpenAI-Organization", self.config.organization))
        if self.config.project:
            out.append(("OpenAI-Project", self.config.project))
        for name, value in self.config.headers.items():
            if isinstance(value, Secret):
                out.append((name, value.reveal() if reveal else REDACTED))
            else:
                out.append((name, value))
        return out

    def _default_headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        headers.update(dict(self._identity_headers(reveal=True)))
        headers.update(dict(self._auth_headers(reveal=True)))
        return headers

    def auth_headers(self) -> dict[str, str]:
        """Headers a WebSocket or SDK client must send (real values: never log this)."""
        return dict(self._identity_headers(True) + self._auth_headers(True))

    def shown_auth_headers(self) -> list[tuple[str, str]]:
        """The same headers as evidence shows them: the key as ``$OPENAI_API_KEY``, secret
        header values ``[REDACTED]`` (safe for curl/websocat reproduction lines)."""
        return self._auth_headers(reveal=False) + self._identity_headers(reveal=False)

    # ------------------------------------------------------------------ requests

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def _operation(self, method: str, path: str, operation: str | None) -> str | None:
        if operation or self.spec is None:
            return operation
        hit = self.spec.match(method.upper(), "/" + path.split("?")[0].lstrip("/"))
        return hit[0].id if hit else None

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        operation: str | None = None,
        expect_stream: bool = False,
    ) -> Exchange:
        """Send one request (with bounded retries); return the recorded ``Exchange``.

        ``expect_stream`` only widens the Accept header: use ``stream()`` to parse events.
        """
        method = method.upper()
        extra = dict(headers or {})
        if expect_stream:
            extra.setdefault("Accept", "text/event-stream")
        req, summary, curl = self._build(method, path, json, data, files, params, extra, content)
        exchange = self._new_exchange(method, path, operation, summary, curl)
        self._refuse_if_open(exchange)
        started = time.monotonic()
        # The total deadline covers the whole exchange, headers included (deadline.py); our
        # own retry waits move it (they are not the target's time).
        limit = Deadline(started + self.config.timeouts.total)
        with deadline(limit), self.breaker.watch():
            response = self._send_with_retries(req, exchange, started, limit, stream=False)
            try:
                exchange.content = self._read_body(response, exchange, started, limit)
            finally:
                response.close()
        exchange.elapsed_ms = (time.monotonic() - started) * 1000
        self.record(exchange)
        self._raise_if_rate_limited(exchange)
        return exchange

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        operation: str | None = None,
    ) -> Iterator[StreamExchange]:
        """Open a streamed request; iterate ``events()`` within the stream deadlines.

        The exchange (with every event parsed and the framing findings) is recorded when the
        block exits, also when it exits through ``StreamTimeout`` or another exception.
        """
        method = method.upper()
        extra = {"Accept": "text/event-stream", **dict(headers or {})}
        req, summary, curl = self._build(method, path, json, data, files, params, extra, None)
        t = self.config.timeouts
        idle = min(t.stream_idle, t.stream_total)
        req.extensions["timeout"] = httpx.Timeout(
            connect=t.connect, read=idle, write=t.read, pool=t.connect
        ).as_dict()
        exchange = self._new_exchange(method, path, operation, summary, curl)
        self._refuse_if_open(exchange)
        started = time.monotonic()
        limit = Deadline(started + t.stream_total)
        with deadline(limit), self.breaker.watch():
            response = self._send_with_retries(req, exchange, started, limit, stream=True)
            handle = StreamExchange(
                exchange, response, started=started, idle_s=idle, total_s=t.stream_total,
                deadline=limit,
            )  # fmt: skip
            try:
                yield handle
            finally:
                handle.finish()
                self.record(exchange)

    def websocket(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        operation: str | None = None,
        subprotocols: list[str] | None = None,
    ) -> contextlib.AbstractContextManager[WebSocketSession]:
        """A WebSocket session (``websockets.sync``) with our auth, timeouts and a recorded,
        redacted transcript; see ``WebSocketSession``."""
        return open_websocket(self, path, params, operation=operation, subprotocols=subprotocols)

    # ------------------------------------------------------------------ internals

    def _build(
        self,
        method: str,
        path: str,
        json: Any,
        data: Mapping[str, Any] | None,
        files: Any,
        params: Mapping[str, Any] | None,
        headers: dict[str, str],
        content: bytes | None,
    ) -> tuple[httpx.Request, RequestSummary, str]:
        rel = path if path.startswith(("http://", "https://")) else path.lstrip("/")
        try:
            req = self._http.build_request(
                method, rel, json=json, data=data, files=files, params=params,
                headers=headers, content=content,
            )  # fmt: skip
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, TypeError, ValueError) as exc:
            raise UsageError(f"cannot build request {method} {path}: {exc}") from None
        file_parts = _describe_files(files)
        form = (
            tuple((str(k), redact_text(str(v), self.secrets)) for k, v in (data or {}).items())
            if files
            else ()
        )
        body: str | None
        if files:
            body = (
                "<multipart/form-data: "
                + ", ".join([f"{k}={v}" for k, v in form] + [f"{f}=@{n}" for f, n, _ in file_parts])
                + ">"
            )
            body = redact_text(body, self.secrets)
        else:
            body = summarize_body(req.content, req.headers.get("content-type"), self.secrets)
        summary = RequestSummary(
            method=method,
            url=redact_url(str(req.url), self.secrets),
            headers=redact_headers(req.headers, self.secrets),
            body=body,
            form=form,
            files=file_parts,
        )
        # Placeholders, never values: $OPENAI_API_KEY for the key, [REDACTED] for secret headers.
        shown = self.shown_auth_headers()
        for name, value in headers.items():
            shown.append((name, redact_headers({name: value}, self.secrets)[name.lower()]))
        if json is not None:
            shown.append(("Content-Type", "application/json"))
        curl = build_curl(
            method,
            redact_url(str(req.url), self.secrets),
            shown,
            json_body=redact_json(json, self.secrets) if json is not None else None,
            data=dict(form) if files else (dict(data) if data else None),
            files=list(file_parts) if files else None,
            raw_body=content,
        )
        return req, summary, redact_text(curl, self.secrets)

    def _new_exchange(
        self, method: str, path: str, operation: str | None, summary: RequestSummary, curl: str
    ) -> Exchange:
        return Exchange(
            request=summary,
            status=None,
            reason="",
            headers=httpx.Headers(),
            content=b"",
            elapsed_ms=0.0,
            started_at=utc_now(),
            operation=self._operation(method, path, operation),
            curl_line=curl,
            secrets=self.secrets,
        )

    def _send_with_retries(
        self,
        req: httpx.Request,
        exchange: Exchange,
        started: float,
        limit: Deadline,
        *,
        stream: bool,
    ) -> httpx.Response:
        attempt = 0
        reconnected = False
        while True:
            self.budget.spend()
            try:
                response = self._http.send(req, stream=True)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if reconnected or not self._sent:
                    exchange.elapsed_ms = (time.monotonic() - started) * 1000
                    raise self._transport_error(exc, exchange, limit) from None
                # A keep-alive connection the target closed after its previous answer (a
                # crashed handler's 500 often does, without "Connection: close") resets the
                # next request before any byte of an answer: the request never reached the
                # application, so it is sent once more on a fresh connection (recorded as a
                # retry with status 0). A second reset is the target's own answer.
                reconnected = True
                exchange.retries.append(RetryRecord(0, None, 0.0))
                continue
            except httpx.HTTPError as exc:
                exchange.elapsed_ms = (time.monotonic() - started) * 1000
                raise self._transport_error(exc, exchange, limit) from None
            self._sent = True
            exchange.status = response.status_code
            exchange.reason = response.reason_phrase
            exchange.headers = response.headers
            if response.status_code not in RETRY_STATUSES or attempt >= self.config.retries:
                return response
            retry_after = response.headers.get("retry-after")
            wait = self._retry_wait(retry_after, attempt)
            response.close()
            exchange.retries.append(RetryRecord(response.status_code, retry_after, wait))
            attempt += 1
            self.sleep(wait)
            limit.extend(wait)  # our wait, not the target's time

    def _retry_wait(self, header: str | None, attempt: int) -> float:
        cap = self.config.retry_after_cap
        asked = _retry_after_seconds(header)
        if asked is not None:
            return round(min(cap, asked), 3)
        return min(cap, 0.5 * 2**attempt)

    def _read_body(
        self, response: httpx.Response, exchange: Exchange, started: float, limit: Deadline
    ) -> bytes:
        total = self.config.timeouts.total
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                # Bounded memory: nothing past MAX_CONTENT is kept (the rest is not read).
                size += len(chunk)
                if size <= MAX_CONTENT:
                    chunks.append(chunk)
                if limit.expired():
                    exchange.content = b"".join(chunks)
                    raise self._timeout_error(exchange, f"the whole response took over {total}s")
                if size > MAX_CONTENT:
                    exchange.error = (
                        f"response body over {MAX_CONTENT} bytes: the first {MAX_CONTENT} kept,"
                        " the rest not read"
                    )
                    break
        except httpx.TimeoutException:
            exchange.content = b"".join(chunks)
            what = (
                f"the whole response took over {total}s (total deadline)"
                if limit.expired()
                else f"no data for {self._timeout.read}s (read timeout)"
            )
            raise self._timeout_error(exchange, what) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError) as exc:
            exchange.content = b"".join(chunks)
            exchange.error = f"connection broke mid-body: {exc}"
            exchange.elapsed_ms = (time.monotonic() - started) * 1000
            self.record(exchange)
            raise MalformedResponse(
                f"{exchange.request.method} {exchange.request.url}: HTTP {exchange.status} then "
                f"the connection broke after {size} body bytes ({exc})",
                exchange=exchange,
            ) from None
        return b"".join(chunks)

    def _timeout_error(self, exchange: Exchange, what: str) -> RequestTimeout:
        exchange.error = f"timeout: {what}"
        exchange.elapsed_ms = 0.0 if not exchange.elapsed_ms else exchange.elapsed_ms
        self.record(exchange)
        return RequestTimeout(
            f"{exchange.request.method} {exchange.request.url}: target hung: {what}",
            exchange=exchange,
        )

    def _raise_if_rate_limited(self, exchange: Exchange) -> None:
        """429/503 after our retries with a Retry-After beyond ``retry_after_cap``: the
        target refuses to serve the request within our deadlines (``RateLimited``, FAIL).
        A short Retry-After stays an answer (pollers wait and ask again)."""
        if exchange.status not in RETRY_STATUSES:
            return
        header = exchange.headers.get("retry-after")
        cap = self.config.retry_after_cap
        asked = _retry_after_seconds(header)
        if asked is None or asked <= cap:
            return
        tried = len(exchange.retries)
        raise RateLimited(
            f"{exchange.request.method} {exchange.request.url}: HTTP {exchange.status} after "
            f"{tried} retr{'y' if tried == 1 else 'ies'}, and the target asks to wait "
            f"{header!r} (over the {cap}s cap): the request was not served",
            exchange=exchange,
        )

    def _refuse_if_open(self, exchange: Exchange) -> None:
        """Fail fast (FAIL, recorded) when the circuit breaker is open for this target."""
        reason = self.breaker.refusal()
        if reason is None:
            return
        exchange.error = f"not sent: {reason}"
        self.record(exchange)
        raise RequestTimeout(
            f"{exchange.request.method} {exchange.request.url}: not sent: {reason}",
            exchange=exchange,
        )

    def _transport_error(
        self, exc: httpx.HTTPError, exchange: Exchange, limit: Deadline | None = None
    ) -> Exception:
        where = f"{exchange.request.method} {exchange.request.url}"
        reason = redact_text(str(exc) or exc.__class__.__name__, self.secrets)
        exchange.error = f"{exc.__class__.__name__}: {reason}"
        self.record(exchange)
        if isinstance(exc, httpx.ConnectTimeout):
            return TargetUnreachable(
                f"cannot connect to {self.base_url}: connect timed out after "
                f"{self._timeout.connect}s",
                exchange=exchange,
                hint="check --target and that the server is running",
            )
        if isinstance(exc, httpx.TimeoutException):
            if limit is not None and limit.expired():
                total = self.config.timeouts.total
                reason = f"no complete response head within the {total}s total deadline"
                exchange.error = f"timeout: {reason}"
            return RequestTimeout(f"{where}: target hung: {reason or 'timeout'}", exchange=exchange)
        if isinstance(exc, httpx.ConnectError):
            if _is_tls(exc) or "SSL" in reason or "certificate" in reason.lower():
                return TargetTLSError(
                    f"TLS handshake with {self.base_url} failed: {reason}",
                    exchange=exchange,
                    hint="check the certificate, or set tls_verify = false in the profile",
                )
            return TargetUnreachable(
                f"cannot connect to {self.base_url}: {reason}",
                exchange=exchange,
                hint="check --target and that the server is running",
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return UsageError(f"bad target URL {self.base_url}: {reason}")
        return TargetProtocolError(
            f"{where}: the target did not answer with HTTP ({reason})",
            exchange=exchange,
            hint="is --target pointing at an HTTP API (and http vs https right)?",
        )

    def record(self, exchange: Exchange) -> None:
        """Write ``exchange`` to the evidence (no-op without a recorder). Public for the
        transports built on this client (wsclient) that make their own exchanges."""
        if self.recorder is not None:
            self.recorder.record_exchange(exchange)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ConformanceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _retry_after_seconds(header: str | None) -> float | None:
    """Seconds a ``Retry-After`` (delta-seconds or HTTP date) asks for; None if absent/bad."""
    if not header:
        return None
    try:
        return max(0.0, float(header.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_files(files: Any) -> tuple[tuple[str, str, str], ...]:
    if not files:
        return ()
    items = files.items() if isinstance(files, Mapping) else files
    out = []
    for field_name, spec in items:
        if isinstance(spec, tuple | list):
            name = str(spec[0]) if spec and spec[0] else "upload.bin"
            ctype = str(spec[2]) if len(spec) > 2 and spec[2] else "application/octet-stream"
        else:
            name, ctype = getattr(spec, "name", "upload.bin"), "application/octet-stream"
        out.append((str(field_name), name.rsplit("/", 1)[-1], ctype))
    return tuple(out)


def redact_json(body: Any, secrets: list[str]) -> Any:
    """JSON body with secrets replaced (round-trip through text so every string is covered)."""
    text = jsonlib.dumps(body, ensure_ascii=False, default=str)
    try:
        return jsonlib.loads(redact_text(text, secrets))
    except ValueError:
        return redact_text(text, secrets)
