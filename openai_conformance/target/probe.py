"""``oaic probe``: find out what a server implements and draft its profile.

Contract: a bounded number of small requests (at most ``MAX_REQUESTS``, no retries, short
timeouts) through the project's ``ConformanceClient`` (same auth, redaction and timeouts as a
run); nothing costly: routes are probed with an empty JSON body (a server that has the route
rejects it with 400/422 before doing any work) or a read-only GET of a list, and options with
one-token chat completions. No resource is ever created.

Reading an answer (``classify``):

* 404, 405, 501 -> **absent** (a 404 whose error envelope says the *model* was not found
  means the route exists: **present**; so does a 405 on the GET of a collection when the
  control GET is not also 405: the path exists and takes another method, e.g. an
  upload-only files API);
* 2xx, 400, 401, 403, 409, 415, 422, 429 -> **present**, unless the server answers a route
  that cannot exist the same way (``CONTROL_PATH``): then the status proves nothing and the
  route is **unknown** (e.g. a key checked before routing answers 401 everywhere);
* anything else, a timeout or a broken connection -> **unknown**.

Model ids come only from a ``GET /models`` listing (per role: the first listed id matching the
role's family, else the first listed id for chat), from ``--model``, or from a one-token chat
completion that a default id answered with 200. A route of a model role (embeddings,
moderations) that answered only 400/422 to an empty body is not claimed when no model id for
that role is known: the run would send a default OpenAI id and FAIL on "invalid model".

``run_probe(client, model)`` returns a ``ProbeResult`` (observations, features, models);
``problem(result, ...)`` says when the probe proves nothing (401 everywhere, 404 everywhere:
``probe_main`` exits non-zero with that message instead of an empty draft) and ``warnings``
lists what the draft could not decide or claimed broken (5xx answers, no chat model id).
Absence is a refusal only (404/405/501 on a route, a 4xx to an option): a route or option
that answers 5xx, or an option accepted without its effect (``n`` ignored, no usage chunk),
is claimed so that its tests report the defect instead of going DISABLED;
``draft_profile(result, ...)`` renders a TOML profile that validates against the profile
schema (``probe_main`` checks that before printing it). Unknown answers are listed as
comments in the draft, never claimed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..contract.features import registry
from ..errors import ConformanceError
from .options import DEFAULT_MODELS

MAX_REQUESTS = 60
CONTROL_PATH = "/oaic-probe-no-such-route"
ABSENT = frozenset({404, 405, 501})
PRESENT = frozenset({400, 401, 403, 409, 415, 422, 429})
OPTIONAL_TOKENS = 1  # every inference the probe makes asks for one token


@dataclass(frozen=True)
class Route:
    """A route probe: ``feature`` is claimed when the route is present."""

    feature: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


def _routes() -> tuple[Route, ...]:
    """The ``routes`` of every feature in suites/*/feature.yaml; ``GET /models`` first (the
    chat probe needs a real model id from it)."""
    found = [
        Route(f.name, r.method, r.path, tuple(r.headers.items()))
        for f in registry()
        for r in f.routes
        if r.kind == "http"
    ]
    return tuple(sorted(found, key=lambda r: r.feature != "models"))


ROUTES = _routes()
#: Route features that need a model id of a role to be exercised.
FEATURE_ROLE = {"embeddings": "embeddings", "moderations": "moderation"}
ROLE_HINTS = (  # (role, substrings of a model id), first match wins; chat is the fallback
    ("embeddings", ("embed",)),
    ("moderation", ("moderation",)),
    ("tts", ("tts",)),
    ("transcription", ("whisper", "transcribe")),
    ("image", ("dall-e", "gpt-image", "image")),
    ("realtime", ("realtime",)),
)


@dataclass
class Observation:
    """What one probe saw: ``verdict`` is present | absent | unknown."""

    label: str
    status: int | None
    verdict: str
    note: str = ""


@dataclass
class ProbeResult:
    observations: list[Observation] = field(default_factory=list)
    features: set[str] = field(default_factory=set)
    models: dict[str, str] = field(default_factory=dict)
    control: dict[str, int | None] = field(default_factory=dict)
    routes: dict[str, int | None] = field(default_factory=dict)  # "GET /files" -> status


def _mentions_model(body: Any) -> bool:
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return False
    text = f"{err.get('code') or ''} {err.get('param') or ''} {err.get('message') or ''}"
    return "model" in text.lower()


def classify(status: int | None, control: int | None, body: Any = None) -> str:
    """present | absent | unknown for one answer; see module doc."""
    if status is None:
        return "unknown"
    if status == 404 and _mentions_model(body):
        return "present"
    if status in ABSENT:
        return "absent"
    if control is not None and status == control:
        return "unknown"
    if 200 <= status < 300 or status in PRESENT:
        return "present"
    return "unknown"


def _json(exchange: Any) -> Any:
    try:
        return exchange.json()
    except Exception:
        return None


class Prober:
    """Runs the probes over one client; every request failure becomes an observation."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.result = ProbeResult()

    def send(self, method: str, path: str, **kw: Any) -> tuple[int | None, Any, str]:
        try:
            ex = self.client.request(method, path, **kw)
        except ConformanceError as exc:
            if type(exc).__name__ == "TargetUnreachable":
                raise
            return None, None, exc.message.splitlines()[0][:120]
        except Exception as exc:
            return None, None, f"{type(exc).__name__}: {str(exc)[:100]}"
        return ex.status, _json(ex), ""

    def observe(self, label: str, status: int | None, verdict: str, note: str = "") -> str:
        self.result.observations.append(Observation(label, status, verdict, note))
        return verdict

    # -- routes --------------------------------------------------------------------------

    def controls(self) -> None:
        for method in ("GET", "POST"):
            kw: dict[str, Any] = {"json": {}} if method == "POST" else {}
            status, _, _ = self.send(method, CONTROL_PATH, **kw)
            self.result.control[method] = status
            self.observe(f"{method} {CONTROL_PATH} (control)", status, "control")

    def routes(self) -> None:
        for route in ROUTES:
            kw: dict[str, Any] = {"headers": dict(route.headers)} if route.headers else {}
            if route.method == "POST":
                kw["json"] = self.chat_body(route=True) if route.feature == "chat" else {}
            status, body, note = self.send(route.method, route.path, **kw)
            if route.feature == "models" and status == 200:
                self.guess_models(body)
            control = self.result.control.get(route.method)
            verdict = classify(status, control, body)
            if status is not None and status >= 500 and status != control:
                # The route exists and crashes (absence is 404/405/501 only): its tests judge
                # it, so the crash is reported instead of every test going DISABLED.
                verdict = "present"
            if route.method == "GET" and status == 405 and control != 405:
                # The collection exists and takes another method (POST): present, not listable.
                verdict, note = "present", note or "405 on GET: the route takes another method"
            role = FEATURE_ROLE.get(route.feature)
            if (
                verdict == "present"
                and status in (400, 422)
                and role is not None
                and role not in self.result.models
            ):
                verdict = "unknown"
                note = f"{status} to an empty body; no {role} model id listed: set [models] {role}"
            self.observe(f"{route.method} {route.path}", status, verdict, note)
            self.result.routes[f"{route.method} {route.path}"] = status
            if verdict == "present":
                self.result.features.add(route.feature)
                listing = f"{route.feature}.list"
                if route.method == "GET" and status == 200 and registry().get(listing):
                    self.result.features.add(listing)

    def guess_models(self, body: Any) -> None:
        data = body.get("data") if isinstance(body, dict) else None
        ids = [m["id"] for m in data or [] if isinstance(m, dict) and isinstance(m.get("id"), str)]
        for model_id in ids:
            low = model_id.lower()
            role = next((r for r, hints in ROLE_HINTS if any(h in low for h in hints)), "chat")
            self.result.models.setdefault(role, model_id)

    def chat_body(self, *, route: bool = False, **extra: Any) -> dict[str, Any]:
        """A one-token chat request with the listed chat model; for the route probe, with
        the default id when none is listed (an empty body crashes some servers: mockllm)."""
        model = self.result.models.get("chat") or (DEFAULT_MODELS["chat"] if route else None)
        if model is None:
            return {}
        return {
            "model": model,
            "messages": [{"role": "user", "content": "Reply with OK."}],
            "max_tokens": OPTIONAL_TOKENS,
            **extra,
        }

    # -- options (one-token chat completions) --------------------------------------------

    def chat_option(self, feature: str, check: Callable[[Any], bool], **extra: Any) -> None:
        """An option is absent only when the target refuses it (a 4xx). Accepted with 200
        but without its effect (n ignored, no logprobs), or a 5xx on a chat that otherwise
        works, is the option broken, not missing: it is claimed, and its tests judge it."""
        status, body, note = self.send("POST", "/chat/completions", json=self.chat_body(**extra))
        if status is None:
            verdict = "unknown"
        elif status == 200 or status >= 500:
            verdict = "present"
            self.result.features.add(feature)
            if status >= 500:
                note = note or f"answered {status}: claimed, the tests judge it"
            elif not check(body):
                note = note or "accepted but without its effect: claimed, the tests judge it"
        else:
            verdict = "absent"
        self.observe(f"chat option {feature}", status, verdict, note)

    def streaming(self) -> None:
        body = self.chat_body(stream=True, stream_options={"include_usage": True})
        seen_usage, chunks, status, note = False, 0, None, ""
        try:
            with self.client.stream("POST", "/chat/completions", json=body) as stream:
                status = stream.status
                if status == 200:
                    for event in stream.events():
                        if event.is_done:
                            break
                        chunks += 1
                        data = event.json()
                        seen_usage = seen_usage or bool(
                            isinstance(data, dict) and data.get("usage")
                        )
        except Exception as exc:
            note = f"{type(exc).__name__}: {str(exc)[:100]}"
        streams = status == 200 and chunks > 0
        if streams:
            self.result.features.add("chat.streaming")
        if streams:  # include_usage was asked and the stream accepted: ignoring it is a defect
            self.result.features.add("chat.stream-usage")
        self.observe("chat option chat.streaming", status, "present" if streams else "absent", note)
        self.observe(
            "chat option chat.stream-usage (stream_options.include_usage)",
            status,
            "present" if streams else "absent",
            "" if seen_usage or not streams else "no usage chunk: claimed, the tests judge it",
        )

    def default_chat_model(self) -> bool:
        """Without a listed chat model, try the default id once; keep it only on a 200."""
        model = DEFAULT_MODELS["chat"]
        self.result.models["chat"] = model
        status, body, note = self.send("POST", "/chat/completions", json=self.chat_body())
        works = status == 200 and _has_choices(body)
        if not works:
            del self.result.models["chat"]
        self.observe(
            f"chat with default model {model}", status, "present" if works else "unknown", note
        )
        return works

    def options(self) -> None:
        if "chat" not in self.result.features:
            return
        if "chat" not in self.result.models and not self.default_chat_model():
            return
        self.streaming()
        tool = {
            "type": "function",
            "function": {
                "name": "oaic_probe",
                "description": "probe",
                "parameters": {"type": "object", "properties": {}},
            },
        }
        schema = {
            "type": "json_schema",
            "json_schema": {
                "name": "probe",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"ok": {"type": "boolean"}},
                    "required": ["ok"],
                    "additionalProperties": False,
                },
            },
        }
        has_choices = _has_choices
        self.chat_option("chat.tools", has_choices, tools=[tool])
        self.chat_option("chat.json-mode", has_choices, response_format={"type": "json_object"})
        self.chat_option("chat.structured-outputs", has_choices, response_format=schema)
        self.chat_option("chat.logprobs", _has_logprobs, logprobs=True)
        self.chat_option("chat.n", _has_n_choices, n=2)

    def embeddings_base64(self) -> None:
        """``encoding_format: base64`` and ``dimensions``, judged like the chat options: only
        a refusal (4xx) is absence; accepted and ignored (a float list, every dimension) is
        claimed and its test reports it."""
        model = self.result.models.get("embeddings")
        if "embeddings" not in self.result.features or model is None:
            return
        options = (
            ("embeddings.base64", {"encoding_format": "base64"}, _embedding_is_base64),
            ("embeddings.dimensions", {"dimensions": 8}, _embedding_has_8_dimensions),
        )
        for feature, extra, check in options:
            payload = {"model": model, "input": "probe", **extra}
            status, body, note = self.send("POST", "/embeddings", json=payload)
            if status is None:
                verdict = "unknown"
            elif status == 200 or status >= 500:
                verdict = "present"
                self.result.features.add(feature)
                if status >= 500 or not check(body):
                    note = note or f"answered {status} without its effect: claimed, tests judge it"
            else:
                verdict = "absent"
            self.observe(f"embeddings option {feature}", status, verdict, note)

    def responses_streaming(self) -> None:
        model = self.result.models.get("chat")
        if "responses" not in self.result.features or model is None:
            return
        body = {"model": model, "input": "Reply with OK.", "max_output_tokens": 16, "stream": True}
        events, status, note = 0, None, ""
        try:
            with self.client.stream("POST", "/responses", json=body) as stream:
                status = stream.status
                if status == 200:
                    for event in stream.events():
                        if event.is_done:
                            break
                        data = event.json()
                        if isinstance(data, dict) and str(data.get("type", "")).startswith(
                            "response."
                        ):
                            events += 1
        except Exception as exc:
            note = f"{type(exc).__name__}: {str(exc)[:100]}"
        streams = status == 200 and events > 0
        broken = status is not None and status >= 500  # responses works; streaming crashes
        if streams or broken:
            self.result.features.add("responses.streaming")
            if broken:
                note = note or f"answered {status}: claimed, the tests judge it"
        verdict = "present" if streams or broken else "unknown" if status is None else "absent"
        self.observe("responses option responses.streaming", status, verdict, note)

    def handshake(self, path: str, model: str) -> tuple[int | None, str]:
        """The HTTP status of a WebSocket handshake (101 when it upgrades)."""
        try:
            with self.client.websocket(path, {"model": model}):
                return 101, ""
        except ConformanceError as exc:
            ex = getattr(exc, "exchange", None)
            status = getattr(ex, "status", None) if ex is not None else None
            return status, exc.message.splitlines()[0][:120]
        except Exception as exc:  # a broken handshake: unknown
            return None, f"{type(exc).__name__}: {str(exc)[:100]}"

    def realtime(self) -> None:
        """The Realtime WebSocket: an upgrade proves it; a refusal only counts when a
        handshake on a route that cannot exist is answered differently (many servers refuse
        every unknown WebSocket path with 403, the same status as a refused key)."""
        model = self.result.models.get("realtime") or self.result.models.get("chat") or "probe"
        control, _ = self.handshake(CONTROL_PATH, model)
        self.result.control["WS"] = control
        self.observe(f"WebSocket {CONTROL_PATH} (control)", control, "control")
        status, note = self.handshake("/realtime", model)
        if status == 101 and self.result.models and "realtime" not in self.result.models:
            # Upgraded with another role's model, but the run would ask for the default
            # realtime model, which /models does not list (the server's models are others).
            verdict = "unknown"
            note = f"upgraded with {model}; no realtime model id listed: set [models] realtime"
        elif status == 101:
            verdict = "present"
        else:
            verdict = classify(status, control)
            if verdict == "present" and status not in (401, 403):
                verdict = "unknown"  # a non-upgrade answer that is not auth proves little
        if verdict == "present":
            self.result.features.update({"realtime", "realtime.websocket"})
        self.observe("WebSocket /realtime", status, verdict, note)

    def run(self) -> ProbeResult:
        self.controls()
        self.routes()  # GET /models comes first: the chat probe needs a real model id
        self.options()
        self.embeddings_base64()
        self.responses_streaming()
        self.realtime()
        for name in list(self.result.features):  # a sub-feature implies its resource
            feature = registry().get(name)
            if feature is not None and feature.parent:
                self.result.features.add(feature.parent)
        return self.result


def _has_choices(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("choices"), list)


def _first_embedding(body: Any) -> Any:
    data = body.get("data") if isinstance(body, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    return first.get("embedding") if isinstance(first, dict) else None


def _embedding_is_base64(body: Any) -> bool:
    return isinstance(_first_embedding(body), str)


def _embedding_has_8_dimensions(body: Any) -> bool:
    vector = _first_embedding(body)
    return isinstance(vector, list) and len(vector) == 8


def _has_n_choices(body: Any) -> bool:
    return _has_choices(body) and len(body["choices"]) == 2


def _has_logprobs(body: Any) -> bool:
    if not _has_choices(body) or not body["choices"]:
        return False
    choice = body["choices"][0]
    return isinstance(choice, dict) and choice.get("logprobs") is not None


def run_probe(client: Any, model: str | None = None) -> ProbeResult:
    """Probe the target behind ``client``; ``model`` forces the chat model."""
    prober = Prober(client)
    if model:
        prober.result.models["chat"] = model
    return prober.run()
