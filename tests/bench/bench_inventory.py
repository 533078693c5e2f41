"""Inventory benchmark: a full run against ``oaic serve``, then what it left on the server.

Run: ``.venv/bin/python tests/bench/bench_inventory.py [-k EXPR] [-- extra oaic run args]``
(not a test: a full run takes minutes). Starts ``oaic serve`` in its own process, runs
``oaic run --allow destructive,costly,admin`` against it, reads the server's inventory
(``GET /v1/__oaic/inventory``) before and after, and prints: objects created, objects left
(still on the server and not confirmed final by both the cleanup and the server), objects in
a final state by kind and status, and objects without the run id by kind. Exit 1 when
anything is left or untagged. Done-when of issue 14: an inventory after a full run is empty.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generated"))

from inventory_support import inventory, judge, run_against, served


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="select", default=None, help="pytest -k selection")
    parser.add_argument("--dump", default=None, help="write both inventories here (JSON)")
    parser.add_argument("extra", nargs="*", help="more oaic run arguments (after --)")
    args = parser.parse_args()
    extra = (["-k", args.select] if args.select else []) + args.extra
    with served() as url, tempfile.TemporaryDirectory() as tmp:
        before = inventory(url)
        started = time.monotonic()
        proc, results, run_dir = run_against(url, Path(tmp), *extra, timeout=3600)
        wall = time.monotonic() - started
        after = inventory(url)
        verdict = judge(before, after, results, run_dir)
        if args.dump:
            Path(args.dump).write_text(json.dumps({"before": before, "after": after}))
    print(proc.stdout[-1200:])
    print(f"run: exit {proc.returncode}, {wall:.0f} s, {results['summary']['total']} tests")
    print(f"created by the run: {verdict['created']} objects")
    print(f"left on the server: {len(verdict['left'])}")
    for kind, count in sorted(verdict["left_by_kind"].items()):
        print(f"  {kind:<40} {count}")
    for row in verdict["left"][:30]:
        print(f"    {row['kind']} {row['id']} status={row['status']} parent={row['parent']}")
    print("in a final state (no DELETE in the contract and final on the server, or expired):")
    for (kind, status), count in sorted(verdict["final"].items()):
        print(f"  {kind:<40} {status:<12} {count}")
    print("left because the contract offers no way to remove or end them:")
    for kind, count in sorted(verdict["irremovable"].items()):
        print(f"  {kind:<40} {count}")
    print("created without the run id (metadata oaic_run / oaic-<run>- name):")
    for kind, count in sorted(verdict["untagged"].items()):
        print(f"  {kind:<40} {count}")
    print("created with neither metadata nor a name (cannot carry the run id):")
    for kind, count in sorted(verdict["no_tag_field"].items()):
        print(f"  {kind:<40} {count}")
    return 1 if verdict["left"] or verdict["untagged"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
