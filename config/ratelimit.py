"""Rate limits on costly or abusable actions, counted in the shared cache.

A limit is named in `settings.RATE_LIMITS` ("donation_start": "10/10m") and guards a view with
`@rate_limited("donation_start")`. Each identity (the user when logged in, else the client's IP
address) gets that many POSTs per fixed window; one more is answered 429 with a Retry-After header
before the view runs, so nothing is stored. Counters live in the default cache (Redis in
production, shared by every app server; local memory in development and tests).
"""

import functools
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/10m' → (10, 600): that many requests per that many seconds. '30/h' is 30 an hour."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"A rate is 'COUNT/PERIOD' with PERIOD like 60s, 10m, h or 1d: {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def client_ip(request) -> str:
    """The address the request came from.

    With `TRUSTED_PROXY_COUNT = 0` (the default) that is REMOTE_ADDR: a client can forge any header
    it likes. Behind N proxies that each append to X-Forwarded-For, the client is the entry the
    outermost trusted proxy added, N places from the right; anything further left was sent by the
    client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not sent through all our proxies (a health check, a misconfiguration): the peer it is.
        return remote
    return forwarded[-proxies]


def _identity(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def hit(scope: str, request) -> int | None:
    """Count one request against `scope`; return None if it is allowed, else the seconds to wait.

    `cache.add` creates the window's counter only if it is missing and `cache.incr` is atomic in
    Redis (and under a lock in local memory), so concurrent requests each get their own count and
    none slips past the limit.
    """
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return None
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    retry_after = max(1, int((window + 1) * period - now))
    key = f"ratelimit:{scope}:{_identity(request)}:{window}"
    cache.add(key, 0, timeout=retry_after + 1)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired (or was evicted) between add and incr: this request starts it anew.
        cache.add(key, 1, timeout=retry_after + 1)
        count = 1
    return retry_after if count > limit else None


def rate_limited(scope: str):
    """Answer a POST to the decorated view with 429 once the identity has used up `scope`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                retry_after = hit(scope, request)
                if retry_after is not None:
                    response = render(
                        request, "429.html", {"retry_minutes": -(-retry_after // 60)}, status=429
                    )
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
