"""The HTTP API: application factory."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from config import load_settings


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings from defaults, environment, then `overrides`.

    Args:
        overrides: settings that win (tests pass ``REDIS_CONNECTION`` to use fakeredis,
            ``SS_QUEUE_ASYNC=False`` to run jobs in the request).
    """
    overrides = dict(overrides or {})
    connection = overrides.pop("REDIS_CONNECTION", None)
    is_async = overrides.pop("SS_QUEUE_ASYNC", True)
    app = Flask(__name__, static_folder=None)
    app.config["SETTINGS"] = load_settings(overrides)
    app.config["QUEUE_ASYNC"] = is_async
    app.config["MAX_CONTENT_LENGTH"] = app.config["SETTINGS"].SS_MAX_REQUEST_BYTES

    from api import errors, redis_store, routes

    redis_store.init_app(app, connection)
    errors.init_app(app)
    routes.init_app(app)
    return app
