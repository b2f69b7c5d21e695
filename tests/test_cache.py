"""The production cache backend against this machine's Redis server."""

import threading
import uuid

import pytest

from config.cache import SharedClientRedisCache

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def cache():
    # A prefix of its own: tests in other workers may share this Redis database.
    backend = SharedClientRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    try:
        backend.get("probe")
    except OSError as error:  # pragma: no cover - the server is part of the machine
        pytest.fail(f"Redis at {REDIS_URL}: {error}")
    yield backend
    client = backend._cache.get_client(write=True)
    keys = client.keys(backend.make_key("*"))
    if keys:
        client.delete(*keys)


def test_values_round_trip_and_expire_like_djangos_own(cache):
    cache.set("a", {"content": b"<html>", "versions": {"site": 3}}, timeout=60)
    cache.set_many({"b": 1, "c": 2})
    assert cache.get_many(["a", "b", "c", "missing"]) == {
        "a": {"content": b"<html>", "versions": {"site": 3}},
        "b": 1,
        "c": 2,
    }
    assert cache.incr("b") == 2
    cache.set("gone", 1, timeout=0)
    assert cache.get("gone") is None


def test_one_client_serves_every_call_of_a_process_and_its_threads(cache):
    clients = set()

    def use():
        for n in range(50):
            cache.set(f"k{threading.get_ident()}", n)
            clients.add(id(cache._cache.get_client()))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 1
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
