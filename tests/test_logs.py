"""Structured JSON logs carry the job's fixed fields."""

from __future__ import annotations

import io
import json
import logging

from sspkg.logs import JobFields, JsonFormatter
from tests.bags import make_bag
from tests.helpers import store_body


def test_job_log_lines_have_the_fixed_fields(client, admin_headers, storage, new_uuid):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(JobFields())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        make_bag(storage / "cp" / "logged", files=3)
        package_uuid = new_uuid()
        client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "logged"),
                    headers=admin_headers)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finished = [line for line in lines if line["message"] == "job finished"]
    assert len(finished) == 1
    entry = finished[0]
    assert entry["job_id"] == f"store-{package_uuid}-1"
    assert entry["operation"] == "store" and entry["package"] == package_uuid
    assert entry["attempt"] == 1 and entry["duration_s"] >= 0
    assert {"time", "level", "logger"} <= set(entry)
