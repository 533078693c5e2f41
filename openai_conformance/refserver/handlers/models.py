"""Models: the deterministic model family, list/retrieve/delete, and the model registry.

``state.models`` (a list of ``Model`` objects) is the single registry. This module adds the
reference family on first use (idempotent) and offers:

- ``require_model(state, model_id) -> dict``: the model object, or a 404 ``model_not_found``
  envelope naming ``param: model`` (every endpoint taking a model calls it).
- ``register_model(state, model_id, owned_by)`` / ``unregister_model(state, model_id)``: for
  fine-tuned models (the fine-tuning handlers call these when a job succeeds / on delete).

``DELETE /models/{model}`` deletes only fine-tuned models (``ft:`` prefix): a base model is a 403
``permission_error`` as OpenAI answers, an unknown one a 404.
"""

from __future__ import annotations

from typing import Any

from ...contract.envelope import ApiError
from ..context import Ctx, handles
from ..faults import declare
from ..state import MODELS_CREATED_AT, ServerState
from .lifecycle import refresh_all

LIST_BARE_ARRAY = declare(
    "models-list-bare-array",
    "GET /models answers a bare JSON array instead of {object: list, data: [...]}",
    "models.list_shape_conformance",
    breaks=["core/models-list", "models/list-shape"],
)
OWNER_FIELD = declare(
    "models-owner-field",
    "Model objects carry 'owner' instead of 'owned_by'",
    "models.list_shape_conformance, models.retrieve_conformance",
    breaks=["core/models-list", "models/list-shape", "models/retrieve-listed"],
)
RETRIEVE_404 = declare(
    "models-retrieve-404",
    "GET /models/{model} answers 404 for models that GET /models lists",
    "models/retrieve-listed",
    breaks=["models/retrieve-listed"],
)
RETRIEVE_UNKNOWN_ECHO = declare(
    "models-retrieve-unknown-echo",
    "GET /models/{model} invents a model object for any unknown id instead of a 404",
    "models/unknown-404",
    breaks=["models/unknown-404"],
)

# The reference family; OpenAI ids used by SDK defaults are aliases served the same way.
FAMILY = (
    "ref-chat",
    "ref-chat-mini",
    "ref-embed",
    "ref-moderation",
    "ref-tts",
    "ref-transcribe",
    "ref-image",
    "ref-realtime",
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "gpt-3.5-turbo-instruct",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "omni-moderation-latest",
    "text-moderation-latest",
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "tts-1",
    "gpt-4o-mini-tts",
    "gpt-image-1",
    "dall-e-2",
    "gpt-realtime",
)


def _ensure_family(state: ServerState) -> None:
    if state.extra.get("models.family"):
        return
    with state.lock:
        if state.extra.get("models.family"):
            return
        have = {m["id"] for m in state.models}
        for mid in FAMILY:
            if mid not in have:
                state.models.append(
                    {
                        "id": mid,
                        "object": "model",
                        "created": MODELS_CREATED_AT,
                        "owned_by": "openai-conformance" if mid.startswith("ref-") else "system",
                    }
                )
        state.extra["models.family"] = True


def find_model(state: ServerState, model_id: str) -> dict[str, Any] | None:
    _ensure_family(state)
    refresh_all(state)  # fine-tuned models appear when their job is seen to succeed
    with state.lock:
        return next((m for m in state.models if m["id"] == model_id), None)


def require_model(state: ServerState, model_id: Any) -> dict[str, Any]:
    """The model object, or the 404 envelope OpenAI sends for an unknown model."""
    found = find_model(state, model_id) if isinstance(model_id, str) else None
    if found is None:
        raise ApiError(
            404,
            f"The model '{model_id}' does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )
    return found


def register_model(state: ServerState, model_id: str, owned_by: str) -> dict[str, Any]:
    """Add (or return the existing) model; used for fine-tuned models."""
    _ensure_family(state)
    with state.lock:
        for m in state.models:
            if m["id"] == model_id:
                return m
        model = {
            "id": model_id,
            "object": "model",
            "created": int(state.clock.now()),
            "owned_by": owned_by,
        }
        state.models.append(model)
        return model


def unregister_model(state: ServerState, model_id: str) -> bool:
    """Remove a model; True when it existed."""
    with state.lock:
        for i, m in enumerate(state.models):
            if m["id"] == model_id:
                del state.models[i]
                return True
    return False


def _shown(ctx: Ctx, model: dict[str, Any]) -> dict[str, Any]:
    if ctx.fault(OWNER_FIELD):
        out = {k: v for k, v in model.items() if k != "owned_by"}
        out["owner"] = model["owned_by"]
        return out
    return dict(model)


@handles("GET /models")
async def list_models(ctx: Ctx) -> Any:
    _ensure_family(ctx.state)
    refresh_all(ctx.state)  # fine-tuned models appear when their job is seen to succeed
    with ctx.state.lock:
        data = [_shown(ctx, m) for m in ctx.state.models]
    if ctx.fault(LIST_BARE_ARRAY):
        return ctx.respond(data)
    return {"object": "list", "data": data}


@handles("GET /models/{model}")
async def retrieve_model(ctx: Ctx) -> Any:
    model_id = ctx.path_params["model"]
    if ctx.fault(RETRIEVE_404) and not model_id.startswith("ft:"):
        raise ApiError(
            404,
            f"The model '{model_id}' does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )
    if ctx.fault(RETRIEVE_UNKNOWN_ECHO) and find_model(ctx.state, model_id) is None:
        return {"id": model_id, "object": "model", "created": ctx.now, "owned_by": "system"}
    return _shown(ctx, require_model(ctx.state, model_id))


@handles("DELETE /models/{model}")
async def delete_model(ctx: Ctx) -> Any:
    model_id = ctx.path_params["model"]
    require_model(ctx.state, model_id)
    if not model_id.startswith("ft:"):
        raise ApiError(
            403,
            f"You have insufficient permissions to delete the model '{model_id}'; only "
            "fine-tuned models can be deleted.",
            param="model",
            code="model_not_deletable",
        )
    unregister_model(ctx.state, model_id)
    return {"id": model_id, "object": "model", "deleted": True}
