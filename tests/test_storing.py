"""The store operation called directly: idempotence after crashes at each step."""

from __future__ import annotations

import os
import shutil

import pytest

from sspkg import locations, packages, storing
from sspkg.constants import PackageStatus
from sspkg.exceptions import PermanentJobError
from tests.bags import make_bag, tree_files


@pytest.fixture
def submit(app, catalogue, storage):
    """Record a PENDING package for a bag in CP (no job: the test calls the store itself)."""
    cp = locations.default_location(catalogue, "CP").uuid
    as_ = locations.default_location(catalogue, "AS").uuid

    def _submit(package_uuid, name, keep_origin=True):
        request = packages.StoreRequest(uuid=package_uuid, package_type="AIP", origin_location=cp,
                                        origin_path=name, current_location=as_,
                                        keep_origin=keep_origin)
        return packages.submit_store(catalogue, packages.build_package(catalogue, request)).package
    return _submit


def _noop(*_):
    pass


def test_second_run_of_a_finished_store_changes_nothing(submit, catalogue, storage, new_uuid):
    make_bag(storage / "cp" / "twice", files=4)
    package = submit(new_uuid(), "twice")
    first = storing.store_package(catalogue, package.uuid, _noop)
    second = storing.store_package(catalogue, package.uuid, _noop)
    assert first == second
    assert locations.used_bytes(catalogue, [package.current_location])[package.current_location] == first.size


def test_crash_after_rename_before_record_converges(submit, catalogue, storage, new_uuid, monkeypatch):
    origin = make_bag(storage / "cp" / "renamed", files=4)
    package = submit(new_uuid(), "renamed")
    monkeypatch.setattr(storing, "_record", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        storing.store_package(catalogue, package.uuid, _noop)
    monkeypatch.undo()
    final = storage / "as" / package.current_path
    assert final.is_dir()
    assert packages.get_package(catalogue, package.uuid).status == PackageStatus.STAGING.value

    stored = storing.store_package(catalogue, package.uuid, _noop)

    assert stored.status == PackageStatus.UPLOADED.value
    assert tree_files(final) == tree_files(origin)


def test_leftover_corrupt_copy_at_final_path_is_replaced(submit, catalogue, storage, new_uuid):
    origin = make_bag(storage / "cp" / "half", files=4)
    package = submit(new_uuid(), "half")
    final = storage / "as" / package.current_path
    shutil.copytree(origin, final)
    next((final / "data").rglob("*.dat")).write_bytes(b"garbage")

    stored = storing.store_package(catalogue, package.uuid, _noop)

    assert stored.status == PackageStatus.UPLOADED.value
    assert tree_files(final) == tree_files(origin)


def test_staging_left_by_a_dead_attempt_is_cleared(submit, catalogue, storage, new_uuid):
    make_bag(storage / "cp" / "dirty", files=4)
    package = submit(new_uuid(), "dirty")
    leftover = storage / "as" / ".sspkg-staging" / package.uuid / "store" / "dirty" / "junk.part"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")

    storing.store_package(catalogue, package.uuid, _noop)

    assert not (storage / "as" / ".sspkg-staging" / package.uuid).exists()
    assert not (storage / "as" / package.current_path / "junk.part").exists()


def test_move_mode_resumes_from_staging_after_a_crash(submit, catalogue, storage, new_uuid):
    origin = make_bag(storage / "cp" / "moving", files=4)
    expected = tree_files(origin)
    package = submit(new_uuid(), "moving", keep_origin=False)
    staging = storage / "as" / ".sspkg-staging" / package.uuid / "store" / "moving"
    staging.parent.mkdir(parents=True)
    os.rename(origin, staging)  # what the dead attempt had done

    stored = storing.store_package(catalogue, package.uuid, _noop)

    assert stored.status == PackageStatus.UPLOADED.value
    assert tree_files(storage / "as" / package.current_path) == expected


def test_origin_gone_is_permanent(submit, catalogue, storage, new_uuid):
    origin = make_bag(storage / "cp" / "vanishing", files=2)
    package = submit(new_uuid(), "vanishing")
    shutil.rmtree(origin)
    with pytest.raises(PermanentJobError, match="no longer exists"):
        storing.store_package(catalogue, package.uuid, _noop)


def test_disk_error_mid_copy_leaves_nothing(submit, catalogue, storage, new_uuid, monkeypatch):
    make_bag(storage / "cp" / "enospc", files=6)
    package = submit(new_uuid(), "enospc")
    calls = {"n": 0}
    real_write = os.write

    def failing_write(fd, data):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("sspkg.copying.os.write", failing_write)
    with pytest.raises(OSError, match="No space left"):
        storing.store_package(catalogue, package.uuid, _noop)

    assert not (storage / "as" / ".sspkg-staging" / package.uuid).exists()
    assert not (storage / "as" / package.current_path).exists()


def test_progress_is_reported_with_totals(submit, catalogue, storage, new_uuid):
    make_bag(storage / "cp" / "progress", files=3, big_bytes=3 << 20)
    package = submit(new_uuid(), "progress")
    reports = []
    storing.store_package(catalogue, package.uuid, lambda *r: reports.append(r))
    stage, done, total = reports[-1]
    assert done == total > 3 << 20
    assert {r[0] for r in reports} >= {"copying"}
