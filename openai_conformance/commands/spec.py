"""``oaic spec info`` and ``oaic spec operations [--write]``: the contract document."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from .common import EXIT_OK, EXIT_USAGE


def add_parsers(sub: Any) -> None:
    spec = sub.add_parser("spec", help="inspect the contract and regenerate its operation table")
    spec.add_argument("--spec", metavar="PATH_OR_URL", help="document (default: the locked one)")
    spec_sub = spec.add_subparsers(dest="spec_command", metavar="SPEC_COMMAND", required=True)
    spec_sub.add_parser("info", help="document identity, overlays applied, operation counts")
    ops = spec_sub.add_parser("operations", help="check or regenerate spec/operations.yaml")
    ops.add_argument("--write", action="store_true", help="write missing entries, drop stale ones")


def cmd_spec(args: argparse.Namespace) -> int:
    from ..contract import load_spec, metadata
    from ..contract.loader import METADATA_PATH, read_metadata

    spec = load_spec(args.spec)
    if args.spec_command == "info":
        print(f"{spec.title} {spec.version}  ({spec.origin})")
        print(f"sha256 {spec.sha256}")
        print(f"{len(spec.operations)} operations")
        by_safety = Counter(op.safety for op in spec.operations)
        print("safety: " + ", ".join(f"{k} {v}" for k, v in sorted(by_safety.items())))
        for overlay in spec.overlays:
            print(f"overlay {overlay.name} [{overlay.kind}] {overlay.title}")
        return EXIT_OK
    existing = read_metadata(METADATA_PATH)
    table = metadata.generate(spec.document, existing)
    missing = sorted(set(table["operations"]) - set(existing))
    stale = sorted(set(existing) - set(table["operations"]))
    if args.write:
        metadata.write(METADATA_PATH, table)
        print(f"wrote {METADATA_PATH}: {len(missing)} added, {len(stale)} removed")
        return EXIT_OK
    for op_id in missing:
        print(f"missing {op_id}")
    for op_id in stale:
        print(f"stale   {op_id}")
    if missing or stale:
        print("run 'oaic spec operations --write' to update spec/operations.yaml")
        return EXIT_USAGE
    print(f"spec/operations.yaml covers all {len(table['operations'])} operations")
    return EXIT_OK
