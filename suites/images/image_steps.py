"""Domain checks of image responses: ``image_problems(item, pointer)`` for one ``data[]`` item
or stream event carrying ``b64_json`` (must decode to the expected image format) or ``url``;
``require_claim`` gates a sub-feature; ``read_stream`` reads an SSE answer under deadlines."""

from __future__ import annotations

from typing import Any

from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario.media import data_url_bytes, decode_base64, sniff_image
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

Problem = tuple[str, str, Any, Any]


def require_claim(config: RunConfig, feature: str) -> None:
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")


def image_problems(item: Any, pointer: str, fmt: str = "png") -> list[Problem]:
    if not isinstance(item, dict):
        return [(pointer, "not an image object", "an object with b64_json or url", item)]
    b64, url = item.get("b64_json"), item.get("url")
    if isinstance(b64, str) and b64:
        try:
            raw = decode_base64(b64)
        except ValueError as exc:
            return [(f"{pointer}/b64_json", "b64_json is not base64", "base64", str(exc))]
        found = sniff_image(raw)
        if found != fmt:
            return [(f"{pointer}/b64_json", f"b64_json does not decode to {fmt}", fmt,
                     found or repr(raw[:12]))]  # fmt: skip
        return []
    if isinstance(url, str) and url.startswith("data:"):
        try:
            raw = data_url_bytes(url) or b""
        except ValueError as exc:
            return [(f"{pointer}/url", "the data URL is not base64", "base64", str(exc))]
        return [] if sniff_image(raw) == fmt else [
            (f"{pointer}/url", f"the data URL is not {fmt}", fmt, url[:40])
        ]  # fmt: skip
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return []  # a hosted image: fetching it is out of scope
    return [(pointer, "neither b64_json nor url carries the image", "b64_json or url",
             sorted(item))]  # fmt: skip


def data_problems(body: Any, n: int) -> list[Problem]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != n:
        return [
            ("/data", f"expected {n} image(s)", n, len(data) if isinstance(data, list) else data)
        ]
    return [p for i, item in enumerate(data) for p in image_problems(item, f"/data/{i}")]


def failures(check: str, operation: str, exchange: Any, problems: list[Problem]) -> list[Failure]:
    return [
        Failure.of(
            check, title, operation=operation, pointer=pointer,
            expected=expected, actual=actual, exchange=exchange,
        )
        for pointer, title, expected, actual in problems
    ][:20]  # fmt: skip


def read_stream(client: ConformanceClient, path: str, **request: Any) -> tuple[Any, list[Any]]:
    with client.stream("POST", path, **request) as stream:
        if stream.status == 200 and stream.is_event_stream:
            events = list(stream.events())
        else:
            stream.read()
            events = []
    return stream.exchange, events
