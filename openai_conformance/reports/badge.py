"""badge.svg: a shields-style "conformance | 87.5%" badge coloured by score band."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from openai_conformance.reports.text import fmt_score

#: (minimum score, colour); the first band whose minimum the score reaches wins.
BANDS: tuple[tuple[float, str], ...] = (
    (95.0, "#4c1"),
    (80.0, "#97ca00"),
    (60.0, "#dfb317"),
    (40.0, "#fe7d37"),
    (0.0, "#e05d44"),
)
NO_SCORE_COLOUR = "#9f9f9f"


def band_colour(score: float | None) -> str:
    if score is None:
        return NO_SCORE_COLOUR
    for minimum, colour in BANDS:
        if score >= minimum:
            return colour
    return BANDS[-1][1]


def _width(text: str) -> int:
    # Verdana 11px averages ~6.6px per character; 10px of padding each side.
    return int(len(text) * 6.6) + 20


def render_badge(score: float | None, label: str = "conformance") -> str:
    value = fmt_score(score)
    lw, vw = _width(label), _width(value)
    total = lw + vw
    colour = band_colour(score)
    label_e, value_e = escape(label), escape(value)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" \
role="img" aria-label="{label_e}: {value_e}">
<title>{label_e}: {value_e}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\
<stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>\
<rect x="{lw}" width="{vw}" height="20" fill="{colour}"/>\
<rect width="{total}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{lw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label_e}</text>\
<text x="{lw / 2:.1f}" y="14">{label_e}</text>
<text x="{lw + vw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{value_e}</text>\
<text x="{lw + vw / 2:.1f}" y="14">{value_e}</text>
</g></svg>
"""


def write_badge(path: Path, score: float | None) -> Path:
    path.write_text(render_badge(score), encoding="utf-8")
    return path
