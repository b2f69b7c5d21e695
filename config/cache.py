"""Django's Redis cache, with one redis-py client per connection pool.

Django makes a new `redis.Redis` for every cache call, and redis-py's constructor fills its table
of some 170 response callbacks each time: on a page-cache hit that cost as much as the round trips
to Redis. A client is safe to share between threads (it takes connections from its pool), so one
per pool serves every call.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
