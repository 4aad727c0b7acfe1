"""The OpenAPI document: served, valid 3.1, and in step with the routes both ways."""

from __future__ import annotations

from api.openapi import openapi_path

DOC_ROUTES = {"/api/v3/openapi.json", "/api/docs", "/api/docs/init.js", "/api/docs/static/{filename}"}


def _document(client, headers):
    response = client.get("/api/v3/openapi.json", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_document_is_openapi_31_and_needs_auth(client, admin_headers):
    assert client.get("/api/v3/openapi.json").status_code == 401
    document = _document(client, admin_headers)
    assert document["openapi"] == "3.1.0"
    store = document["paths"]["/api/v2/file/"]["post"]
    assert store["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StoreSchema"}
    required = document["components"]["schemas"]["StoreSchema"]["required"]
    assert {"uuid", "package_type", "origin_location", "origin_path", "current_location"} <= set(required)


def test_every_route_is_documented_and_every_documented_route_exists(app, client, admin_headers):
    documented = {(path, method) for path, item in _document(client, admin_headers)["paths"].items()
                  for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        path = openapi_path("", rule.rule)
        if not path.startswith("/api/") or path in DOC_ROUTES:
            continue
        served |= {(path, m.lower()) for m in rule.methods if m not in ("HEAD", "OPTIONS")}
    assert served - documented == set(), "routes the document lacks"
    assert documented - served == set(), "documented routes that do not exist"


def test_docs_page_is_served_without_a_cdn(client):
    headers = {"Authorization": "Basic YWRtaW46YWRtaW4ta2V5"}  # admin:admin-key
    page = client.get("/api/docs", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http" not in html.replace('charset="utf-8"', "")
    assert client.get("/api/docs/static/swagger-ui-bundle.js", headers=headers).status_code == 200
    assert client.get("/api/docs").status_code == 401
