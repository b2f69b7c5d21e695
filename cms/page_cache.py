"""Whole-page cache for anonymous readers, invalidated by versioned tags.

A cached page records which tags it was built from ("site", "projects", "project:<id>") and the
version each tag had *before* the page read any rows. A change bumps its tags' versions (at once,
and again when its transaction commits), so the next read finds a version that no longer matches
and renders afresh. Because versions are read before the data, a render that raced a commit is
stored under versions that are already out of date and is never served.

Only anonymous GETs of Wagtail pages that declare their tags are cached; a visitor with a session
(logged-in users, editors' previews) or pending messages always gets a fresh page.
"""

import datetime
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

SITE = "site"  # any page, organization or site setting: menus and cards show them everywhere
PROJECTS = "projects"  # any project's figures: listings, home page totals


def project_tag(project_id: int) -> str:
    return f"project:{project_id}"


# Every request may depend on these; they are read in one round trip when it starts.
_BASE_TAGS = (SITE, PROJECTS)
# Per process: the tags beyond the base ones that a URL's cached page depends on, learnt from its
# entries, so that their versions come in the same round trip as the entry. Only a hint: versions
# are still compared, and a wrong or missing hint costs one more round trip.
_URL_TAGS: dict[str, tuple[str, ...]] = {}
_URL_TAGS_MAX = 4096
_HEADER = "X-Page-Cache"
_SKIPPED_HEADERS = {"set-cookie", _HEADER.lower()}


def _version_key(tag: str) -> str:
    return f"pagecache:v:{tag}"


def _new_version() -> str:
    # Unique rather than incremented, so a version that the cache evicted and recreated never
    # comes back equal to one a stored page remembers.
    return uuid.uuid4().hex[:16]


def _versions(tags) -> dict[str, str]:
    keys = {_version_key(tag): tag for tag in tags}
    found = cache.get_many(keys)
    versions = {keys[key]: value for key, value in found.items()}
    for key, tag in keys.items():
        if tag not in versions:
            cache.add(key, _new_version(), timeout=None)
            versions[tag] = cache.get(key)
    return versions


def invalidate(*tags: str) -> None:
    """Make every page built from these tags stale, now and once the current transaction commits."""

    def bump():
        cache.set_many({_version_key(tag): _new_version() for tag in tags}, timeout=None)

    bump()
    transaction.on_commit(bump)


def depends_on(request, *tags: str, expires_at: datetime.datetime | None = None) -> None:
    """Declare, before reading any rows, what the page being served is built from.

    `expires_at`: when the page goes stale by itself (a fundraising window opening or closing).
    """
    state = getattr(request, "_page_cache", None)
    if state is None:
        return
    extra = [tag for tag in tags if tag not in state["versions"]]
    if extra:
        state["versions"].update(_versions(extra))
    state["tags"].update(tags)
    if expires_at is not None:
        state["expires_at"] = min(filter(None, (state["expires_at"], expires_at)))


_PAGE_PREFIXES = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)


def _cacheable_request(request) -> bool:
    # Wagtail's pages all live under a language prefix; the health check, webhooks, admin and
    # static files never pay for a cache lookup.
    if request.method not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    if not request.path_info.startswith(_PAGE_PREFIXES):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _entry_key(request) -> str:
    url = f"{request.get_host()}{request.get_full_path()}"
    return "pagecache:page:" + hashlib.sha256(url.encode()).hexdigest()


def _cacheable_response(response) -> bool:
    if response.status_code != 200 or response.cookies or response.streaming:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


class PageCacheMiddleware:
    """Serve anonymous readers from the page cache; store what pages declared tags for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        key = _entry_key(request)
        # The base versions and the entry in one round trip (one MGET on Redis, which reads them
        # atomically): the versions are no older than the entry, and the page's rows are read
        # after both.
        version_keys = {_version_key(tag): tag for tag in (*_BASE_TAGS, *_URL_TAGS.get(key, ()))}
        found = cache.get_many([key, *version_keys])
        entry = found.pop(key, None)
        versions = {version_keys[name]: value for name, value in found.items()}
        missing_base = [tag for tag in _BASE_TAGS if tag not in versions]
        if missing_base:
            versions.update(_versions(missing_base))
        request._page_cache = {"versions": versions, "tags": set(), "expires_at": None}
        if entry is not None:
            _remember_tags(key, entry["versions"])
            current = dict(request._page_cache["versions"])
            missing = [tag for tag in entry["versions"] if tag not in current]
            if missing:
                current.update(_versions(missing))
            if all(current[tag] == version for tag, version in entry["versions"].items()):
                response = HttpResponse(entry["content"], status=200)
                for name, value in entry["headers"]:
                    response[name] = value
                response[_HEADER] = "hit"
                return response
        response = self.get_response(request)
        state = request._page_cache
        # A page that handed out a CSRF token holds it in its HTML: that is one visitor's page.
        personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
        if (
            request.method == "GET"
            and state["tags"]
            and not personal
            and _cacheable_response(response)
        ):
            self._store(key, response, state)
            response[_HEADER] = "miss"
        return response

    def _store(self, key, response, state):
        timeout = settings.PAGE_CACHE_SECONDS
        if state["expires_at"] is not None:
            remaining = (state["expires_at"] - timezone.now()).total_seconds()
            timeout = min(timeout, int(remaining))
            if timeout <= 0:
                return
        entry = {
            "versions": {tag: state["versions"][tag] for tag in state["tags"]},
            "content": response.content,
            "headers": [
                (name, value)
                for name, value in response.items()
                if name.lower() not in _SKIPPED_HEADERS
            ],
        }
        cache.set(key, entry, timeout=timeout)
        _remember_tags(key, entry["versions"])


def _remember_tags(key: str, versions: dict) -> None:
    tags = tuple(sorted(tag for tag in versions if tag not in _BASE_TAGS))
    if _URL_TAGS.get(key) != tags:
        if len(_URL_TAGS) >= _URL_TAGS_MAX:
            _URL_TAGS.clear()
        _URL_TAGS[key] = tags
