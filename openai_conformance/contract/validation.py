"""Discriminator-aware JSON Schema 2020-12 validation against the contract.

``SchemaValidator(spec).validate(instance, schema)`` returns a list of ``Violation`` with the
JSON pointer of the bad value. Unions annotated with ``x-oaic-dispatch`` by the normaliser are
validated against the variant the instance names (``{"type": "response.output_text.delta"}``),
so an error says ``/sequence_number: '3' is not of type 'integer'`` instead of "is not valid
under any of the given schemas", and validating one streamed event costs one variant, not 53.

Validators are built once per schema and cached; the document is registered once as a
``referencing`` resource so local ``$ref``s resolve without copying.

Speed: every instance is first checked by ``jsonschema_rs`` (Rust, ~1 µs per stream event);
only an instance it rejects goes through the Python validator, which is the authority and
produces the discriminator-aware, pointer-precise violations. The fast path is at least as
strict as the Python one (it checks formats too), so it can only send more instances to the
authority, never let an invalid one through unseen.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import Spec

_DOC_URI = "urn:oaic:openapi"


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks its schema."""

    pointer: str  # JSON pointer into the instance ("" is the root)
    message: str
    keyword: str  # the failing JSON Schema keyword (type, required, enum, ...)
    schema_path: str  # where in the schema the rule lives
    expected: Any = None
    actual: Any = None

    def __str__(self) -> str:
        where = self.pointer or "/"
        return f"{where}: {self.message}"


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _most_specific(error: ValidationError) -> tuple[ValidationError, str | None]:
    """The error that explains a failed union best, and the variant it was found in.

    Descend into the branch that got deepest. Branches that fail only because the value is of
    another type at the union's own location (``[...] is not of type 'string'`` when the union
    is string-or-array) say nothing about what is wrong, so they lose to any branch that got
    further into the value. Likewise a branch that rejects the value's tag (its ``type``, or
    the union's discriminator property) is the wrong variant, not the explanation: when some
    branch accepts the tag, only the branches that do are searched, and the variant reached
    that way is named (``ImageGenToolCall``); when no branch accepts it, the error is the
    unknown tag itself with every value the union knows, not one branch's short ``enum``.
    """
    variant: str | None = None
    while error.context:
        here = len(error.absolute_path)
        pool = list(error.context)
        prop = _tag_property(error.schema)
        tag = error.instance.get(prop) if isinstance(error.instance, dict) else None
        if isinstance(tag, str):
            branches = _branches(error)
            wrong = {b for b, errs in branches.items() if _rejects_tag(errs, here, prop)}
            other = {b for b, errs in branches.items() if all(_other_type(e, here) for e in errs)}
            kept = [b for b in branches if b not in wrong | other]
            if wrong and not kept:
                rejecting = [e for b in wrong for e in branches[b]]
                return _unknown_tag(error, rejecting, prop, tag), variant
            if wrong:
                pool = [e for b in kept for e in branches[b]]
                name = _branch_name(error, kept[0]) if len(kept) == 1 else None
                variant = name or variant
        informative = [e for e in pool if not _other_type(e, here)]
        error = max(informative or pool, key=lambda e: len(e.absolute_path))
    return error, variant


def _other_type(error: ValidationError, here: int) -> bool:
    """A branch error saying only that the value is of another type than that branch."""
    return error.validator == "type" and len(error.absolute_path) == here


def _tag_property(schema: Any) -> str:
    """The property that names a union's variant: its discriminator, else ``type``."""
    found = schema.get("discriminator") if isinstance(schema, dict) else None
    prop = found.get("propertyName") if isinstance(found, dict) else None
    return prop if isinstance(prop, str) else "type"


def _branches(error: ValidationError) -> dict[Any, list[ValidationError]]:
    """The errors of a failed oneOf/anyOf, grouped by the variant (index) they come from."""
    out: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        out.setdefault(key, []).append(sub)
    return out


def _rejects_tag(errors: list[ValidationError], here: int, prop: str) -> bool:
    """True when a variant's errors say it does not accept the value's tag."""
    for e in errors:
        at_tag = len(e.absolute_path) == here + 1 and e.absolute_path[-1] == prop
        if at_tag and e.validator in {"enum", "const", "anyOf", "oneOf"}:
            return True
        nested = len(e.absolute_path) == here and e.validator in {"anyOf", "oneOf"}
        if (
            nested
            and e.context
            and all(_rejects_tag(errs, here, prop) for errs in _branches(e).values())
        ):
            return True
    return False


def _tag_values(errors: list[ValidationError]) -> set[str]:
    """Every tag value the rejecting variants would have accepted (nested unions included)."""
    out: set[str] = set()
    for e in errors:
        if e.validator == "enum" and isinstance(e.validator_value, list):
            out |= {v for v in e.validator_value if isinstance(v, str)}
        elif e.validator == "const" and isinstance(e.validator_value, str):
            out.add(e.validator_value)
        if e.context:
            out |= _tag_values(list(e.context))
    return out


def _unknown_tag(
    error: ValidationError, rejecting: list[ValidationError], prop: str, tag: str
) -> ValidationError:
    """The union's own error when no variant accepts the tag: every value it knows."""
    known = sorted(_tag_values(rejecting))
    return ValidationError(
        f"{tag!r} is not one of the known {prop!r} values: {_shown(tag, known)}",
        validator="enum",
        validator_value=known,
        instance=tag,
        path=[*error.absolute_path, prop],
        schema_path=[*error.absolute_schema_path],
    )


def _shown(tag: str, known: list[str]) -> str:
    """The known values of a tag, all of them when few, else the nearest ones."""
    if len(known) <= 12:
        return ", ".join(map(repr, known))
    near = difflib.get_close_matches(tag, known, n=4, cutoff=0.0)
    return f"{len(known)} variants, nearest: " + ", ".join(map(repr, near))


def _branch_name(error: ValidationError, branch: Any) -> str | None:
    """The component name of a union's variant (``#/components/schemas/NAME``), if it has one."""
    variants = error.validator_value
    if not isinstance(branch, int) or not isinstance(variants, list) or branch >= len(variants):
        return None
    ref = variants[branch].get("$ref") if isinstance(variants[branch], dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rebase(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            out["$ref"] = _DOC_URI + ref
        return out
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def _dispatching(original: Any) -> Any:
    """Wrap the oneOf/anyOf keyword so annotated unions validate only the named variant."""

    def keyword(validator: Any, variants: Any, instance: Any, schema: dict) -> Iterator[Any]:
        dispatch = schema.get("x-oaic-dispatch")
        if not dispatch or not isinstance(instance, dict) or dispatch["keyword"] not in schema:
            yield from original(validator, variants, instance, schema)
            return
        prop = dispatch["property"]
        tag = instance.get(prop)
        index = dispatch["values"].get(tag) if isinstance(tag, str) else None
        if index is None:
            errors = list(original(validator, variants, instance, schema))
            if not errors:
                return  # a variant without that constant accepted it; no false positive
            known = sorted(dispatch["values"])
            # a 53-way union names the nearest variants; the full list is in `expected`
            shown = _shown(str(tag), known)
            if prop not in instance:
                msg = f"{prop!r} is a required property (it selects the variant: {shown})"
                yield ValidationError(msg, validator="required", validator_value=[prop])
            else:
                err = ValidationError(
                    f"{tag!r} is not one of the known {prop!r} values: {shown}",
                    validator="enum",
                    validator_value=known,
                    instance=tag,
                )
                err.path.appendleft(prop)
                yield err
            return
        yield from validator.descend(instance, variants[index], schema_path=index)

    return keyword


_Base = extend(
    Draft202012Validator,
    validators={
        "oneOf": _dispatching(Draft202012Validator.VALIDATORS["oneOf"]),
        "anyOf": _dispatching(Draft202012Validator.VALIDATORS["anyOf"]),
    },
)


#: Regex constructs both dialects read alike: no backreference or \A/\Z escape (and no
#: group starting ``(?``: lookaround, flags, named groups; checked beside it).
_SIMPLE_PATTERN = re.compile(r"(?:[\w\s\-^$.*+?|()\[\]{},:/@#~!%&='\"<>;]|\\[dwsDWS.\-\\/])*")


def _collect_patterns(document: Any, node: Any, seen: set[str], out: set[str]) -> None:
    """Every ``pattern`` of ``node`` and of the schemas it references (local ``#/`` refs)."""
    if isinstance(node, list):
        for value in node:
            _collect_patterns(document, value, seen, out)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("pattern"), str):
        out.add(node["pattern"])
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        seen.add(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        _collect_patterns(document, target, seen, out)
    for k, value in node.items():
        if k != "$ref":
            _collect_patterns(document, value, seen, out)


def _ends_a_line(value: Any) -> bool:
    """Does a string in ``value`` end with a newline (where Python's ``$`` still matches)?"""
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(_ends_a_line(k) or _ends_a_line(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_ends_a_line(v) for v in value)
    return False


def _local_ref(schema: str) -> str:
    """The local reference a schema given by name (``"Batch"``) or ref (``"#/..."``) means."""
    return schema if schema.startswith("#") else f"#/components/schemas/{schema}"


class SchemaValidator:
    """Validate JSON values against schemas of one ``Spec`` (thread-safe, cached)."""

    def __init__(self, spec: Spec, *, format_checking: bool = True) -> None:
        self.spec = spec
        resource: Resource[Any] = DRAFT202012.create_resource(spec.document)
        self._registry: Registry = Registry().with_resource(_DOC_URI, resource)
        self._checker = Draft202012Validator.FORMAT_CHECKER if format_checking else None
        self._cache: dict[str, Any] = {}
        self._fast_cache: dict[str, Any] = {}
        self._rs_registry: Any = None
        self._patterns: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def _fast(self, key: str, schema: dict[str, Any] | str, formats: bool = True) -> Any:
        """A jsonschema_rs validator for the schema (checking formats, or not), or False when
        it cannot compile it."""
        key = key if formats else "formatless:" + key
        found = self._fast_cache.get(key)
        if found is not None:
            return found
        try:
            if self._rs_registry is None:
                self._rs_registry = jsonschema_rs.Registry([(_DOC_URI, self.spec.document)])
            if isinstance(schema, str):
                root: Any = {"$ref": _DOC_URI + _local_ref(schema)}
            else:
                root = _rebase(schema)
            fast: Any = jsonschema_rs.validator_for(
                root, registry=self._rs_registry, validate_formats=formats
            )
        except Exception:  # an unsupported construct: the Python validator alone decides
            fast = False
        with self._lock:
            self._fast_cache[key] = fast
        return fast

    def _validator(self, schema: dict[str, Any] | str) -> Any:
        key = schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)
        found = self._cache.get(key)
        if found is not None:
            return found
        if isinstance(schema, str):  # a component name or a local "#/..." ref
            root: dict[str, Any] = {"$ref": _DOC_URI + _local_ref(schema)}
        else:
            # Inline schemas carry local refs ("#/components/..."); point them at the document.
            root = _rebase(schema)
        validator = _Base(root, registry=self._registry, format_checker=self._checker)
        with self._lock:
            self._cache[key] = validator
        return validator

    def validate(self, instance: Any, schema: dict[str, Any] | str) -> list[Violation]:
        """All violations of ``instance`` against ``schema`` (a schema, component name or ref).

        Errors are flattened to their most specific cause (the union branch that got deepest,
        see ``_most_specific``), sorted by pointer, so the report shows each bad value once.
        """
        key = schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)
        fast = self._fast(key, schema)
        if fast is not False:
            try:
                if fast.is_valid(instance):
                    return []
            except Exception:
                pass
        try:
            errors = list(self._validator(schema).iter_errors(instance))
        except jsonschema.exceptions.SchemaError as exc:  # the document's own schema is bad
            return [Violation("", f"schema error in the contract: {exc.message}", "schema", "")]
        out = [self._violation(e) for e in errors]
        return sorted(out, key=lambda v: v.pointer)

    def is_valid(self, instance: Any, schema: dict[str, Any] | str) -> bool:
        """``validate(...) == []``, decided by the fast validator where it can be.

        Valid for jsonschema_rs (formats checked) is valid; invalid for it *without* format
        checking is invalid (a structural keyword failed, which the Python validator checks
        the same way), unless the schema reaches a ``pattern``: regex dialects differ (Python's
        ``$`` also matches before a final newline), so there the Python validator's first
        error decides. Only a value whose formats alone jsonschema_rs rejects goes to the
        Python validator otherwise, whose format checker is the authority (it checks fewer
        formats). The generated suite asks this of every mutation and drawn case.
        """
        key = schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)
        for formats in (True, False):
            fast = self._fast(key, schema, formats)
            if fast is False:
                break
            try:
                verdict = bool(fast.is_valid(instance))
            except Exception:
                break
            if verdict and formats:
                return True
            if not verdict and not formats and not self._dialects_may_differ(key, schema, instance):
                return False
        try:
            return next(iter(self._validator(schema).iter_errors(instance)), None) is None
        except jsonschema.exceptions.SchemaError:
            return False  # validate() reports it as a violation

    def _dialects_may_differ(self, key: str, schema: dict[str, Any] | str, instance: Any) -> bool:
        """Could jsonschema_rs's regex dialect judge ``instance`` otherwise than Python's ``re``?

        Not when ``schema`` reaches no ``pattern``, nor when its patterns are simple (literals,
        classes, anchors, quantifiers, alternation) and no string of ``instance`` ends with a
        newline: for those the one difference is Python's ``$`` matching before a final
        ``\n``. The document's patterns (``^[a-zA-Z0-9_-]+$``) are simple.
        """
        patterns = self._patterns.get(key)
        if patterns is None:
            root: Any = schema
            if isinstance(schema, str):
                root = {"$ref": _local_ref(schema)}
            patterns = set()
            _collect_patterns(self.spec.document, root, set(), patterns)
            self._patterns[key] = patterns
        if not patterns:
            return False
        if not all(_SIMPLE_PATTERN.fullmatch(p) and "(?" not in p for p in patterns):
            return True
        return _ends_a_line(instance)

    @staticmethod
    def _violation(error: ValidationError) -> Violation:
        best, variant = _most_specific(error)
        message = best.message if variant is None else f"{best.message} (variant {variant})"
        return Violation(
            pointer=_pointer(best.absolute_path),
            message=message,
            keyword=str(best.validator),
            schema_path=_pointer(best.absolute_schema_path),
            expected=best.validator_value if best.validator in {"type", "enum", "const"} else None,
            actual=best.instance if not isinstance(best.instance, dict | list) else None,
        )
