"""The ASGI app: one dispatcher in front of every ``/v1`` operation of the contract.

``create_app(config)`` builds a Starlette app with its own ``ServerState`` (``app.state.oaic``).
Per request, in this order:

1. request id, active faults (server-wide ``config.faults`` + ``x-oaic-fault`` header when
   ``allow_fault_header``; an unknown name in the header is a 400 naming it);
2. auth (when ``config.api_key``): missing/wrong ``Authorization: Bearer`` → 401
   ``invalid_api_key``;
3. routing with ``Spec.match``: unknown path → 404, known path with another method → 405;
4. query and path parameters parsed, coerced and validated (400 naming ``param``);
5. body: size limit (413), content type (415), JSON (400 on malformed) or form parsing, schema
   validation of the body (400 naming ``param``, see ``dispatch.py``);
6. the hand-written handler from ``HANDLERS`` or, without one, the spec-driven engine;
7. generic response faults, then headers on every reply: ``x-request-id``,
   ``openai-processing-ms``, ``x-ratelimit-*``.

Control endpoints under ``/v1/__oaic/``: ``clock`` and ``inventory`` (only with
``allow_fault_header``) and
``webhooks`` (always; see ``webhooks.py``). After each request the webhook pump is started if
a lifecycle has events to deliver.

Any unexpected exception becomes a 500 ``server_error`` envelope and one log line with the
traceback; a traceback never reaches a client.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..contract import requests as dispatch
from ..contract.envelope import ApiError
from . import engine, handlers, webhooks
from .context import HANDLERS, Ctx
from .faults import CATALOGUE, declare
from .inventory import inventory
from .realtime import websocket_route
from .responses import MISSING_REQUEST_ID, apply_response_faults, error_response, json_response
from .state import ServerConfig, ServerState

log = logging.getLogger("openai_conformance.refserver")

PREFIX = "/v1"
CONTROL_PREFIX = "/__oaic/"
FAULT_HEADER = "x-oaic-fault"

# Rate-limit figures advertised in OpenAI's header format. The reference server does not
# throttle; the headers are there so clients and checks that read them see the real shape.
RATE_LIMIT_REQUESTS = 10_000
RATE_LIMIT_TOKENS = 10_000_000

SERVER_ERROR_ON_VALID = declare(
    "server-error-on-valid",
    "Valid requests (after auth and validation) get a 500 server_error envelope.",
    "status_code_conformance",
    breaks=[
        "core/documented-status",
        "core/error-code-documented",
        "core/response-model",
        "core/timestamps",
        "core/models-list",
        "core/no-server-error",
        "core/response-schema",
        "core/sse-framing",
        "core/stream-event-schema",
        "core/unknown-model-404",
    ],
)
IGNORE_AUTH = declare(
    "ignore-auth",
    "The API key is not checked: requests without or with a wrong key succeed.",
    "auth_conformance",
    breaks=["core/auth-401", "core/auth-required"],
)
IGNORE_PAGINATION_CURSOR = declare(
    "ignore-pagination-cursor",
    "List endpoints ignore the `after`/`before` cursors (every page is the first page).",
    "pagination_conformance",
    breaks=["batches/list-pagination", "files/list-pagination", "fine_tuning/events"],
)
#: Request bodies at least this large are validated in a worker thread (1,000 conversation
#: items take about a second to validate).
OFF_LOOP_BODY_BYTES = 32 * 1024
SHALLOW_BODY_VALIDATION = declare(
    "shallow-body-validation",
    "Request bodies are validated only at their top level: a field inside an object or array "
    "of the body (messages[0].role) is accepted whatever its value.",
    "negative_data_rejection",
)
MALFORMED_JSON_500 = declare(
    "malformed-json-500",
    "A request body that is not JSON gets a plain-text 500 instead of the 400 envelope.",
    "core/malformed-json-400",
    breaks=["core/malformed-json-400"],
)


def create_app(config: ServerConfig | None = None, state: ServerState | None = None) -> Starlette:
    """A new app with its own state (the spec is loaded once per process and shared)."""
    handlers.load_all()
    state = state or ServerState.create(config or ServerConfig())

    routes: list[BaseRoute] = [websocket_route()]  # /v1/realtime (refserver/realtime/)
    app = Starlette(routes=routes)
    app.state.oaic = state

    async def unmatched(scope: Any, receive: Any, send: Any) -> None:
        # Every HTTP request reaches the dispatcher here (no catch-all Route: a Route limits
        # its methods, and starlette would answer TRACE or a made-up method with a plain-text
        # 405); any path and method gets its 404/405 in the JSON error envelope.
        if scope["type"] == "http":
            response = await handle_request(state, Request(scope, receive))
            await response(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    app.router.default = unmatched
    return app


def request_faults(state: ServerState, request: Request) -> frozenset[str]:
    faults = state.config.faults
    header = request.headers.get(FAULT_HEADER)
    if header and state.config.allow_fault_header:
        names = {n.strip() for n in header.split(",") if n.strip()}
        unknown = sorted(n for n in names if n not in CATALOGUE)
        if unknown:
            raise ApiError(
                400,
                f"Unknown fault(s) in {FAULT_HEADER}: {', '.join(unknown)}. "
                "`oaic serve --list-faults` lists them.",
                param=FAULT_HEADER,
                code="unknown_fault",
            )
        faults = faults | names
    return faults


def check_auth(state: ServerState, request: Request) -> None:
    expected = state.config.api_key
    if not expected:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            code="invalid_api_key",
            type="invalid_request_error",
        )
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        shown = token.strip()
        hint = f"{shown[:3]}***{shown[-4:]}" if len(shown) > 8 else "***"
        raise ApiError(
            401,
            f"Incorrect API key provided: {hint}.",
            code="invalid_api_key",
            type="invalid_request_error",
        )


async def handle_request(state: ServerState, request: Request) -> Response:
    started = time.perf_counter()
    request_id = "req_" + secrets.token_hex(16)
    faults: frozenset[str] = state.config.faults
    op = None
    form: FormData | None = None
    try:
        faults = request_faults(state, request)
        with state.clock.frozen():  # one instant per request (see clock.py)
            op, response, form = await _route(state, request, faults)
    except ApiError as exc:
        response = error_response(exc, faults)
    except Exception:
        log.exception("unhandled error in %s %s (%s)", request.method, request.url.path, request_id)
        response = error_response(
            ApiError(
                500,
                f"The server had an error while processing your request. (request id {request_id})",
                code="server_error",
            ),
            faults,
        )
    finally:
        form = form or getattr(request.state, "oaic_form", None)
        if form is not None:
            await form.close()
    webhooks.ensure_pump(state)  # deliveries due from lifecycles this request touched
    response = apply_response_faults(response, op, state.spec, faults)
    _add_headers(response, request_id, started)
    if MISSING_REQUEST_ID in faults:
        del response.headers["x-request-id"]
    return response


async def _route(
    state: ServerState, request: Request, faults: frozenset[str]
) -> tuple[Any, Response, FormData | None]:
    path = request.url.path
    if not path.startswith(PREFIX + "/"):
        raise _invalid_url(request)
    sub = path[len(PREFIX) :]
    if IGNORE_AUTH not in faults:
        check_auth(state, request)
    if sub.startswith(CONTROL_PREFIX + "webhooks"):
        return None, await _webhooks_control(state, request, sub[len(CONTROL_PREFIX) :]), None
    if sub.startswith(CONTROL_PREFIX) and state.config.allow_fault_header:
        return None, await _control(state, request, sub[len(CONTROL_PREFIX) :]), None
    method = "GET" if request.method == "HEAD" else request.method
    found = state.spec.match(method, sub)
    if found is None:
        if state.spec.path_exists(sub):
            raise ApiError(
                405,
                f"Method {request.method} is not allowed for {PREFIX}{sub}.",
                code="method_not_allowed",
            )
        raise _invalid_url(request)
    op, path_params = found
    dispatch.check_path_params(state.validator, op, path_params)
    query = dispatch.parse_query(
        state.spec, state.validator, op, list(request.query_params.multi_items())
    )
    if IGNORE_PAGINATION_CURSOR in faults:
        query.pop("after", None)
        query.pop("before", None)
    body: Any = None
    instance: Any = None
    raw = b""
    form: FormData | None = None
    if op.request_content:
        raw = await dispatch.read_body(request, state.config.max_body_bytes)
        if raw:
            ctype = dispatch.pick_content_type(op, dispatch.media_type(request))
            schema: Any = op.request_content[ctype]
            if ctype in dispatch.FORM_TYPES:
                form = await dispatch.parse_form(request, raw)
                request.state.oaic_form = form  # closed by handle_request even on errors
                body, instance = dispatch.form_to_body(state.spec, schema, form)
            elif ctype == dispatch.JSON or ctype.endswith("+json"):
                try:
                    body = instance = dispatch.parse_json(raw)
                except ApiError:
                    if MALFORMED_JSON_500 in faults:
                        crash = Response("Internal Server Error", 500, media_type="text/plain")
                        return op, crash, None
                    raise
            else:  # application/sdp and other opaque bodies: text for the handler
                body = instance = raw.decode("utf-8", "replace")
                schema = {}
            # A handler may name faults that must reach it unvalidated (e.g. a server that
            # accepts an undocumented enum value): ``handler.oaic_unvalidated_faults``.
            skip: frozenset[str] = getattr(
                HANDLERS.get(op.id), "oaic_unvalidated_faults", frozenset()
            )
            if not faults & skip:
                depth = 1 if SHALLOW_BODY_VALIDATION in faults else None
                if len(raw) < OFF_LOOP_BODY_BYTES:
                    dispatch.check_body(state.validator, schema, instance, depth)
                else:  # validation is linear in the body: a large one must not stall the
                    # event loop (webhook deliveries, streams of other requests)
                    await run_in_threadpool(
                        dispatch.check_body, state.validator, schema, instance, depth
                    )
        elif op.request_required:
            raise ApiError(
                400,
                f"{op.id} requires a request body ({', '.join(op.request_content)}).",
                code="missing_body",
            )
    if SERVER_ERROR_ON_VALID in faults:
        raise ApiError(500, "The server had an error while processing your request.")
    ctx = Ctx(
        request=request,
        op=op,
        path_params=path_params,
        query=query,
        body=body,
        raw_body=raw,
        state=state,
        faults=faults,
    )
    handler = HANDLERS.get(op.id, engine.serve)
    result = await handler(ctx)
    if not isinstance(result, Response):
        result = json_response(result, faults=faults)
    return op, result, form


def _invalid_url(request: Request) -> ApiError:
    return ApiError(
        404,
        f"Invalid URL ({request.method} {request.url.path})",
        code="unknown_url",
    )


async def _control(state: ServerState, request: Request, name: str) -> Response:
    """Test-only control endpoints, enabled with allow_fault_header: ``POST clock`` and
    ``GET inventory`` (every stored object with its status, ``inventory.py``)."""
    if name == "inventory" and request.method == "GET":
        return json_response(inventory(state))
    if name != "clock" or request.method != "POST":
        raise ApiError(404, f"Unknown control endpoint {request.method} {name!r}.")
    raw = await dispatch.read_body(request, 65536)
    data = dispatch.parse_json(raw) if raw else {}
    if not isinstance(data, dict):
        raise ApiError(400, 'Expected a JSON object like {"advance": 60} or {"speed": 10}.')
    try:
        if "advance" in data:
            state.clock.advance(float(data["advance"]))
        if "speed" in data:
            state.clock.set_speed(float(data["speed"]))
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"Bad clock control value: {exc}", param="advance") from exc
    return json_response({"now": state.clock.now(), "speed": state.clock.speed})


async def _webhooks_control(state: ServerState, request: Request, name: str) -> Response:
    """Webhook endpoints of this server (``refserver/webhooks.py``): ``POST webhooks``
    registers one, ``DELETE webhooks/{id}`` removes it. Always on: it is configuration."""
    parts = name.split("/")
    if parts == ["webhooks"] and request.method == "POST":
        raw = await dispatch.read_body(request, 65536)
        data = dispatch.parse_json(raw) if raw else None
        return json_response(webhooks.add_endpoint(state, data))
    if len(parts) == 2 and parts[0] == "webhooks" and request.method == "DELETE":
        return json_response(webhooks.remove_endpoint(state, parts[1]))
    raise ApiError(404, f"Unknown control endpoint {request.method} {name!r}.")


def _add_headers(response: Response, request_id: str, started: float) -> None:
    headers = response.headers
    headers["x-request-id"] = request_id
    headers["openai-processing-ms"] = str(max(0, round((time.perf_counter() - started) * 1000)))
    headers["x-ratelimit-limit-requests"] = str(RATE_LIMIT_REQUESTS)
    headers["x-ratelimit-remaining-requests"] = str(RATE_LIMIT_REQUESTS - 1)
    headers["x-ratelimit-reset-requests"] = "6ms"
    headers["x-ratelimit-limit-tokens"] = str(RATE_LIMIT_TOKENS)
    headers["x-ratelimit-remaining-tokens"] = str(RATE_LIMIT_TOKENS)
    headers["x-ratelimit-reset-tokens"] = "0s"
