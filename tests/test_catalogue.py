"""The Redis catalogue: atomic creation and compare-and-set."""

from __future__ import annotations

import threading

import pytest

from sspkg.exceptions import Conflict, StatusConflict


def test_create_is_exclusive(catalogue):
    catalogue.create("package", "p1", {"status": "PENDING"})
    with pytest.raises(Conflict):
        catalogue.create("package", "p1", {"status": "UPLOADED"})
    assert catalogue.get("package", "p1")["status"] == "PENDING"


def test_update_checks_expected_status(catalogue):
    catalogue.create("package", "p2", {"status": "PENDING"})
    catalogue.update("package", "p2", {"status": "STAGING"}, expect=["PENDING"])
    with pytest.raises(StatusConflict):
        catalogue.update("package", "p2", {"status": "UPLOADED"}, expect=["PENDING"])
    assert catalogue.get("package", "p2")["status"] == "STAGING"


def test_concurrent_transitions_only_one_wins(real_redis):
    from sspkg.catalogue import Catalogue

    catalogue = Catalogue(real_redis)
    catalogue.create("package", "p3", {"status": "PENDING"})
    outcomes = []

    def claim():
        try:
            catalogue.update("package", "p3", {"status": "STAGING"}, expect=["PENDING"])
            outcomes.append("won")
        except StatusConflict:
            outcomes.append("lost")

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1


def test_list_in_creation_order(catalogue):
    for name in ["a", "b", "c"]:
        catalogue.create("space", name, {"uuid": name})
    assert [r["uuid"] for r in catalogue.all("space")] == ["a", "b", "c"]
