"""Every oneOf in the overlaid contract can be satisfied: no two variants overlap.

A oneOf whose variants overlap rejects valid values by construction (a false positive against
every conformant server). For each variant of each oneOf, a minimal instance is synthesized and
must match exactly one variant. Overlaps found this way are fixed in
spec/overlays/043-input-item-anyof.yaml and 044-overlapping-unions.yaml.
"""

from __future__ import annotations

from typing import Any

from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.synth import Synth

# Overlaps of the *minimal* instance only, which real values do not have: the two array variants
# of the moderation input (strings / multimodal parts) both accept an empty array, which the API
# rejects anyway (an input must not be empty).
MINIMAL_INSTANCE_ARTEFACTS = {"/components/schemas/CreateModerationRequest/properties/input"}


def _overlapping_unions(spec: Any) -> list[str]:
    validator, synth = SchemaValidator(spec), Synth(spec)
    found: list[str] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            variants = node.get("oneOf")
            if isinstance(variants, list) and len(variants) > 1 and "x-oaic-dispatch" not in node:
                for index, variant in enumerate(variants):
                    instance = synth.value(variant)
                    matched = [j for j, v in enumerate(variants) if validator.is_valid(instance, v)]
                    if len(matched) > 1:
                        found.append(f"{pointer} (variant {index} also matches {matched})")
                        break
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(spec.document["components"], "/components")
    walk(spec.document["paths"], "/paths")
    return [f for f in found if f.split(" ")[0] not in MINIMAL_INSTANCE_ARTEFACTS]


def test_no_one_of_in_the_contract_has_overlapping_variants(spec) -> None:
    assert _overlapping_unions(spec) == []
