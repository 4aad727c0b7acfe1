"""rq-dashboard at /rq: admins only, and its actions only from its own pages.

Browsers authenticate with HTTP Basic (user name and API key as password), so
their credentials ride along with any request to this origin. A page on another
site could therefore make a logged-in browser POST to the dashboard's requeue,
delete or empty actions (which have no CSRF token), so every state-changing
request must prove it comes from this origin (Sec-Fetch-Site, Origin or
Referer). Requests authenticated with the ApiKey header carry no ambient
credentials and need no such proof.
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import urlsplit

import rq_dashboard
from flask import Flask, Response, g, request
from rq.serializers import JSONSerializer

from api import redis_store
from api.auth import credentials
from sspkg import users
from sspkg.constants import Role
from sspkg.exceptions import Forbidden

logger = logging.getLogger(__name__)

PREFIX = "/rq"


def basic_credentials() -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, api_key = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, api_key) if sep else None


def _same_origin() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _is_action() -> bool:
    """State-changing dashboard requests: every unsafe method, and requeue (also a GET)."""
    return request.method not in ("GET", "HEAD", "OPTIONS") or "/requeue/" in request.path


def guard() -> Response | None:
    """before_request for the dashboard: admin only; actions same-origin unless ApiKey."""
    if request.blueprint != "rq_dashboard":
        return None
    basic = basic_credentials()
    found = basic or credentials()
    user = users.authenticate(redis_store.catalogue(), *found) if found else None
    if user is None:
        return Response('{"error": true, "message": "Authentication required"}', 401,
                        {"WWW-Authenticate": 'Basic realm="sspkg dashboard"',
                         "Content-Type": "application/json"})
    if user.role != Role.ADMIN.value:
        raise Forbidden("The dashboard is for admin users")
    g.user = user
    if basic is not None and _is_action() and not _same_origin():
        raise Forbidden("Dashboard actions must come from the dashboard's own pages")
    return None


def init_app(app: Flask) -> None:
    """Mount rq-dashboard at /rq, decoding the JSON serializer the queues use.

    It needs a Redis URL of its own; an app given only a connection (tests on
    fakeredis) goes without it.
    """
    try:
        app.config["RQ_DASHBOARD_REDIS_URL"] = app.config["SETTINGS"].redis_url
    except RuntimeError:
        logger.warning("no Redis URL: rq-dashboard not mounted")
        return
    rq_dashboard.web.config.serializer = JSONSerializer
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    app.before_request(guard)


