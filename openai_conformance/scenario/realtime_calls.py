"""Function calls of a Realtime response, judged from its server events (GA).

``function_call_items(events)``: the ``function_call`` items a response added
(``response.output_item.added``), in order.

``function_call_problems(events)``: ``(index, message, expected, actual)`` for each way the
events of one response (``response.created`` … ``response.done``) break the function-call
contract, for every ``function_call`` item the response added:

* the added item carries a non-empty ``call_id`` and ``name``;
* every ``response.function_call_arguments.delta`` and the one ``.done`` of the item name the
  response, the item's ``output_index`` and the item's ``call_id``; they come after the item
  was added and before its ``output_item.done``;
* the ``.done`` carries the item's ``name`` and ``arguments`` equal to the deltas
  concatenated, a JSON text of an object;
* ``response.output_item.done`` repeats the ``call_id``, ``name`` and those ``arguments``;
* ``response.done`` has status ``completed`` and lists the item with the same ``call_id``.

The general nesting of the events is ``ResponseSequence``'s (``scenario.realtime``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Issue = tuple[int, str, Any, Any]

DELTA = "response.function_call_arguments.delta"
DONE = "response.function_call_arguments.done"


def function_call_items(events: list[Any]) -> list[dict[str, Any]]:
    """The ``function_call`` items the response added, in order."""
    return [
        dict(e["item"])
        for e in events
        if isinstance(e, Mapping)
        and e.get("type") == "response.output_item.added"
        and isinstance(e.get("item"), Mapping)
        and e["item"].get("type") == "function_call"
    ]


def _index_of(events: list[Any], kind: str, **match: Any) -> list[int]:
    return [
        i
        for i, e in enumerate(events)
        if isinstance(e, Mapping)
        and e.get("type") == kind
        and all((e.get(k) if k != "item_id" else _item_id(e)) == v for k, v in match.items())
    ]


def _item_id(event: Mapping[str, Any]) -> Any:
    item = event.get("item")
    return item.get("id") if isinstance(item, Mapping) else event.get("item_id")


def _json_object(text: Any) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def _item_problems(events: list[Any], added_at: int, response_id: Any) -> list[Issue]:
    added = events[added_at]
    item = added["item"]
    item_id, call_id, name = item.get("id"), item.get("call_id"), item.get("name")
    out: list[Issue] = []
    for field in ("call_id", "name"):
        if not isinstance(item.get(field), str) or not item.get(field):
            out.append((added_at, f"the function_call item has no {field}", "a string", item))
    done_items = _index_of(events, "response.output_item.done", item_id=item_id)
    end = done_items[0] if done_items else len(events)
    deltas = _index_of(events, DELTA, item_id=item_id)
    dones = _index_of(events, DONE, item_id=item_id)
    expect = {"response_id": response_id, "output_index": added.get("output_index")}
    expect["call_id"] = call_id
    for i in deltas + dones:
        event = events[i]
        kind = event["type"]
        for field, want in expect.items():
            if event.get(field) != want:
                out.append(
                    (i, f"{kind} names another {field} than its item", want, event.get(field))
                )
        if not added_at < i < end:
            out.append((i, f"{kind} outside its item (added .. output_item.done)", None, kind))
    if len(dones) != 1:
        out.append((end, f"{len(dones)} {DONE} events for item {item_id!r}", 1, len(dones)))
        return out
    done = events[dones[0]]
    joined = "".join(str(events[i].get("delta", "")) for i in deltas if i < dones[0])
    arguments = done.get("arguments")
    if done.get("name") != name:
        out.append((dones[0], f"{DONE} names another function", name, done.get("name")))
    if arguments != joined:
        out.append((dones[0], f"{DONE} arguments differ from the deltas", joined, arguments))
    if not _json_object(arguments):
        out.append((dones[0], "the arguments are not a JSON object", "a JSON object", arguments))
    if not done_items:
        out.append((len(events), f"no response.output_item.done for item {item_id!r}", 1, 0))
        return out
    final = events[done_items[0]].get("item") or {}
    for field, want in (("call_id", call_id), ("name", name), ("arguments", arguments)):
        if final.get(field) != want:
            message = f"response.output_item.done changes the item's {field}"
            out.append((done_items[0], message, want, final.get(field)))
    return out


def function_call_problems(events: list[Any]) -> list[Issue]:
    """Problems of the function calls of one response (see module doc)."""
    created = _index_of(events, "response.created")
    response_id = (events[created[0]].get("response") or {}).get("id") if created else None
    out: list[Issue] = []
    added = [
        i
        for i in _index_of(events, "response.output_item.added")
        if (events[i].get("item") or {}).get("type") == "function_call"
    ]
    for at in added:
        out += _item_problems(events, at, response_id)
    finished = _index_of(events, "response.done")
    if not finished:
        return [*out, (len(events), "the response never ends with response.done", 1, 0)]
    response = events[finished[-1]].get("response") or {}
    if response.get("status") != "completed":
        status = (response.get("status"), response.get("status_details"))
        out.append((finished[-1], "the response does not complete", "completed", status))
    listed = {
        o.get("call_id")
        for o in response.get("output") or []
        if isinstance(o, Mapping) and o.get("type") == "function_call"
    }
    for at in added:
        call_id = events[at]["item"].get("call_id")
        if call_id not in listed:
            message = "response.done does not list the function_call item"
            out.append((finished[-1], message, call_id, sorted(map(str, listed))))
    return out
