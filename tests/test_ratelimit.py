"""Rate limits on starting donations and signing up for shifts (config.ratelimit): one request past
the limit is refused with 429 and stores nothing, while other people carry on."""

import threading
import time
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from charity.models import Donation
from config import ratelimit
from tests.factories import ProjectFactory, UserFactory
from volunteers.models import ShiftSignup

from .volunteers.factories import ShiftFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db

GUEST_GIFT = {
    "preset": "20000",
    "frequency": "one_off",
    "donor_name": "张伟",
    "donor_email": "zhang.wei@example.com",
    "message": "",
}


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {"donation_start": "2/10m", "shift_signup": "2/h"}
    settings.TRUSTED_PROXY_COUNT = 0


def give(client, project, **extra):
    with translation.override("en"):
        return client.post(f"/en/give/{project.pk}/", GUEST_GIFT, **extra)


def sign_up(client, shift):
    with translation.override("en"):
        return client.post(f"/en/volunteer/shifts/{shift.pk}/sign-up/")


def assert_refused(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    body = response.content.decode()
    assert "Too many attempts" in body
    assert "Nothing was saved" in body
    # A page of the site (its layout and script), not a bare error text.
    assert 'class="site-header' in body


def test_donation_starts_past_the_limit_are_refused_and_store_nothing(client, limits):
    project = ProjectFactory()
    assert give(client, project).status_code == 302
    assert give(client, project).status_code == 302
    assert Donation.objects.count() == 2

    refused = give(client, project)

    assert_refused(refused)
    assert Donation.objects.count() == 2
    # Someone else (another address) can still give.
    assert give(client, project, REMOTE_ADDR="203.0.113.9").status_code == 302
    assert Donation.objects.count() == 3


def test_a_logged_in_donor_is_counted_by_account_not_address(client, limits):
    project = ProjectFactory()
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    for _ in range(2):
        assert give(client, project).status_code == 302
    assert give(client, project).status_code == 429
    # Same address, another account: its own allowance.
    client.force_login(second)
    assert give(client, project).status_code == 302
    assert Donation.objects.filter(donor=second).count() == 1
    assert Donation.objects.filter(donor=first).count() == 2


def test_reading_the_donate_form_is_never_limited(client, limits):
    project = ProjectFactory()
    for _ in range(5):
        assert client.get(f"/en/give/{project.pk}/").status_code == 200


def test_shift_sign_ups_past_the_limit_are_refused_and_store_nothing(client, limits):
    # On different days: one volunteer may not hold overlapping shifts.
    soon = timezone.now().replace(microsecond=0)
    shifts = [
        ShiftFactory(
            starts_at=soon + timedelta(days=day), ends_at=soon + timedelta(days=day, hours=2)
        )
        for day in (3, 4, 5)
    ]
    volunteer = VolunteerProfileFactory().user
    client.force_login(volunteer)
    assert sign_up(client, shifts[0]).status_code == 302
    assert sign_up(client, shifts[1]).status_code == 302

    refused = sign_up(client, shifts[2])

    assert_refused(refused)
    assert not ShiftSignup.objects.filter(shift=shifts[2]).exists()
    assert ShiftSignup.objects.filter(volunteer__user=volunteer).count() == 2
    # Another volunteer on the same address is not affected.
    client.force_login(VolunteerProfileFactory().user)
    assert sign_up(client, shifts[2]).status_code == 302
    assert ShiftSignup.objects.filter(shift=shifts[2]).count() == 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),  # no trusted proxy: the header is the client's word
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the forged entry on the left is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.5", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies: not through our proxies
    ],
)
def test_the_client_address_is_taken_from_the_proxy_only_as_far_as_it_is_trusted(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_rates_are_read_as_count_per_period():
    assert ratelimit.parse_rate("10/10m") == (10, 600)
    assert ratelimit.parse_rate("30/h") == (30, 3600)
    assert ratelimit.parse_rate("5/60s") == (5, 60)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("10 per minute")


def _burst(requests: int) -> int:
    """`requests` concurrent hits from one identity; how many were let through."""
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.44")
    request.user = None
    allowed = []
    start = threading.Barrier(requests)

    def one():
        start.wait()
        if ratelimit.hit("burst", request) is None:
            allowed.append(1)

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(allowed)


def test_concurrent_requests_cannot_slip_past_the_limit(settings):
    settings.RATE_LIMITS = {"burst": "5/h"}
    settings.TRUSTED_PROXY_COUNT = 0
    assert _burst(24) == 5


def _redis_available(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


REDIS_TEST_URL = "redis://127.0.0.1:6379/11"


@pytest.mark.skipif(not _redis_available(REDIS_TEST_URL), reason="no Redis server here")
def test_concurrent_requests_cannot_slip_past_the_limit_in_redis(settings):
    """The production cache: counters shared by every app server, incremented atomically."""
    settings.RATE_LIMITS = {"burst": "5/h"}
    settings.TRUSTED_PROXY_COUNT = 0
    redis_cache = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"ratelimit-test-{time.time_ns()}",
        }
    }
    with override_settings(CACHES=redis_cache):
        try:
            assert _burst(24) == 5
        finally:
            cache.clear()
