"""Asana's error responses: `{"errors": [{"message", "help", "phrase"?}]}` with the documented codes."""

from __future__ import annotations

import json
import random

from werkzeug.wrappers import Response

HELP = (
    "For more information on API status codes and how to handle them, read the docs on errors: "
    "https://developers.asana.com/docs/errors"
)
RATE_LIMIT_MESSAGE = (
    "You've made too many requests and hit a rate limit. Please retry after the given amount of time."
)
TOO_LARGE_MESSAGE = "The result is too large. You should use pagination (may require specifying a workspace)!"
PAYMENT_REQUIRED_MESSAGE = (
    "Payment Required: this feature is only available to premium organizations and workspaces."
)
_PHRASE_WORDS = (
    ("6", "12", "19", "27", "31"),
    ("sad", "quick", "brave", "sleepy", "grumpy"),
    ("squid", "otters", "pandas", "falcons", "lemurs"),
    ("snuggle", "juggle", "wander", "giggle", "ponder"),
    ("softly", "loudly", "wisely", "boldly", "gently"),
)


class ApiError(Exception):
    """An error the sandbox answers in Asana's shape."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: object):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        error: dict[str, object] = {"message": self.message, "help": HELP}
        if self.status >= 500:
            # Asana adds a memorable phrase to 500s so support can find the request.
            error["phrase"] = " ".join(random.choice(words) for words in _PHRASE_WORDS)
        body = {"errors": [error], **self.extra}
        return json_response(body, self.status, self.headers)


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json; charset=UTF-8"
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def missing_input(param: str) -> ApiError:
    return ApiError(400, f"{param}: Missing input")


def not_found(what: str = "") -> ApiError:
    detail = f"{what}: Unknown object or insufficient permissions" if what else "Not Found"
    return ApiError(404, detail)


def payment_required() -> ApiError:
    return ApiError(402, PAYMENT_REQUIRED_MESSAGE)


def forbidden(message: str = "Forbidden") -> ApiError:
    return ApiError(403, message)


def unauthorized() -> ApiError:
    return ApiError(401, "Not Authorized")


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(429, RATE_LIMIT_MESSAGE, headers={"Retry-After": str(max(1, retry_after))})


def server_error(status: int = 500) -> ApiError:
    messages = {
        500: "Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return ApiError(status, messages.get(status, "Server Error"))
