"""Unit level: each generic check fails on a crafted bad exchange and passes on a good one."""

from __future__ import annotations

import copy

from checks_support import CHAT_BODY, ERROR_BODY, MODELS_BODY, FakeExchange

from openai_conformance.checks import (
    auth_conformance,
    content_type_conformance,
    error_envelope_conformance,
    request_id_header_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHAT = "POST /chat/completions"


def test_status_check_passes_documented_statuses(ctx):
    assert status_code_conformance(FakeExchange(200, MODELS_BODY), "GET /models", ctx) == []
    assert status_code_conformance(FakeExchange(404, ERROR_BODY), "GET /models", ctx) == []


def test_status_check_fails_any_server_error(ctx):
    [failure] = status_code_conformance(FakeExchange(500, ERROR_BODY), CHAT, ctx)
    assert failure.requirement == "core/no-server-error"
    assert failure.actual == "500"


def test_status_check_fails_an_undocumented_success_status(ctx):
    [failure] = status_code_conformance(FakeExchange(204, None), "GET /models", ctx)
    assert failure.requirement == "core/documented-status"
    assert "200" in (failure.expected or "")


def test_content_type_check_passes_json_and_fails_text_plain(ctx):
    assert content_type_conformance(FakeExchange(200, CHAT_BODY), CHAT, ctx) == []
    bad = FakeExchange(200, CHAT_BODY, content_type="text/plain")
    [failure] = content_type_conformance(bad, CHAT, ctx)
    assert failure.expected == "application/json"
    assert failure.actual == "text/plain"


def test_content_type_check_requires_json_for_errors(ctx):
    html = FakeExchange(400, "<html>bad</html>", content_type="text/html")
    [failure] = content_type_conformance(html, CHAT, ctx)
    assert failure.check == "content_type_conformance"


def test_content_type_check_requires_event_stream_for_streams(ctx):
    stream = FakeExchange(200, "", content_type="application/json", events=[])
    assert content_type_conformance(stream, CHAT, ctx)[0].expected == "text/event-stream"


def test_schema_check_passes_a_valid_chat_completion(ctx):
    assert response_schema_conformance(FakeExchange(200, CHAT_BODY), CHAT, ctx) == []


def test_schema_check_names_the_pointer_of_a_wrong_enum(ctx):
    body = copy.deepcopy(CHAT_BODY)
    body["choices"][0]["finish_reason"] = "done"
    [failure] = response_schema_conformance(FakeExchange(200, body), CHAT, ctx)
    assert failure.pointer == "/choices/0/finish_reason"
    assert failure.expected and failure.expected.startswith("one of stop|length")
    assert failure.actual == "'done'"


def test_schema_check_reports_one_failure_per_violation(ctx):
    body = copy.deepcopy(CHAT_BODY)
    body["created"] = "yesterday"
    del body["model"]
    failures = response_schema_conformance(FakeExchange(200, body), CHAT, ctx)
    assert {f.pointer for f in failures} == {"/created", ""}


CONTENT = "GET /files/{file_id}/content"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def test_schema_check_judges_binary_media_types_by_type_only(ctx):
    # spec/overlays/310: the content route answers the raw bytes (octet-stream, jsonl, or any
    # concrete binary type such as application/pdf); none of them is parsed as JSON.
    for ctype in ("application/octet-stream", "application/pdf", "application/jsonl"):
        download = FakeExchange(200, PDF, content_type=ctype)
        assert response_schema_conformance(download, CONTENT, ctx) == [], ctype


def test_schema_check_judges_a_json_download_against_the_json_schema(ctx):
    assert response_schema_conformance(FakeExchange(200, '"text"'), CONTENT, ctx) == []
    [failure] = response_schema_conformance(FakeExchange(200, {"not": "a string"}), CONTENT, ctx)
    assert failure.pointer == "" and "string" in failure.message


def test_schema_check_fails_an_undocumented_non_json_body_where_json_is_documented(ctx):
    # A 200 text/html login page is no chat completion: a test that checks only the schema
    # must not pass on it (issue 14); the content-type check reports the type as well.
    html = FakeExchange(200, "<html>sign in</html>", content_type="text/html")
    [failure] = response_schema_conformance(html, CHAT, ctx)
    assert failure.title == "body is not JSON"
    assert content_type_conformance(html, CHAT, ctx)


def test_schema_check_fails_a_body_that_is_not_json(ctx):
    [failure] = response_schema_conformance(FakeExchange(200, "{oops"), CHAT, ctx)
    assert failure.title == "body is not JSON"


def test_error_envelope_check_passes_the_envelope(ctx):
    assert error_envelope_conformance(FakeExchange(400, ERROR_BODY), CHAT, ctx) == []


def test_error_envelope_check_fails_a_flat_error(ctx):
    flat = FakeExchange(400, {"message": "bad", "code": None})
    [failure] = error_envelope_conformance(flat, CHAT, ctx)
    assert failure.pointer == "/error"


def test_error_envelope_check_fails_missing_and_mistyped_fields(ctx):
    body = {"error": {"message": 3, "type": "x"}}
    pointers = {f.pointer for f in error_envelope_conformance(FakeExchange(422, body), CHAT, ctx)}
    assert pointers == {"/error/message", "/error/param", "/error/code"}


def test_error_envelope_check_fails_an_error_sent_with_status_200(ctx):
    [failure] = error_envelope_conformance(FakeExchange(200, ERROR_BODY), CHAT, ctx)
    assert failure.title == "error reported with status 200"


def test_error_envelope_check_accepts_success_objects_with_an_error_field(ctx):
    batch_like = {"id": "batch_1", "object": "batch", "error": None, "status": "failed"}
    assert error_envelope_conformance(FakeExchange(200, batch_like), CHAT, ctx) == []


def test_error_envelope_check_fails_an_html_error_page(ctx):
    page = FakeExchange(500, "<html><body>Internal error</body></html>", content_type="text/html")
    [failure] = error_envelope_conformance(page, CHAT, ctx)
    assert "not JSON" in failure.title


def test_request_id_check_is_a_should(ctx):
    ok = FakeExchange(200, MODELS_BODY)
    assert request_id_header_conformance(ok, "GET /models", ctx) == []
    missing = FakeExchange(200, MODELS_BODY)
    del missing.headers["x-request-id"]
    [failure] = request_id_header_conformance(missing, "GET /models", ctx)
    assert failure.level == "SHOULD"


def test_auth_check_requires_401_with_the_envelope(ctx):
    assert auth_conformance(FakeExchange(401, ERROR_BODY), "GET /models", ctx) == []
    [failure] = auth_conformance(FakeExchange(200, MODELS_BODY), "GET /models", ctx)
    assert failure.expected == "401 with the error envelope"
    [flat] = auth_conformance(FakeExchange(401, {"message": "no"}), "GET /models", ctx)
    assert flat.check == "auth_conformance" and flat.pointer == "/error"
