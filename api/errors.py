"""JSON errors for every failure: `{"error": true, "message": ...}` and the right status."""

from __future__ import annotations

import logging

import flask_restful
import redis
from flask import Flask, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from sspkg.exceptions import SSError, Unauthorized

logger = logging.getLogger(__name__)

AUTH_CHALLENGE = 'ApiKey realm="sspkg"'


def _flatten(messages, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}{key}." if not isinstance(key, int) else f"{prefix}{key}.")
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix.rstrip('.')}: {' '.join(messages)}" if prefix else " ".join(messages)]
    if isinstance(messages, list):
        return [m for item in messages for m in _flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {messages}"]


def json_error(error: Exception):
    """The JSON response for any exception."""
    if isinstance(error, ValidationError):
        body = {"error": True, "message": "Invalid request: " + "; ".join(_flatten(error.messages)),
                "fields": error.messages}
        return _respond(body, 400)
    if isinstance(error, SSError):
        body = {"error": True, "message": error.message}
        body.update({k: v for k, v in error.details.items() if k != "headers"})
        response = _respond(body, error.status_code)
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = AUTH_CHALLENGE
        for name, value in error.details.get("headers", {}).items():
            response.headers[name] = value
        return response
    if isinstance(error, HTTPException):
        response = _respond({"error": True, "message": error.description or error.name}, error.code)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    if isinstance(error, (redis.ConnectionError, redis.TimeoutError)):
        logger.error("Redis unavailable: %s", error)
        return _respond({"error": True, "message": "The catalogue (Redis) is unavailable; "
                         "try again shortly"}, 503, retry_after="5")
    logger.exception("unhandled error")
    return _respond({"error": True, "message": "Internal error; it has been logged"}, 500)


def _respond(body: dict, status: int, retry_after: str | None = None):
    response = jsonify(body)
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = retry_after
    return response


class JsonErrorApi(flask_restful.Api):
    """flask-restful Api whose errors use :func:`json_error`."""

    def handle_error(self, e):  # noqa: D102 - flask-restful hook
        return json_error(e)


def init_app(app: Flask) -> None:
    """Answer every error of the app in JSON."""
    app.register_error_handler(Exception, json_error)
