"""Every object the generated suite creates carries the run id: metadata ``oaic_run`` where the
operation takes metadata, else the ``oaic-<run>-`` prefix on its name (or file name)."""

from __future__ import annotations

from openai_conformance.contract import load_spec
from openai_conformance.generated.pool import ResourcePool
from openai_conformance.generated.shaping import ShapingContext, shape_body

SPEC = load_spec()
CTX = ShapingContext(run_id="run7")


def _shaped(op_id: str, body: dict) -> dict:
    op = SPEC.operation(op_id)
    schema = op.request_content["application/json"]
    return shape_body(SPEC, op, body, schema, CTX, lambda b: True)


def test_create_with_metadata_is_tagged_in_metadata() -> None:
    assert _shaped("POST /assistants", {"model": "x"})["metadata"] == {"oaic_run": "run7"}


def test_create_with_only_a_name_gets_the_run_prefix() -> None:
    assert _shaped("POST /organization/projects", {"name": "team"})["name"] == "oaic-run7-team"


def test_role_gets_the_run_prefix_on_its_role_name() -> None:
    body = {"role_name": "r", "permissions": []}
    assert _shaped("POST /organization/roles", body)["role_name"] == "oaic-run7-r"


def test_upload_gets_the_run_prefix_on_its_file_name() -> None:
    body = {"filename": "a.jsonl", "bytes": 1, "purpose": "batch", "mime_type": "text/jsonl"}
    assert _shaped("POST /uploads", body)["filename"] == "oaic-run7-a.jsonl"


def test_pool_seed_creates_carry_the_run_id() -> None:
    pool = ResourcePool(SPEC, lambda *a, **k: None, {}, run_id="run7")
    json_seed = pool.tagged(SPEC.operation("POST /assistants"), {"json": {"model": "x"}})
    assert json_seed["json"]["metadata"] == {"oaic_run": "run7"}
    files = {"file": ("oaic.jsonl", b"{}", "application/jsonl")}
    multipart = pool.tagged(
        SPEC.operation("POST /files"), {"data": {"purpose": "batch"}, "files": files}
    )
    assert multipart["files"]["file"][0] == "oaic-run7-oaic.jsonl"


def test_stateful_modify_keeps_the_run_id(make_run) -> None:
    # The links' modify seed replaces the metadata ({"oaic": "modified"}); the run id must stay.
    from openai_conformance.generated.links import lifecycles
    from openai_conformance.generated.stateful import run_lifecycle

    with make_run() as run:
        lc = next(lc for lc in lifecycles(run.ctx.spec) if lc.create == "POST /assistants")
        assert lc.modify_seed and "modify" in lc.steps
        run_lifecycle(lc, run.pool, run.ctx, can_delete=False)
        listed = run.pool.send("GET", "/assistants", operation="GET /assistants")
        run_id = run.ctx.config.run_id
        rows = listed.json()["data"]
        assert rows and all((r.get("metadata") or {}).get("oaic_run") == run_id for r in rows)
        assert any((r.get("metadata") or {}).get("oaic") == "modified" for r in rows)
