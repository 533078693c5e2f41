"""Audio fixtures: ``tone_wav`` (a generated 2 s 440 Hz WAV) and ``transcribe(path, **form)``
posting it as multipart to /audio/transcriptions or /audio/translations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import wav_tone
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture(scope="session")
def tone_wav() -> bytes:
    return wav_tone(seconds=2.0, rate=16000, freq=440.0)


@pytest.fixture
def transcribe(
    client: ConformanceClient, oaic_config: RunConfig, tone_wav: bytes
) -> Callable[..., Any]:
    model = lc.model_for(oaic_config, "transcription")

    def post(path: str, **form: Any) -> Any:
        data = {"model": model, **form}
        files = {"file": ("tone.wav", tone_wav, "audio/wav")}
        return client.request("POST", path, data=data, files=files)

    return post
