"""What a check needs besides the exchange: the contract, its validator and the run config.

``CheckContext`` is built once per run (the plugin's ``check_ctx`` fixture) and installed as
the process default with ``set_default``, so the domain assertions (``assert_conforms`` ...)
work without threading a context through every helper. Outside a run (unit tests, scripts)
``default_context()`` builds one lazily from the default contract.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..contract import Operation, Spec
from ..contract.validation import SchemaValidator


@dataclass(frozen=True)
class CheckContext:
    spec: Spec
    validator: SchemaValidator
    config: Any = None  # RunConfig, when running under the plugin

    def operation(self, op: Operation | str | None) -> Operation | None:
        """Resolve an operation given as ``Operation``, ``"METHOD /path"`` or operationId."""
        if op is None or isinstance(op, Operation):
            return op
        return self.spec.operation(op)

    def operation_for(self, method: str, url: str) -> Operation | None:
        """The operation a concrete request URL belongs to (path after ``/v1``), or None."""
        path = url.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        if "/v1/" in path or path.endswith("/v1"):
            path = path.split("/v1", 1)[1] or "/"
        found = self.spec.match(method, path)
        return found[0] if found else None


_lock = threading.Lock()
_default: CheckContext | None = None


def set_default(ctx: CheckContext | None) -> None:
    global _default
    with _lock:
        _default = ctx


def default_context() -> CheckContext:
    """The installed context, or one built from the default contract (memoised)."""
    global _default
    with _lock:
        if _default is None:
            from ..contract import load_spec

            spec = load_spec()
            _default = CheckContext(spec=spec, validator=SchemaValidator(spec))
        return _default
