"""The Realtime WebSocket server (GA protocol) mounted at ``/v1/realtime``.

``websocket_endpoint(websocket)`` is what ``refserver/app.py`` mounts; ``websocket_route()``
returns the same as a starlette ``WebSocketRoute`` for apps that assemble routes themselves.
The server state is ``websocket.app.state.oaic``. See ``protocol.py`` for the protocol,
``response.py`` for the response event sequence and ``faults.py`` for the named faults.
"""

from __future__ import annotations

from starlette.routing import WebSocketRoute

from .protocol import serve as websocket_endpoint

PATH = "/v1/realtime"


def websocket_route() -> WebSocketRoute:
    return WebSocketRoute(PATH, websocket_endpoint)


__all__ = ["PATH", "websocket_endpoint", "websocket_route"]
