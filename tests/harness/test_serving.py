"""BackgroundServer: a real port at once, bounded start and stop, clear errors."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from openai_conformance.errors import HarnessError, UsageError
from openai_conformance.wire.serving import BackgroundServer


async def _hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/v1/hello", _hello)])


def test_server_serves_on_a_free_port_and_stops() -> None:
    server = BackgroundServer(APP, name="t").start()
    try:
        assert server.base_url.endswith(f":{server.port}/v1")
        assert httpx.get(server.base_url + "/hello", timeout=5).text == "hello"
    finally:
        server.stop()
    assert not server.started
    with pytest.raises(HarnessError, match="not started"):
        _ = server.port


def test_busy_port_is_a_usage_error_naming_the_address() -> None:
    first = BackgroundServer(APP, name="a").start()
    try:
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            BackgroundServer(APP, name="b", port=first.port).start()
    finally:
        first.stop()


def test_on_exit_runs_in_the_server_loop_after_serving() -> None:
    ran: list[bool] = []

    async def on_exit() -> None:
        ran.append(True)

    BackgroundServer(APP, name="t", on_exit=on_exit).start().stop()
    assert ran == [True]


def test_starting_twice_is_refused() -> None:
    server = BackgroundServer(APP, name="t").start()
    try:
        with pytest.raises(HarnessError, match="already started"):
            server.start()
    finally:
        server.stop()
