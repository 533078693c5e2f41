"""Domain checks of embeddings responses, shared by the embeddings tests.

``vector_problems(item)`` -> problems of one ``data[]`` item holding a float vector;
``problem(...)`` builds the ``Failure`` every check raises through ``lc.fail``.
"""

from __future__ import annotations

import math
from typing import Any

from openai_conformance.checks.failures import Failure

OP = "POST /embeddings"


def problem(
    check: str, title: str, exchange: Any, *, pointer: str | None = None,
    expected: Any = None, actual: Any = None, message: str = "",
) -> Failure:  # fmt: skip
    return Failure.of(
        check, title, operation=OP, pointer=pointer,
        expected=expected, actual=actual, message=message, exchange=exchange,
    )  # fmt: skip


def float_vector(item: Any) -> list[float] | None:
    """The vector of a ``data[]`` item when it is a non-empty array of finite numbers."""
    vec = item.get("embedding") if isinstance(item, dict) else None
    if not isinstance(vec, list) or not vec:
        return None
    ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in vec)
    return [float(x) for x in vec] if ok and all(math.isfinite(x) for x in vec) else None


def indexes(body: dict[str, Any]) -> list[Any]:
    return [d.get("index") if isinstance(d, dict) else None for d in body.get("data") or []]


def count_problems(body: dict[str, Any], n: int, check: str, exchange: Any) -> list[Failure]:
    """``n`` items with float vectors and the indexes 0..n-1 (in any order)."""
    data = body.get("data") or []
    out = []
    if len(data) != n or sorted(i for i in indexes(body) if isinstance(i, int)) != list(range(n)):
        out.append(
            problem(
                check, f"{n} input(s) answered with {len(data)} embedding(s)", exchange,
                pointer="/data", expected=f"{n} items with indexes {list(range(n))}",
                actual=f"{len(data)} items with indexes {indexes(body)}",
            )
        )  # fmt: skip
    for i, item in enumerate(data):
        if float_vector(item) is None:
            out.append(
                problem(
                    check, f"data[{i}] is not a float vector", exchange,
                    pointer=f"/data/{i}/embedding", expected="a non-empty array of numbers",
                    actual=str(item.get("embedding"))[:80] if isinstance(item, dict) else item,
                )
            )  # fmt: skip
    return out


def close(a: list[float], b: list[float], exact: bool) -> bool:
    """Equal within float32 precision (``exact``: a deterministic target, the same float32
    values) or, for targets whose embeddings vary slightly between calls, cosine >= 0.999."""
    if len(a) != len(b):
        return False
    if exact:
        return all(
            math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-7) for x, y in zip(a, b, strict=True)
        )
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return norm > 0 and dot / norm >= 0.999
