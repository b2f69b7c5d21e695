"""A page served from the page cache carries the same security headers as a fresh one."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_cached_page_carries_the_content_security_policy(client, site):
    url = site.add_project(title="冬衣计划").url
    fresh = client.get(url)
    cached = client.get(url)
    assert (fresh["X-Page-Cache"], cached["X-Page-Cache"]) == ("miss", "hit")
    assert "script-src 'self'" in cached["Content-Security-Policy"]
    assert cached["Content-Security-Policy"] == fresh["Content-Security-Policy"]
    assert cached["X-Content-Type-Options"] == "nosniff"
