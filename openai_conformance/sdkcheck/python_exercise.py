"""The built-in exercise of the official ``openai`` Python SDK (one entry per SDK method call).

``EXERCISES`` is an ordered list of ``Exercise(label, run)``; ``run(client, state)`` makes one
SDK call (or one helper's whole use: a stream consumed to the end, a list auto-iterated past
its first page) with realistic arguments and returns what the SDK parsed. Labels name the
SDK method and the argument variant: ``chat.completions.create (required)``,
``chat.completions.create (all params)``. Later entries use what earlier ones created
(``state["file_id"]`` ...); an entry whose prerequisite failed raises ``Skipped``.

The runner gives each entry its own client (``x-oaic-exercise: <label>`` header), so the proxy
files every request the call made under the label.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHAT = "gpt-4o-mini"
PROMPT = [{"role": "user", "content": "Say hello in three words."}]


class Skipped(Exception):
    """A prerequisite of the exercise (an object an earlier one creates) is missing."""


@dataclass(frozen=True)
class Exercise:
    label: str
    run: Callable[[Any, dict[str, Any]], Any]


def need(state: dict[str, Any], key: str) -> Any:
    if key not in state:
        raise Skipped(f"needs {key} (an earlier exercise did not create it)")
    return state[key]


def wav_bytes(seconds: float = 0.2, rate: int = 16000) -> bytes:
    """A valid, silent mono 16-bit WAV file."""
    frames = int(seconds * rate)
    data = b"\0\0" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


def jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


BATCH_LINE = (
    '{"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", '
    '"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}'
)
TRAIN_LINE = (
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}'
)
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
PERSON_SCHEMA = {
    "name": "person",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    },
}


# --------------------------------------------------------------------------- chat & text


def chat_required(c: Any, s: dict[str, Any]) -> Any:
    return c.chat.completions.create(model=CHAT, messages=PROMPT)


def chat_all_params(c: Any, s: dict[str, Any]) -> Any:
    out = c.chat.completions.create(
        model=CHAT,
        messages=[{"role": "developer", "content": "Be brief."}, *PROMPT],
        temperature=0.2,
        top_p=0.9,
        n=2,
        stop=["\n\n"],
        max_completion_tokens=32,
        presence_penalty=0.1,
        frequency_penalty=0.1,
        seed=7,
        logprobs=True,
        top_logprobs=2,
        user="oaic-sdk-check",
        metadata={"oaic": "sdk-check"},
        store=True,
        response_format={"type": "json_schema", "json_schema": PERSON_SCHEMA},
    )
    s["chat_completion_id"] = out.id
    return out


def chat_legacy_max_tokens(c: Any, s: dict[str, Any]) -> Any:
    return c.chat.completions.create(model=CHAT, messages=PROMPT, max_tokens=16)


def chat_tools(c: Any, s: dict[str, Any]) -> Any:
    return c.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
    )


def chat_stream_raw(c: Any, s: dict[str, Any]) -> Any:
    chunks = list(
        c.chat.completions.create(
            model=CHAT, messages=PROMPT, stream=True, stream_options={"include_usage": True}
        )
    )
    if not chunks:
        raise AssertionError("the stream yielded no chunk")
    return chunks


def chat_stream_helper(c: Any, s: dict[str, Any]) -> Any:
    with c.chat.completions.stream(model=CHAT, messages=PROMPT) as stream:
        for _ in stream:
            pass
        return stream.get_final_completion()


def chat_list(c: Any, s: dict[str, Any]) -> Any:
    return list(c.chat.completions.list(limit=2))


def chat_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.chat.completions.retrieve(need(s, "chat_completion_id"))


def completions_create(c: Any, s: dict[str, Any]) -> Any:
    return c.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hello", max_tokens=8, temperature=0
    )


def embeddings_required(c: Any, s: dict[str, Any]) -> Any:
    return c.embeddings.create(model="text-embedding-3-small", input="hello world")


def embeddings_all(c: Any, s: dict[str, Any]) -> Any:
    return c.embeddings.create(
        model="text-embedding-3-small",
        input=["hello", "world"],
        dimensions=64,
        encoding_format="float",
        user="oaic-sdk-check",
    )


def moderations_create(c: Any, s: dict[str, Any]) -> Any:
    return c.moderations.create(model="omni-moderation-latest", input="I like kittens.")


# --------------------------------------------------------------------------- responses


def responses_required(c: Any, s: dict[str, Any]) -> Any:
    out = c.responses.create(model=CHAT, input="Say hello.")
    s["response_id"] = out.id
    return out


def responses_all(c: Any, s: dict[str, Any]) -> Any:
    return c.responses.create(
        model=CHAT,
        input=[{"role": "user", "content": "Describe a person."}],
        instructions="Answer in JSON.",
        temperature=0.2,
        top_p=0.9,
        max_output_tokens=64,
        metadata={"oaic": "sdk-check"},
        store=True,
        text={"format": {"type": "json_schema", **PERSON_SCHEMA}},
    )


def responses_stream_helper(c: Any, s: dict[str, Any]) -> Any:
    with c.responses.stream(model=CHAT, input="Say hello.") as stream:
        for _ in stream:
            pass
        return stream.get_final_response()


def responses_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.responses.retrieve(need(s, "response_id"))


def responses_input_items(c: Any, s: dict[str, Any]) -> Any:
    return list(c.responses.input_items.list(need(s, "response_id")))


def responses_delete(c: Any, s: dict[str, Any]) -> Any:
    return c.responses.delete(need(s, "response_id"))


def conversations_lifecycle(c: Any, s: dict[str, Any]) -> Any:
    conv = c.conversations.create(metadata={"oaic": "sdk-check"})
    c.conversations.retrieve(conv.id)
    return c.conversations.delete(conv.id)


# --------------------------------------------------------------------------- files & co


def files_create(c: Any, s: dict[str, Any]) -> Any:
    out = c.files.create(file=("notes.txt", b"hello from the sdk check\n"), purpose="assistants")
    s["file_id"] = out.id
    return out


def files_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.files.retrieve(need(s, "file_id"))


def files_list_autopaginate(c: Any, s: dict[str, Any]) -> Any:
    for i in range(2):  # more files than one page holds, so iteration fetches a second page
        c.files.create(file=(f"page{i}.txt", b"x\n"), purpose="assistants")
    pages = c.files.list(limit=1)
    items = list(pages)
    if len(items) < 3:
        raise AssertionError(f"auto-pagination saw {len(items)} files, expected >= 3")
    return items


def files_content(c: Any, s: dict[str, Any]) -> Any:
    return c.files.content(need(s, "file_id")).read()


def files_delete(c: Any, s: dict[str, Any]) -> Any:
    return c.files.delete(need(s, "file_id"))


def uploads_lifecycle(c: Any, s: dict[str, Any]) -> Any:
    data = b"part one\npart two\n"
    upload = c.uploads.create(
        bytes=len(data), filename="parts.txt", mime_type="text/plain", purpose="assistants"
    )
    first = c.uploads.parts.create(upload.id, data=data[:9])
    second = c.uploads.parts.create(upload.id, data=data[9:])
    return c.uploads.complete(upload.id, part_ids=[first.id, second.id])


def batches_create(c: Any, s: dict[str, Any]) -> Any:
    f = c.files.create(file=("batch.jsonl", jsonl([BATCH_LINE])), purpose="batch")
    out = c.batches.create(
        input_file_id=f.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"oaic": "sdk-check"},
    )
    s["batch_id"] = out.id
    return out


def batches_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.batches.retrieve(need(s, "batch_id"))


def batches_list(c: Any, s: dict[str, Any]) -> Any:
    return list(c.batches.list(limit=5))


def batches_cancel(c: Any, s: dict[str, Any]) -> Any:
    return c.batches.cancel(need(s, "batch_id"))


def fine_tuning_create(c: Any, s: dict[str, Any]) -> Any:
    f = c.files.create(file=("train.jsonl", jsonl([TRAIN_LINE] * 10)), purpose="fine-tune")
    out = c.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=f.id, suffix="oaic", seed=7, metadata={"oaic": "x"}
    )
    s["job_id"] = out.id
    return out


def fine_tuning_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.fine_tuning.jobs.retrieve(need(s, "job_id"))


def fine_tuning_list(c: Any, s: dict[str, Any]) -> Any:
    return list(c.fine_tuning.jobs.list(limit=5))


def fine_tuning_events(c: Any, s: dict[str, Any]) -> Any:
    return list(c.fine_tuning.jobs.list_events(need(s, "job_id"), limit=5))


def fine_tuning_cancel(c: Any, s: dict[str, Any]) -> Any:
    return c.fine_tuning.jobs.cancel(need(s, "job_id"))


# --------------------------------------------------------------------------- media, models


def models_list(c: Any, s: dict[str, Any]) -> Any:
    return list(c.models.list())


def models_retrieve(c: Any, s: dict[str, Any]) -> Any:
    return c.models.retrieve(CHAT)


def images_generate(c: Any, s: dict[str, Any]) -> Any:
    return c.images.generate(model="dall-e-2", prompt="a red square", n=1, size="256x256")


def speech_create(c: Any, s: dict[str, Any]) -> Any:
    return c.audio.speech.create(
        model="tts-1", voice="alloy", input="hello", response_format="mp3"
    ).read()


def transcription_create(c: Any, s: dict[str, Any]) -> Any:
    return c.audio.transcriptions.create(
        model="whisper-1", file=("hello.wav", io.BytesIO(wav_bytes())), language="en"
    )


def realtime_session(c: Any, s: dict[str, Any]) -> Any:
    """The realtime client (``websockets``): update the session, ask for a text answer."""
    kinds: list[str] = []
    with c.realtime.connect(model="gpt-realtime", max_retries=0) as conn:
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Say hello."}],
            }
        )
        conn.response.create()
        for event in conn:
            kinds.append(event.type)
            if event.type in ("response.done", "error") or len(kinds) > 200:
                break
    if "response.done" not in kinds:
        raise AssertionError(f"no response.done (events: {kinds[-5:]})")
    return kinds


EXERCISES: list[Exercise] = [
    Exercise("models.list (auto-paginate)", models_list),
    Exercise("models.retrieve", models_retrieve),
    Exercise("chat.completions.create (required)", chat_required),
    Exercise("chat.completions.create (all params)", chat_all_params),
    Exercise("chat.completions.create (max_tokens)", chat_legacy_max_tokens),
    Exercise("chat.completions.create (tools)", chat_tools),
    Exercise("chat.completions.create (stream=True)", chat_stream_raw),
    Exercise("chat.completions.stream (helper)", chat_stream_helper),
    Exercise("chat.completions.list", chat_list),
    Exercise("chat.completions.retrieve", chat_retrieve),
    Exercise("completions.create", completions_create),
    Exercise("embeddings.create (required)", embeddings_required),
    Exercise("embeddings.create (all params)", embeddings_all),
    Exercise("moderations.create", moderations_create),
    Exercise("responses.create (required)", responses_required),
    Exercise("responses.create (all params)", responses_all),
    Exercise("responses.stream (helper)", responses_stream_helper),
    Exercise("responses.retrieve", responses_retrieve),
    Exercise("responses.input_items.list", responses_input_items),
    Exercise("responses.delete", responses_delete),
    Exercise("conversations.create/retrieve/delete", conversations_lifecycle),
    Exercise("files.create (upload)", files_create),
    Exercise("files.retrieve", files_retrieve),
    Exercise("files.list (auto-paginate)", files_list_autopaginate),
    Exercise("files.content", files_content),
    Exercise("files.delete", files_delete),
    Exercise("uploads.create/parts.create/complete", uploads_lifecycle),
    Exercise("batches.create", batches_create),
    Exercise("batches.retrieve", batches_retrieve),
    Exercise("batches.list", batches_list),
    Exercise("batches.cancel", batches_cancel),
    Exercise("fine_tuning.jobs.create", fine_tuning_create),
    Exercise("fine_tuning.jobs.retrieve", fine_tuning_retrieve),
    Exercise("fine_tuning.jobs.list", fine_tuning_list),
    Exercise("fine_tuning.jobs.list_events", fine_tuning_events),
    Exercise("fine_tuning.jobs.cancel", fine_tuning_cancel),
    Exercise("images.generate", images_generate),
    Exercise("audio.speech.create", speech_create),
    Exercise("audio.transcriptions.create", transcription_create),
    Exercise("realtime.connect (session, response)", realtime_session),
]
