"""Unit level: the structural decoders accept the reference server's media and reject files
that are cut, corrupted or mislabelled; media_integrity_conformance finds media in bodies."""

from __future__ import annotations

import base64

import pytest
from checks_support import FakeExchange

from openai_conformance.checks import media_integrity_conformance
from openai_conformance.checks.decoders import problem
from openai_conformance.refserver.handlers.audio import speech_bytes
from openai_conformance.refserver.handlers.images import tiny_png
from openai_conformance.scenario.media import png_square, wav_tone

SPEECH = "POST /audio/speech"
FILES = {
    "png": png_square(8),
    "wav": wav_tone(0.05),
    **{f: speech_bytes("the quick brown fox", f) for f in ("mp3", "aac", "flac", "opus")},
}


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_well_formed_files_decode(fmt):
    assert problem(fmt, FILES[fmt]) is None


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_a_file_cut_by_two_bytes_does_not_decode(fmt):
    assert problem(fmt, FILES[fmt][:-2]) is not None


@pytest.mark.parametrize("fmt", ["png", "flac", "opus"])
def test_a_flipped_bit_fails_the_checksum(fmt):
    data = bytearray(FILES[fmt])
    data[len(data) // 2] ^= 0x10
    assert problem(fmt, bytes(data)) is not None


def test_a_changed_png_header_fails_its_crc():
    good = tiny_png()
    assert problem("png", good) is None
    changed = good.replace(b"\x00\x00\x00\x01", b"\x00\x00\x00\x02", 1)  # width 1 -> 2
    assert "CRC mismatch in the b'IHDR' chunk" in (problem("png", changed) or "")


def test_wav_streaming_sentinel_sizes_are_accepted():
    data = bytearray(FILES["wav"])
    data[40:44] = b"\xff\xff\xff\xff"  # the data chunk size of a streamed WAV
    assert problem("wav", bytes(data)) is None


def test_binary_body_is_judged_in_its_declared_format(ctx):
    good = FakeExchange(200, FILES["mp3"], content_type="audio/mpeg")
    assert media_integrity_conformance(good, SPEECH, ctx) == []
    cut = FakeExchange(200, FILES["mp3"][:-2], content_type="audio/mpeg")
    [failure] = media_integrity_conformance(cut, SPEECH, ctx)
    assert failure.requirement == "core/media-integrity"
    assert "truncated" in failure.message


def test_b64_images_in_json_bodies_are_decoded(ctx):
    png = base64.b64encode(FILES["png"]).decode()
    cut = base64.b64encode(FILES["png"][:-12]).decode()
    body = {"created": 1, "data": [{"b64_json": png}, {"b64_json": cut}, {"b64_json": "%%"}]}
    failures = media_integrity_conformance(FakeExchange(200, body), "POST /images/generations", ctx)
    assert [f.pointer for f in failures] == ["/data/1/b64_json", "/data/2/b64_json"]


def test_unrecognised_bytes_are_left_to_the_resource_tests(ctx):
    body = FakeExchange(200, b"not audio at all", content_type="application/octet-stream")
    assert media_integrity_conformance(body, SPEECH, ctx) == []


def test_file_content_downloads_are_not_judged_as_media(ctx):
    # the user's own bytes, mislabelled: content_type_conformance's finding, not a broken file
    mislabelled = FakeExchange(200, b"\x00\x01 not a png", content_type="image/png")
    assert media_integrity_conformance(mislabelled, "GET /files/{file_id}/content", ctx) == []
