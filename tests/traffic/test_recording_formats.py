"""Reading recorded traffic: VCR (YAML/JSON, gzip, !!binary, httpx-style), HAR, evidence.jsonl,
and a precise message for every kind of bad input."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from openai_conformance.traffic.formats import Recorded, Skipped, TrafficInputError, read_file
from openai_conformance.traffic.judge import admissible

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "hello", "refusal": None},
            "logprobs": None,
        }
    ],
}

VCR = """\
interactions:
- request:
    body: '{body}'
    headers:
      content-type:
      - application/json
      authorization:
      - REDACTED
    method: POST
    uri: {uri}
  response:
    body:
      string: !!binary |
        {answer}
    headers:
      Content-Type:
      - application/json
      Content-Encoding:
      - gzip
      x-request-id:
      - req_1
    status:
      code: 200
      message: OK
version: 1
"""


def _vcr(tmp_path: Path, uri: str = "https://api.openai.com/v1/chat/completions") -> Path:
    answer = base64.b64encode(gzip.compress(json.dumps(ANSWER).encode())).decode()
    path = tmp_path / "cassette.yaml"
    path.write_text(VCR.format(body=json.dumps(CHAT), uri=uri, answer=answer))
    return path


def test_vcr_cassette_with_gzip_binary_body_is_decoded(tmp_path: Path) -> None:
    [rec] = read_file(_vcr(tmp_path))
    assert isinstance(rec, Recorded)
    assert (rec.method, rec.status, rec.index) == ("POST", 200, 0)
    assert json.loads(rec.response_body) == ANSWER
    assert json.loads(rec.request_body) == CHAT
    assert "gzip body decompressed" in rec.notes
    assert not any(k.lower() == "content-encoding" for k, _ in rec.response_headers)
    assert rec.where.endswith("cassette.yaml#0")


def test_gzipped_cassette_file_is_read(tmp_path: Path) -> None:
    plain = _vcr(tmp_path)
    packed = tmp_path / "cassette.yaml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    [rec] = read_file(packed)
    assert isinstance(rec, Recorded) and rec.status == 200


def test_json_cassette_with_httpx_style_response_is_read(tmp_path: Path) -> None:
    data = {
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "https://api.openai.com/v1/moderations",
                    "body": {"string": '{"input": "x"}'},
                    "headers": {"content-type": "application/json"},
                },
                "response": {
                    "status_code": 200,
                    "content": '{"ok": true}',
                    "headers": {"content-type": "application/json"},
                },
            }
        ]
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    [rec] = read_file(path)
    assert isinstance(rec, Recorded)
    assert rec.response_body == b'{"ok": true}' and rec.request_body == b'{"input": "x"}'


def test_har_entries_are_read_with_base64_content(tmp_path: Path) -> None:
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "https://api.openai.com/v1/chat/completions",
                        "headers": [{"name": "Authorization", "value": "Bearer x"}],
                        "postData": {"mimeType": "application/json", "text": json.dumps(CHAT)},
                    },
                    "response": {
                        "status": 200,
                        "statusText": "OK",
                        "headers": [{"name": "Content-Type", "value": "application/json"}],
                        "content": {
                            "mimeType": "application/json",
                            "encoding": "base64",
                            "text": base64.b64encode(json.dumps(ANSWER).encode()).decode(),
                        },
                    },
                },
                {
                    "request": {"method": "GET", "url": "https://api.openai.com/v1/models"},
                    "response": {"status": 0, "content": {}},
                },
            ],
        }
    }
    path = tmp_path / "trace.har"
    path.write_text(json.dumps(har))
    rec, skipped = read_file(path)
    assert isinstance(rec, Recorded) and json.loads(rec.response_body) == ANSWER
    assert ("content-type", "application/json") in rec.request_headers
    assert isinstance(skipped, Skipped) and "no recorded response" in skipped.reason


def test_evidence_jsonl_exchanges_are_read_and_other_records_ignored(tmp_path: Path) -> None:
    lines = [
        {"kind": "outcome", "test_id": "t"},
        {
            "kind": "exchange",
            "request": {
                "method": "POST",
                "url": "https://api.openai.com/v1/chat/completions",
                "headers": {"content-type": "application/json"},
                "body": json.dumps(CHAT),
            },
            "response": {
                "status": 200,
                "reason": "OK",
                "headers": {"content-type": "application/json"},
                "body": json.dumps(ANSWER),
            },
        },
    ]
    path = tmp_path / "evidence.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    [rec] = read_file(path)
    assert isinstance(rec, Recorded) and rec.index == 0 and rec.status == 200


def test_truncated_yaml_names_the_file_and_the_line(tmp_path: Path) -> None:
    text = _vcr(tmp_path).read_text()
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[: text.index("status:") + 12] + "\n  - [unclosed")
    with pytest.raises(TrafficInputError, match=r"cut\.yaml: truncated or invalid YAML at line"):
        read_file(cut)


def test_truncated_gzip_is_a_precise_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml.gz"
    path.write_bytes(gzip.compress(b"interactions: []\n" * 50)[:20])
    with pytest.raises(TrafficInputError, match="truncated or corrupt gzip"):
        read_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("files:\n- a\n", "unknown format"),
        ("", "empty file"),
        ('{"log": {}}', "unknown format"),
        ('{"kind": "outcome"}\n{"kind": "outcome"}\n', "without exchange records"),
    ],
)
def test_unknown_formats_are_rejected_with_a_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content)
    with pytest.raises(TrafficInputError, match=message):
        read_file(path)


def test_binary_file_is_not_traffic(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\xff\xfe" * 10)
    with pytest.raises(TrafficInputError, match="not text"):
        read_file(path)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://telemetry.example.com/v1/traces", "non-OpenAI host 'telemetry.example.com'"),
        ("https://api.openai.com/dashboard/usage", "non-API path '/dashboard/usage'"),
        ("**REDACTED**", "URI not recorded"),
    ],
)
def test_exchanges_outside_the_api_are_not_judged_and_say_why(
    tmp_path: Path, uri: str, reason: str
) -> None:
    [rec] = read_file(_vcr(tmp_path, uri=f"'{uri}'"))
    assert isinstance(rec, Recorded)
    assert reason in (admissible(rec) or "")


def test_openai_exchange_is_admissible(tmp_path: Path) -> None:
    [rec] = read_file(_vcr(tmp_path))
    assert isinstance(rec, Recorded) and admissible(rec) is None


def _evidence_line(body: str) -> str:
    return json.dumps(
        {
            "kind": "exchange",
            "request": {
                "method": "POST",
                "url": "https://api.openai.com/v1/chat/completions",
                "headers": {"content-type": "application/json"},
                "body": body,
            },
            "response": {"status": 200, "headers": {}, "body": "{}"},
        },
        ensure_ascii=False,
    )


def test_evidence_lines_split_on_newline_only(tmp_path: Path) -> None:
    body = json.dumps({**CHAT, "user": "a\u2028b\x1cc"}, ensure_ascii=False)
    path = tmp_path / "evidence.jsonl"
    path.write_text(_evidence_line(body) + "\n", encoding="utf-8")
    [rec] = read_file(path)
    assert isinstance(rec, Recorded) and json.loads(rec.request_body)["user"] == "a\u2028b\x1cc"


def test_evidence_body_cut_by_redaction_is_not_judged(tmp_path: Path) -> None:
    path = tmp_path / "evidence.jsonl"
    path.write_text(_evidence_line('{"url": "https://[REDACTED]@host}') + "\n")
    [item] = read_file(path)
    assert isinstance(item, Skipped) and "altered by redaction" in item.reason
