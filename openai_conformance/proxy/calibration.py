"""Two readings of the contract: as the live API honours it, and to the letter of the document.

``Calibration.load(strict=None)`` loads the contract the checks judge against (the default
document with every overlay, including those of kind ``observed``: what the real API does
consistently against the letter, with recorded exchanges as evidence; docs/calibration.md)
and, unless ``strict``, the letter of the document as well (``observed`` overlays left out).

``observed_only(judged, letter)`` is what the letter flags and the calibrated contract does
not: the places where a target follows the API's observed behaviour. Callers report them as
findings labelled ``observed``, never as FAIL. With ``--strict-spec`` (``strict=True``) the
checks judge the letter itself, so those places are FAILs and there is nothing to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checks import CheckContext
from ..checks.failures import Failure
from ..contract import Spec, load_spec
from ..contract.overlays import OBSERVED
from ..contract.validation import SchemaValidator


@dataclass(frozen=True)
class Reading:
    """One reading of the contract, ready for the checks."""

    spec: Spec
    validator: SchemaValidator
    ctx: CheckContext

    @classmethod
    def of(cls, spec: Spec) -> Reading:
        validator = SchemaValidator(spec)
        return cls(spec, validator, CheckContext(spec=spec, validator=validator))


@dataclass(frozen=True)
class Calibration:
    judged: Reading  # what FAIL is measured against
    letter: Reading | None  # the letter of the document; None in strict mode

    @property
    def strict(self) -> bool:
        return self.letter is None

    @classmethod
    def load(cls, strict: bool | None = None, source: str | None = None) -> Calibration:
        spec = load_spec(source, strict=strict)
        has_observed = any(o.kind == OBSERVED for o in spec.overlays)
        if not has_observed:
            return cls(Reading.of(spec), None)
        return cls(Reading.of(spec), Reading.of(load_spec(source, strict=True)))


def observed_only(judged: list[Failure], letter: list[Failure]) -> list[Failure]:
    """Failures of the letter that the calibrated contract does not share (same check and
    pointer), labelled in their title as following the observed behaviour."""
    from dataclasses import replace

    seen = {(f.check, f.pointer) for f in judged}
    out = []
    for f in letter:
        if (f.check, f.pointer) in seen:
            continue
        out.append(replace(f, title=f"observed (document says otherwise): {f.title}"))
    return out
