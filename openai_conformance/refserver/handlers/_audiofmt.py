"""Well-formed speech files in every compressed ``response_format``, from the standard library.

The reference server has no codec; it still must answer files that decode completely
(``checks.decoders``), so each format is a structurally valid container around content a
decoder accepts:

- ``mp3``: an empty ID3v2 tag, then silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono;
  all-zero side information decodes to silence), one per 1152 samples of the duration;
- ``opus``: Ogg pages (CRC per page) carrying OpusHead, OpusTags and one 20 ms packet per frame
  whose TOC byte announces an empty CELT frame (RFC 6716: a decoder treats it as silence);
- ``aac``: ADTS frames (AAC-LC, 24 kHz, mono) each holding a silent raw data block;
- ``flac``: STREAMINFO, then frames with VERBATIM subframes of the real PCM16 samples, each
  with its CRC-8 header and CRC-16 footer: the one format here that carries the samples.
"""

from __future__ import annotations

import struct

from ...checks.decoders import crc8, crc16, ogg_crc

RATE = 24000
_MP3_FRAME = b"\xff\xfb\x90\xc0" + bytes(413)  # 144 * 128000 / 44100 = 417 bytes, no padding
_AAC_SILENCE = b"\x21\x10\x04\x60\x8c\x1c"  # one silent AAC-LC mono raw_data_block
_FLAC_BLOCK = 4096


def _frames(seconds: float, per_frame: float) -> int:
    return max(1, int(seconds / per_frame + 0.999))


def mp3(seconds: float) -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + _MP3_FRAME * _frames(seconds, 1152 / 44100)


def _ogg_page(serial: int, seq: int, granule: int, flags: int, packet: bytes) -> bytes:
    lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
    head = b"OggS\x00" + struct.pack("<BqIII", flags, granule, serial, seq, 0)
    page = bytearray(head + bytes([len(lacing)]) + lacing + packet)
    page[22:26] = struct.pack("<I", ogg_crc(bytes(page)))
    return bytes(page)


def opus(seconds: float) -> bytes:
    serial, packets = 0x0A1C, _frames(seconds, 0.02)
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, RATE, 0, 0)
    vendor = b"openai-conformance"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    out = [_ogg_page(serial, 0, 0, 0x02, head), _ogg_page(serial, 1, 0, 0, tags)]
    for i in range(packets):
        last = i == packets - 1
        out.append(_ogg_page(serial, i + 2, 312 + (i + 1) * 960, 0x04 if last else 0, b"\xf8"))
    return b"".join(out)


def aac(seconds: float) -> bytes:
    length = 7 + len(_AAC_SILENCE)
    # syncword, MPEG-4, layer 0, no CRC | LC, 24 kHz (index 6), mono | frame length | fullness
    header = bytes(
        [
            0xFF,
            0xF1,
            (1 << 6) | (6 << 2),
            (1 << 6) | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,
            0xFC,
        ]
    )
    return (header + _AAC_SILENCE) * _frames(seconds, 1024 / RATE)


def _utf8_number(n: int) -> bytes:
    if n >= 0xD800:  # 0xD800 frames of 4096 samples: over 41 hours at 24 kHz
        raise ValueError("speech too long for this encoder")
    return chr(n).encode("utf-8")


def flac(samples: bytes) -> bytes:
    """PCM16 little-endian mono samples at ``RATE`` as a FLAC stream of verbatim frames."""
    values = struct.unpack(f"<{len(samples) // 2}h", samples[: len(samples) // 2 * 2])
    total = len(values)
    info = struct.pack(">HH", _FLAC_BLOCK, _FLAC_BLOCK) + b"\x00" * 6
    # sample rate (20 bits), channels - 1 (3), bits - 1 (5), total samples (36), MD5 unknown
    packed = (RATE << 44) | (0 << 41) | (15 << 36) | total
    info += packed.to_bytes(8, "big") + bytes(16)
    out = [b"fLaC", b"\x80" + len(info).to_bytes(3, "big") + info]
    for number, start in enumerate(range(0, total, _FLAC_BLOCK)):
        block = values[start : start + _FLAC_BLOCK]
        full = len(block) == _FLAC_BLOCK
        # sync + fixed blocking | block size code (12: 4096, 7: 16-bit size at end), rate 24 kHz
        header = b"\xff\xf8" + bytes([(12 if full else 7) << 4 | 7, 0x08])  # mono, 16 bits
        header += _utf8_number(number) + (b"" if full else struct.pack(">H", len(block) - 1))
        header += bytes([crc8(header)])
        frame = header + b"\x02" + struct.pack(f">{len(block)}h", *block)
        out.append(frame + struct.pack(">H", crc16(frame)))
    return b"".join(out)
