"""Structural decoders for the media a target returns: does a file decode *completely* in its
format, not just start with the right magic bytes?

``problem(fmt, data) -> str | None`` walks the whole container with the standard library only
and returns what is wrong (None: it decodes to the end). Formats (``FORMATS``):

- ``png``: every chunk's length and CRC-32, IHDR first and IEND last, the concatenated IDAT
  stream inflates to its end (zlib) and to exactly the size IHDR implies, row filters 0..4;
- ``jpeg``: SOI, marker segments, a frame header, entropy-coded scans, EOI;
- ``gif``: header, colour tables, image and extension blocks to the trailer;
- ``webp``: the RIFF size and the VP8/VP8L/VP8X chunk walk;
- ``wav``: the RIFF chunk walk, sizes consistent with the bytes present (the streaming
  sentinels 0 and 0xFFFFFFFF excepted), whole sample frames, PCM read to the end (``wave``);
- ``mp3``: an ID3v2 tag, then contiguous MPEG audio frames to the end (an ID3v1/APE tag may
  close the file): a file cut inside a frame is caught;
- ``aac``: contiguous ADTS frames; ``mp4``: the box walk covers the file exactly;
- ``ogg``: every page's structure and CRC, BOS first and EOS last (``OpusHead`` for opus);
- ``flac``: metadata blocks (STREAMINFO first), then frames found by their sync code and header
  CRC-8 and verified by each frame's CRC-16 (no subframe decoding needed);
- ``pcm``: whole 16-bit samples.

Nothing here decodes samples or pixels; a file that passes is well-formed to its last byte.
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Callable

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_problem(data: bytes) -> str | None:
    if data[:8] != _PNG_SIG:
        return "no PNG signature"
    pos, first, idat, ihdr = 8, True, bytearray(), b""
    while True:
        if pos + 12 > len(data):
            return f"truncated: chunk header at byte {pos} of {len(data)} (no IEND)"
        length, tag = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return f"truncated: {tag!r} chunk declares {length} bytes, {len(data) - pos - 12} left"
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(tag + body) & 0xFFFFFFFF != crc:
            return f"CRC mismatch in the {tag!r} chunk at byte {pos}"
        if first and tag != b"IHDR":
            return f"the first chunk is {tag!r}, not IHDR"
        first = False
        if tag == b"IHDR":
            ihdr = body
        elif tag == b"IDAT":
            idat += body
        pos = end
        if tag == b"IEND":
            break
    if pos != len(data):
        return f"{len(data) - pos} bytes after IEND"
    if len(ihdr) != 13:
        return "IHDR is not 13 bytes"
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    if not width or not height or color not in _PNG_CHANNELS:
        return f"invalid IHDR (width {width}, height {height}, colour type {color})"
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(bytes(idat)) + inflater.flush()
    except zlib.error as exc:
        return f"the image data does not inflate: {exc}"
    if not inflater.eof:
        return "the image data stream is cut (zlib stream not finished)"
    if interlace == 0:
        row = (width * _PNG_CHANNELS[color] * depth + 7) // 8
        if len(raw) != height * (row + 1):
            return f"{len(raw)} bytes of pixel data, IHDR implies {height * (row + 1)}"
        bad = [y for y in range(height) if raw[y * (row + 1)] > 4]
        if bad:
            return f"row {bad[0]} has an invalid filter type {raw[bad[0] * (row + 1)]}"
    return None


def jpeg_problem(data: bytes) -> str | None:
    if data[:2] != b"\xff\xd8":
        return "no SOI marker"
    pos, frame, scans = 2, False, 0
    while pos < len(data):
        if data[pos] != 0xFF:
            return f"expected a marker at byte {pos}"
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= len(data):
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            if not frame or not scans:
                return "EOI before a frame header and a scan"
            return None
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if pos + 2 > len(data):
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > len(data):
            return f"truncated: segment FF{marker:02X} declares {length} bytes"
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            frame = True
        pos += length
        if marker == 0xDA:
            scans += 1
            while pos + 1 < len(data):  # entropy-coded data up to the next real marker
                if data[pos] == 0xFF and data[pos + 1] != 0 and not 0xD0 <= data[pos + 1] <= 0xD7:
                    break
                pos += 1
            else:
                pos = len(data)
    return "truncated: no EOI marker"


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        if pos >= len(data):
            raise ValueError("truncated inside a data sub-block")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def gif_problem(data: bytes) -> str | None:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return "no GIF header"
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    try:
        while True:
            if pos >= len(data):
                return "truncated: no trailer"
            block = data[pos]
            if block == 0x3B:
                extra = len(data) - pos - 1
                return None if not extra else f"{extra} bytes after the trailer"
            if block == 0x21:
                pos = _gif_sub_blocks(data, pos + 2)
            elif block == 0x2C:
                if pos + 10 > len(data):
                    return "truncated image descriptor"
                local = data[pos + 9]
                pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
                pos = _gif_sub_blocks(data, pos + 1)  # LZW minimum code size, then the data
            else:
                return f"unknown block 0x{block:02X} at byte {pos}"
    except ValueError as exc:
        return str(exc)


def _riff_chunks(data: bytes, form: bytes) -> list[tuple[bytes, int, int]] | str:
    """``(tag, body offset, size)`` of a RIFF file's chunks, or what is wrong."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != form:
        return f"not a RIFF/{form.decode()} file"
    out, pos = [], 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        out.append((tag, pos + 8, size))
        if size in (0, 0xFFFFFFFF) and tag == b"data":
            return out  # streamed: the data runs to the end
        pos += 8 + size + (size & 1)
    if pos < len(data) and data[pos:].strip(b"\x00"):
        return f"{len(data) - pos} stray bytes after the last chunk"
    if pos > len(data) + 1:  # one pad byte may be missing at the very end
        return f"truncated: the last chunk needs {pos - len(data)} more bytes"
    return out


def webp_problem(data: bytes) -> str | None:
    chunks = _riff_chunks(data, b"WEBP")
    if isinstance(chunks, str):
        return chunks
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size + 8 != len(data):
        return f"the RIFF size says {riff_size + 8} bytes, the file has {len(data)}"
    tags = [c[0] for c in chunks]
    if not tags or tags[0] not in (b"VP8 ", b"VP8L", b"VP8X"):
        return f"the first chunk is {tags[0] if tags else 'missing'!r}, not VP8/VP8L/VP8X"
    for tag, body, _ in chunks:
        if tag == b"VP8L" and data[body : body + 1] != b"\x2f":
            return "VP8L chunk without its signature byte"
        if tag == b"VP8 " and data[body + 3 : body + 6] != b"\x9d\x01\x2a":
            return "VP8 chunk without its start code"
    return None


def wav_problem(data: bytes) -> str | None:
    chunks = _riff_chunks(data, b"WAVE")
    if isinstance(chunks, str):
        return chunks
    fmt = next(((b, s) for t, b, s in chunks if t == b"fmt "), None)
    dat = next(((b, s) for t, b, s in chunks if t == b"data"), None)
    if fmt is None or dat is None:
        return "no fmt chunk" if fmt is None else "no data chunk"
    if fmt[1] < 16:
        return "the fmt chunk is shorter than 16 bytes"
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", data[fmt[0] : fmt[0] + 16])
    if not channels or not rate or not align or not bits:
        return f"the fmt chunk has a zero field (channels {channels}, rate {rate}, align {align})"
    streamed = dat[1] in (0, 0xFFFFFFFF)
    present = len(data) - dat[0]
    if not streamed and dat[1] > present:
        return f"truncated: the data chunk declares {dat[1]} bytes, {present} present"
    length = present if streamed else dat[1]
    if length % align:
        return f"{length} data bytes is not a whole number of {align}-byte sample frames"
    (riff_size,) = struct.unpack("<I", data[4:8])
    if not streamed and riff_size not in (0, 0xFFFFFFFF) and riff_size + 8 > len(data) + 1:
        return f"truncated: the RIFF size says {riff_size + 8} bytes, the file has {len(data)}"
    if tag == 1 and not streamed:
        try:
            with wave.open(io.BytesIO(data), "rb") as w:
                frames = w.readframes(w.getnframes())
        except (wave.Error, EOFError, struct.error) as exc:
            return f"the PCM data does not read: {exc}"
        if len(frames) != length:
            return f"read {len(frames)} of {length} PCM bytes"
    return None


# MPEG audio: bitrates (kbit/s) per (version is MPEG-1, layer) and sample rates per version.
_MP3_RATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES[(False, 3)] = _MP3_RATES[(False, 2)]
_MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(header: bytes) -> int | None:
    """Length in bytes of the MPEG audio frame starting with these 4 bytes, None if invalid."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    rate_idx, sr_idx, pad = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or rate_idx in (0, 15) or sr_idx == 3:
        return None  # reserved values; free-format bitrate is not supported
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _MP3_RATES[(mpeg1, layer)][rate_idx] * 1000
    sample_rate = _MP3_SAMPLE_RATES[version][sr_idx]
    if layer == 1:
        return (12 * bitrate // sample_rate + pad) * 4
    factor = 144 if (layer == 2 or mpeg1) else 72
    return factor * bitrate // sample_rate + pad


def mp3_problem(data: bytes) -> str | None:
    pos = 0
    while data[pos : pos + 3] == b"ID3":
        if len(data) < pos + 10:
            return "truncated ID3 tag"
        size = 0
        for b in data[pos + 6 : pos + 10]:
            size = (size << 7) | (b & 0x7F)
        pos += 10 + size + (10 if data[pos + 5] & 0x10 else 0)
    frames = 0
    while pos < len(data):
        left = len(data) - pos
        if (data[pos : pos + 3] == b"TAG" and left == 128) or data[pos : pos + 8] == b"APETAGEX":
            break
        length = mpeg_frame_length(data[pos : pos + 4])
        if length is None:
            if frames and not data[pos:].strip(b"\x00"):
                break  # zero padding at the end
            return f"no valid MPEG audio frame header at byte {pos} (after {frames} frames)"
        if length > left:
            return f"truncated: frame {frames + 1} needs {length} bytes, {left} left"
        pos += length
        frames += 1
    return None if frames else "no MPEG audio frame"


def aac_problem(data: bytes) -> str | None:
    pos, frames = 0, 0
    while pos < len(data):
        head = data[pos : pos + 7]
        if len(head) < 7 or head[0] != 0xFF or head[1] & 0xF6 != 0xF0:
            return f"no ADTS frame header at byte {pos} (after {frames} frames)"
        length = ((head[3] & 3) << 11) | (head[4] << 3) | (head[5] >> 5)
        if length < 7:
            return f"ADTS frame {frames + 1} declares {length} bytes"
        if pos + length > len(data):
            left = len(data) - pos
            return f"truncated: ADTS frame {frames + 1} needs {length} bytes, {left} left"
        pos += length
        frames += 1
    return None if frames else "no ADTS frame"


def mp4_problem(data: bytes) -> str | None:
    pos, boxes = 0, []
    while pos < len(data):
        if pos + 8 > len(data):
            return f"truncated box header at byte {pos}"
        size, tag = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            if pos + 16 > len(data):
                return "truncated 64-bit box size"
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
        elif size == 0:
            size = len(data) - pos
        if size < 8 or pos + size > len(data):
            return f"truncated: box {tag!r} declares {size} bytes, {len(data) - pos} left"
        boxes.append(tag)
        pos += size
    if not boxes or boxes[0] != b"ftyp":
        return "the file does not start with an ftyp box"
    return None if b"moov" in boxes or b"moof" in boxes else "no moov box"


def _crc_table(poly: int, width: int) -> list[int]:
    top, mask, table = 1 << (width - 1), (1 << width) - 1, []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
        table.append(crc & mask)
    return table


_OGG_TABLE = _crc_table(0x04C11DB7, 32)
_CRC8_TABLE = _crc_table(0x07, 8)
_CRC16_TABLE = _crc_table(0x8005, 16)


def _crc(table: list[int], width: int, data: bytes) -> int:
    crc, shift, mask = 0, width - 8, (1 << width) - 1
    for byte in data:
        crc = ((crc << 8) & mask) ^ table[((crc >> shift) ^ byte) & 0xFF]
    return crc


def ogg_crc(page: bytes) -> int:
    return _crc(_OGG_TABLE, 32, page)


def crc8(data: bytes) -> int:
    return _crc(_CRC8_TABLE, 8, data)


def crc16(data: bytes) -> int:
    return _crc(_CRC16_TABLE, 16, data)


def ogg_problem(data: bytes, codec: str | None = None) -> str | None:
    pos, pages, first_packet, last_flags = 0, 0, b"", 0
    while pos < len(data):
        head = data[pos : pos + 27]
        if len(head) < 27:
            return f"truncated: {len(head)} bytes of a page header at byte {pos}"
        if head[:4] != b"OggS" or head[4] != 0:
            return f"no Ogg page at byte {pos} (after {pages} pages)"
        nsegs = head[26]
        if pos + 27 + nsegs > len(data):
            return f"truncated segment table of page {pages + 1}"
        lacing = data[pos + 27 : pos + 27 + nsegs]
        end = pos + 27 + nsegs + sum(lacing)
        if end > len(data):
            return f"truncated: page {pages + 1} needs {end - pos} bytes, {len(data) - pos} left"
        page = bytearray(data[pos:end])
        (stored,) = struct.unpack("<I", page[22:26])
        page[22:26] = b"\x00\x00\x00\x00"
        if ogg_crc(bytes(page)) != stored:
            return f"CRC mismatch in Ogg page {pages + 1}"
        if pages == 0:
            if not head[5] & 0x02:
                return "the first page is not marked beginning-of-stream"
            first_packet = data[pos + 27 + nsegs : end]
        last_flags, pos, pages = head[5], end, pages + 1
    if not pages:
        return "no Ogg page"
    if not last_flags & 0x04:
        return "the last page is not marked end-of-stream (the stream is cut)"
    if codec == "opus" and not first_packet.startswith(b"OpusHead"):
        return "the first packet is not OpusHead"
    return None


def _flac_header_length(data: bytes, pos: int) -> int | None:
    """Length of a FLAC frame header at ``pos`` whose CRC-8 checks out, else None."""
    if data[pos : pos + 2] not in (b"\xff\xf8", b"\xff\xf9") or pos + 6 > len(data):
        return None
    block_code, rate_code = data[pos + 2] >> 4, data[pos + 2] & 0xF
    if block_code == 0 or rate_code == 0xF or data[pos + 3] & 1:
        return None
    i, lead = pos + 4, data[pos + 4]
    extra = 0 if lead < 0x80 else next((n for n in range(1, 7) if lead << n & 0x80 == 0), 7) - 1
    if extra >= 6 and lead != 0xFE:
        return None
    i += 1 + extra
    i += {6: 1, 7: 2}.get(block_code, 0) + {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if i >= len(data) or crc8(data[pos:i]) != data[i]:
        return None
    return i + 1 - pos


def flac_problem(data: bytes) -> str | None:
    if data[:4] != b"fLaC":
        return "no fLaC marker"
    pos, first = 4, True
    while True:
        if pos + 4 > len(data):
            return "truncated metadata block header"
        last, kind = data[pos] & 0x80, data[pos] & 0x7F
        (length,) = struct.unpack(">I", b"\x00" + data[pos + 1 : pos + 4])
        if first and (kind != 0 or length != 34):
            return "the first metadata block is not a 34-byte STREAMINFO"
        first, pos = False, pos + 4 + length
        if pos > len(data):
            return "truncated metadata block"
        if last:
            break
    starts = []
    scan = data.find(b"\xff", pos)
    while 0 <= scan < len(data) - 1:
        if _flac_header_length(data, scan):
            starts.append(scan)
        scan = data.find(b"\xff", scan + 1)
    if not starts or starts[0] != pos:
        return f"no FLAC frame header after the metadata (byte {pos})"
    # A sync code may occur inside a frame by chance: a frame ends at the first candidate
    # whose preceding bytes carry a matching CRC-16.
    frames, begin = 0, pos
    for nxt in [*starts[1:], len(data)]:
        if nxt - begin >= 4 and crc16(data[begin : nxt - 2]) == int.from_bytes(
            data[nxt - 2 : nxt], "big"
        ):
            frames, begin = frames + 1, nxt
    if begin != len(data):
        return f"frame {frames + 1} (byte {begin}) fails its CRC-16: the stream is cut or corrupt"
    return None


def pcm_problem(data: bytes) -> str | None:
    return None if len(data) % 2 == 0 else f"{len(data)} bytes is not a whole number of samples"


FORMATS: dict[str, Callable[[bytes], str | None]] = {
    "png": png_problem,
    "jpeg": jpeg_problem,
    "gif": gif_problem,
    "webp": webp_problem,
    "wav": wav_problem,
    "mp3": mp3_problem,
    "aac": aac_problem,
    "mp4": mp4_problem,
    "ogg": ogg_problem,
    "opus": lambda data: ogg_problem(data, "opus"),
    "flac": flac_problem,
    "pcm": pcm_problem,
}


def sniff_audio(data: bytes) -> str | None:
    """The container/codec a byte string starts with (magic bytes only), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:3] == b"ID3":
        return "mp3"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"ADIF":
        return "aac"
    if len(data) >= 2 and data[0] == 0xFF:
        if data[1] & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer bits 00
            return "aac"
        if data[1] & 0xE0 == 0xE0 and data[1] & 0x06:  # MPEG audio frame sync, layer != 0
            return "mp3"
    return None


def sniff_image(data: bytes) -> str | None:
    """The image format a byte string starts with (magic bytes only), or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def problem(fmt: str, data: bytes) -> str | None:
    """What keeps ``data`` from decoding completely as ``fmt`` (None: it does)."""
    if not data:
        return "empty"
    return FORMATS[fmt](data)
