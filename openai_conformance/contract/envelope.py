"""The OpenAI error envelope, raised from anywhere in the reference server.

``raise ApiError(400, "...", param="model")`` becomes
``{"error": {"message", "type", "param", "code"}}`` with that status. Types follow OpenAI's
observed vocabulary: ``invalid_request_error`` (4xx), ``authentication_error`` (401),
``not_found_error``-style 404s are ``invalid_request_error`` with code ``not_found`` as OpenAI does.
"""

from __future__ import annotations

from typing import Any

_DEFAULT_TYPE = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type or _DEFAULT_TYPE.get(status, "invalid_request_error")

    def envelope(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def not_found(kind: str, ident: str, param: str | None = None) -> ApiError:
    return ApiError(404, f"No {kind} found with id '{ident}'.", param=param, code="not_found")


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)
