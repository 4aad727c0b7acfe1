"""The API's description: `/api/v3/openapi.json` and a Swagger UI page at `/api/docs`,
served from the swagger-ui-py package's files (no CDN). Readable by any user, with the
ApiKey header or, from a browser, HTTP Basic (API key as password)."""

from __future__ import annotations

import os
from functools import lru_cache

import swagger_ui
from flask import Response, jsonify, send_from_directory

from api import openapi
from api.dashboard import basic_credentials
from api.redis_store import catalogue
from sspkg import users

STATIC = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sspkg API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>"""
INIT = "window.ui = SwaggerUIBundle({url: '/api/v3/openapi.json', dom_id: '#ui'});"


def _authenticated() -> Response | None:
    from api.auth import credentials

    found = basic_credentials() or credentials()
    if found and users.authenticate(catalogue(), *found):
        return None
    return Response('{"error": true, "message": "Authentication required"}', 401,
                    {"WWW-Authenticate": 'Basic realm="sspkg"', "Content-Type": "application/json"})


@lru_cache(maxsize=1)
def document() -> dict:
    """The OpenAPI document of every API route (built once)."""
    from api import routes

    return openapi.build(routes.documented_routes())


def spec():
    """`/api/v3/openapi.json`."""
    return _authenticated() or jsonify(document())


def page():
    """`/api/docs`: Swagger UI."""
    return _authenticated() or Response(PAGE, mimetype="text/html")


def init_script():
    """Swagger UI's start-up script (a file, so the page needs no inline script)."""
    return _authenticated() or Response(INIT, mimetype="application/javascript")


def static(filename: str):
    """Swagger UI's own files."""
    return _authenticated() or send_from_directory(STATIC, filename)
