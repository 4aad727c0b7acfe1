"""A space that names its own queue gets its jobs on `<queue>-<kind>` queues."""

from __future__ import annotations

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from sspkg.queues import fetch_job, get_queue
from tests.bags import make_bag
from tests.helpers import store_body


def test_jobs_of_a_space_go_to_its_queue(app, client, admin_headers, storage, tmp_path, new_uuid, fake_redis):
    app.config["QUEUE_ASYNC"] = True
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "tape"), "queue": "tapehost"},
                        headers=admin_headers).get_json()
    assert space["queue"] == "tapehost"
    target = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "aips"}).get_json()
    make_bag(storage / "cp" / "routed", files=3)
    package_uuid = new_uuid()

    response = client.post("/api/v3/packages", headers=admin_headers, json=store_body(
        client, admin_headers, package_uuid, "routed", current_location=target["resource_uri"]))

    job = fetch_job(fake_redis, response.get_json()["id"])
    assert job.origin == "tapehost-store"
    assert get_queue(fake_redis, "store").count == 0
    SimpleWorker([get_queue(fake_redis, "tapehost-store")], connection=fake_redis,
                 serializer=JSONSerializer).work(burst=True)
    fixity = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={}, headers=admin_headers)
    assert fetch_job(fake_redis, fixity.get_json()["id"]).origin == "tapehost-fixity"


def test_queue_name_is_validated(client, admin_headers, tmp_path):
    response = client.post("/api/v2/space/", json={"path": str(tmp_path / "x"), "queue": "bad name!"},
                           headers=admin_headers)
    assert response.status_code == 400
    assert "queue" in response.get_json()["message"]
    assert not (tmp_path / "x").exists()
