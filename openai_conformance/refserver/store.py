"""Thread-safe in-memory object store with OpenAI-style cursor pagination.

Objects are JSON dicts with an ``id``, grouped by ``kind`` (``"file"``, ``"batch"``,
``"thread.message"`` …) and optionally by a parent id (messages belong to a thread).
Insertion order is creation order; ``list_page`` implements ``limit``/``after``/``before``/
``order`` exactly as the list endpoints document them and returns the list envelope.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import OrderedDict
from typing import Any

from ..contract.envelope import invalid

_counter = itertools.count(1)


def new_id(prefix: str) -> str:
    """An id in OpenAI's style: ``prefix`` + ``_`` or ``-`` is the caller's choice."""
    return f"{prefix}{secrets.token_hex(12)}"


#: How many creations ``Store.journal`` remembers (a long-running server must stay bounded).
JOURNAL_CAP = 100_000


class Store:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._data: dict[tuple[str, str | None], OrderedDict[str, dict[str, Any]]] = {}
        #: Creation sequence and home list ``(kind, parent)`` of every id ever stored, kept after
        #: a delete: a cursor naming a deleted object still has a place in its list.
        self._seq: dict[str, tuple[int, str, str | None]] = {}
        #: (kind, parent, object) of every object stored, in creation order, also after it is
        #: deleted (the object as last stored): what a run created (``refserver.inventory``).
        self.journal: list[tuple[str, str | None, dict[str, Any]]] = []

    def put(self, kind: str, obj: dict[str, Any], parent: str | None = None) -> dict[str, Any]:
        with self._lock:
            bucket = self._data.setdefault((kind, parent), OrderedDict())
            bucket[obj["id"]] = obj
            if obj["id"] not in self._seq and len(self.journal) < JOURNAL_CAP:
                self.journal.append((kind, parent, obj))
            if obj["id"] not in self._seq:
                self._seq[obj["id"]] = (next(_counter), kind, parent)
        return obj

    def get(self, kind: str, ident: str, parent: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            bucket = self._data.get((kind, parent))
            return bucket.get(ident) if bucket is not None else None

    def delete(self, kind: str, ident: str, parent: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            return self._data.get((kind, parent), OrderedDict()).pop(ident, None)

    def all(self, kind: str, parent: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._data.get((kind, parent), {}).values())

    def _cursor_index(
        self,
        rows: list[dict[str, Any]],
        cursor: str,
        param: str,
        kind: str,
        parent: str | None,
        order: str,
    ) -> int:
        """Where ``cursor`` stands in ``rows`` (the list in page ``order``, creation order or its
        reverse): its index, or for a deleted object of this list the index it would have
        (``after`` continues at index + 1, ``before`` stops at index); an object of this list the
        page does not hold (deleted, expired, filtered out) keeps its place the same way. Any
        other id is a 400 naming ``param``."""
        ids = [r["id"] for r in rows]
        if cursor in ids:
            return ids.index(cursor)
        with self._lock:
            home = self._seq.get(cursor)
            seqs = [self._seq.get(i) for i in ids]
        if home is not None and home[1:] == (kind, parent) and None not in seqs:
            at = home[0]
            # Rows ahead of the deleted object's place: newer ones (desc) or older ones (asc).
            ahead = [s[0] > at if order == "desc" else s[0] < at for s in seqs if s is not None]
            before = sum(ahead)
            if param == "after":
                return before - 1
            return before
        raise invalid(f"Invalid {param!r}: no object with id {cursor!r} in this list.", param)

    def delete_children(self, parent: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k[1] == parent]:
                del self._data[key]

    def list_page(
        self,
        kind: str,
        query: dict[str, Any],
        parent: str | None = None,
        *,
        default_order: str = "desc",
        default_limit: int = 20,
        max_limit: int = 100,
        items: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The list envelope ``{object: list, data, first_id, last_id, has_more}``.

        ``order`` asc is creation order. ``after``/``before`` are ids of objects in the list; an
        unknown cursor is a 400 naming the parameter (silently ignoring it would hide bugs).

        A cursor naming an object of this list that has since been deleted (or that this query
        filters out) keeps its place: the page continues after (or before) where it stood. The
        API reference does not say what a deleted cursor does; a client walking a list while
        another client deletes (the cursor is the last id of the previous page) must not lose
        or repeat the objects that remain, and a 400 would end its walk early (two xdist
        workers sharing one server did exactly that).
        """
        rows = list(items if items is not None else self.all(kind, parent))
        order = str(query.get("order") or default_order)
        if order not in ("asc", "desc"):
            raise invalid(
                f"Invalid value for 'order': {order!r}. Expected 'asc' or 'desc'.", "order"
            )
        if order == "desc":
            rows.reverse()
        try:
            limit = int(query.get("limit") or default_limit)
        except (TypeError, ValueError) as exc:
            raise invalid("Invalid 'limit': expected an integer.", "limit") from exc
        if not 1 <= limit <= max_limit:
            raise invalid(f"Invalid 'limit': must be between 1 and {max_limit}.", "limit")
        after, before = query.get("after"), query.get("before")
        if after:
            rows = rows[self._cursor_index(rows, str(after), "after", kind, parent, order) + 1 :]
        if before:
            rows = rows[: self._cursor_index(rows, str(before), "before", kind, parent, order)]
            rows = rows[-limit:] if len(rows) > limit else rows
            page, has_more = rows, False
        else:
            page, has_more = rows[:limit], len(rows) > limit
        return {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": has_more,
        }
