"""The app's Redis connection and catalogue, created once and shared by requests."""

from __future__ import annotations

import redis
from flask import Flask, current_app

from config import Settings
from sspkg.catalogue import Catalogue
from sspkg.connection import web_connection


def init_app(app: Flask, connection: redis.Redis | None = None) -> None:
    """Attach a connection (pool) to the app; tests may hand one in."""
    app.extensions["sspkg.redis"] = connection or web_connection(app.config["SETTINGS"])


def settings() -> Settings:
    """Settings of the current app."""
    return current_app.config["SETTINGS"]


def connection() -> redis.Redis:
    """Redis connection of the current app."""
    return current_app.extensions["sspkg.redis"]


def catalogue() -> Catalogue:
    """The catalogue of the current app."""
    return Catalogue(connection(), settings().SS_REDIS_PREFIX)


def queue_async() -> bool:
    """False in tests that run jobs inside the request."""
    return current_app.config["QUEUE_ASYNC"]
