"""Fuzzing every documented operation with schemathesis: valid and invalid requests, as an admin.

No response may be a 5xx; every status code and content type must be one the document
declares, and error bodies must match its error schema. Bounded for CI (FUZZ_EXAMPLES
examples per operation, default 4: a few hundred cases); `make fuzz` runs many more.
"""

from __future__ import annotations

import os

import fakeredis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app
from sspkg.bootstrap import bootstrap
from sspkg.catalogue import Catalogue

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
AUTH = {"Authorization": "ApiKey admin:fuzz-key"}


def _app(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz")
    connection = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    app = create_app({"REDIS_CONNECTION": connection, "SS_QUEUE_ASYNC": False, "SS_DATA_DIR": str(data),
                      "REDIS_URL": "redis://unused", "SS_BOOTSTRAP_API_KEY": "admin:fuzz-key",
                      "SS_SYNC_WAIT_SECONDS": 1, "SS_ALLOWED_SPACE_ROOTS": str(data),
                      "SS_CALLBACK_ALLOWED_HOSTS": "callbacks.invalid"})
    bootstrap(Catalogue(connection), app.config["SETTINGS"])
    return app


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    return _app(tmp_path_factory)


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/v3/openapi.json", fuzz_app, headers=AUTH)


def no_server_error(ctx, response, case):
    """No 5xx, except the 501 that an unsupported SS endpoint documents as its only answer."""
    declared = case.operation.definition.raw["responses"]
    if response.status_code == 501 and not any(code.startswith("2") for code in declared):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_misbehaves(fuzz_schema, mode):
    operations = _operations(fuzz_schema)
    assert len(operations) > 50, "every documented operation is fuzzed"
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(headers=AUTH, checks=CHECKS)

        exercise()
