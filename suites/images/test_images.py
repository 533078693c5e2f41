"""Images (costly, opt-in): generation, edit and variation bodies carry real PNGs; a streamed
generation sends partial images then exactly one completed event."""

from __future__ import annotations

import pytest
from image_steps import data_problems, failures, image_problems, read_stream, require_claim

from openai_conformance.checks import (
    assert_conforms,
    raise_failures,
    stream_event_schema_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import png_square
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

GEN, EDIT, VARY = "POST /images/generations", "POST /images/edits", "POST /images/variations"
PROMPT = "A small blue square on a white background."


@pytest.mark.requirement("images/generation")
def test_generation_returns_png_images(
    client: ConformanceClient, oaic_config: RunConfig, image_model: str
) -> None:
    require_claim(oaic_config, "images.generation")
    body = {"model": image_model, "prompt": PROMPT, "n": 1, "size": "1024x1024"}
    exchange = client.request("POST", "/images/generations", json=body)
    answer = assert_conforms(exchange, GEN)
    lc.fail(failures("generation_conformance", GEN, exchange, data_problems(answer, 1)))


@pytest.mark.requirement("images/edit")
def test_edit_of_a_png_returns_png_images(
    client: ConformanceClient, oaic_config: RunConfig, image_model: str
) -> None:
    require_claim(oaic_config, "images.edit")
    files = {"image": ("square.png", png_square(256), "image/png")}
    data = {"model": image_model, "prompt": PROMPT, "n": "1", "size": "1024x1024"}
    exchange = client.request("POST", "/images/edits", data=data, files=files)
    answer = assert_conforms(exchange, EDIT)
    lc.fail(failures("edit_conformance", EDIT, exchange, data_problems(answer, 1)))


@pytest.mark.requirement("images/variation")
def test_variation_of_a_png_returns_png_images(
    client: ConformanceClient, oaic_config: RunConfig, image_model: str
) -> None:
    require_claim(oaic_config, "images.variation")
    files = {"image": ("square.png", png_square(256), "image/png")}
    data = {"model": image_model, "n": "1", "size": "256x256", "response_format": "b64_json"}
    exchange = client.request("POST", "/images/variations", data=data, files=files)
    answer = assert_conforms(exchange, VARY)
    lc.fail(failures("variation_conformance", VARY, exchange, data_problems(answer, 1)))


@pytest.mark.requirement("images/streaming")
def test_generation_stream_sends_partials_then_one_completed(
    client: ConformanceClient, oaic_config: RunConfig, image_model: str, check_ctx: CheckContext
) -> None:
    require_claim(oaic_config, "images.streaming")
    body = {"model": image_model, "prompt": PROMPT, "stream": True, "partial_images": 2}
    exchange, events = read_stream(client, "/images/generations", json=body)
    if exchange.status != 200:
        assert_conforms(exchange, GEN)
    raise_failures(stream_event_schema_conformance(exchange, GEN, check_ctx))
    payloads = [e.json() for e in events]
    kinds = [p.get("type") for p in payloads]
    problems = []
    partial = [p for p in payloads if p.get("type") == "image_generation.partial_image"]
    indexes = [p.get("partial_image_index") for p in partial]
    if indexes != list(range(len(partial))):
        problems.append(("/events", "partial_image_index does not count from 0",
                         list(range(len(partial))), indexes))  # fmt: skip
    if kinds.count("image_generation.completed") != 1 or kinds[-1:] != [
        "image_generation.completed"
    ]:
        problems.append(("/events", "the stream does not end with one completed event",
                         "partials then image_generation.completed", kinds[-5:]))  # fmt: skip
    for i, payload in enumerate(payloads):
        problems += image_problems(payload, f"/events/{i}", payload.get("output_format") or "png")
    lc.fail(failures("streaming_conformance", GEN, exchange, problems))
