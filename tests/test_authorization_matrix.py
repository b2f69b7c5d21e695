"""The authorization matrix: every URL of the site, requested by every kind of person, against
organization A's objects, checked against one table (tests/authz/table.py).

Each cell is (row, method, actor). What the outcomes mean:

- **deny**: 403 or 404 (also a 404 outside the language prefixes, which LocaleMiddleware turns
  into a redirect to the same path under /zh-hans/); or a redirect to a login page (allauth's, Wagtail admin's or Django
  admin's: anonymous visitors, and signed-in people without access to that back office); or a
  redirect that changed nothing and flashed a warning or error (how Wagtail refuses staff a
  screen, and how our views report a service's PermissionDenied or a rule). A denied POST must
  change nothing.
- **allow**: anything else that is not an error: a page, a download, a redirect elsewhere, a
  form re-shown with its errors (the point is reaching the view, not valid data). An allowed
  response must not contain the row's `secret` unless the actor is one of the row's `sees`.
- 5xx, an exception, or 405 (the table asks a method the URL does not take) is always a mismatch.

Every cell runs in its own savepoint, rolled back afterwards, so what one allowed POST changes
never leaks into the next cell. All mismatches are reported at once as a table.

Adding a URL: add one row to ROWS in tests/authz/table.py (see its docstring);
`test_every_url_pattern_has_exactly_one_row` names every pattern that has none.
"""

import fnmatch
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation

from tests.authz.table import ROWS
from tests.authz.world import ACTORS, build_world

LANGUAGE_PREFIX = "zh-hans/"
LOGIN_PATHS = ("/accounts/login/", "/cms-admin/login/", "/django-admin/login/")


def url_patterns() -> list[str]:
    """Every pattern as "namespace:name", or "route:<path>" when it has no name."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    found.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    route = prefix + str(pattern.pattern)
                    if route.startswith(LANGUAGE_PREFIX):
                        route = "<lang>/" + route.removeprefix(LANGUAGE_PREFIX)
                    found.append(f"route:{route}")

    with translation.override("zh-hans"):
        walk(get_resolver().url_patterns, "", None)
    return found


def rows_matching(pattern_id: str) -> list[int]:
    return [
        i
        for i, row in enumerate(ROWS)
        if any(fnmatch.fnmatchcase(pattern_id, glob) for glob in row.globs)
    ]


def test_every_url_pattern_has_exactly_one_row():
    patterns = url_patterns()
    assert len(patterns) > 300  # Wagtail's admin alone has hundreds: the walk found them
    problems = []
    used = set()
    for pattern_id in sorted(set(patterns)):
        matches = rows_matching(pattern_id)
        used.update(matches)
        if not matches:
            problems.append(f"no row for {pattern_id}")
        elif len(matches) > 1:
            problems.append(
                f"{pattern_id} matches {len(matches)} rows "
                f"({', '.join(ROWS[i].globs[0] for i in matches)}): give it exactly one"
            )
    problems += [f"row {i} ({ROWS[i].match}) matches no URL" for i in set(range(len(ROWS))) - used]
    assert not problems, "tests/authz/table.py is out of date:\n" + "\n".join(problems)


def _fingerprint_querysets():
    """What a request could change that matters: organization A's domain rows, its pages, and
    Wagtail's platform settings (not logs or sessions, which reads may write)."""
    from django.apps import apps
    from django.contrib.auth.models import Group
    from wagtail.models import Collection, Locale, Page, Site, Workflow

    from charity.models import User

    domain = [m for m in apps.get_models() if m._meta.app_label in ("charity", "volunteers")]
    return [
        *(m._base_manager.order_by("pk").values_list() for m in domain),
        Page.objects.order_by("pk").values_list(
            "pk", "title", "slug", "live", "path", "locked", "latest_revision_id"
        ),
        User.groups.through.objects.order_by("pk").values_list(),
        User.objects.order_by("pk").values_list("pk", "email", "is_active", "is_staff", "password"),
        *(
            m.objects.order_by("pk").values_list()
            for m in (Group, Collection, Locale, Site, Workflow)
        ),
    ]


def fingerprint(querysets) -> str:
    digest = hashlib.sha256()
    for queryset in querysets:
        for row in queryset.all():
            digest.update(repr(row).encode())
    return digest.hexdigest()


@dataclass
class Outcome:
    verdict: str  # allow | deny | error
    detail: str
    body: bytes = b""


def _redirect_target(response) -> str:
    return response.get("Location", "")


def classify(response, *, method, changed, refused) -> Outcome:
    status = response.status_code
    path = response.wsgi_request.path
    if status >= 500 or status == 405:
        return Outcome("error", str(status))
    if status in (401, 403, 404):
        return Outcome("deny", str(status))
    if status in (301, 302, 303):
        target = _redirect_target(response)
        if any(login in target.split("?")[0] for login in LOGIN_PATHS):
            return Outcome("deny", f"{status} → login")
        if target.split("?")[0] == f"/{LANGUAGE_PREFIX}{path.lstrip('/')}":
            # LocaleMiddleware turns a 404 outside the language prefixes into a redirect to the
            # same path under the default language (where Wagtail's catch-all would answer).
            return Outcome("deny", "404 (as a redirect to the language prefix)")
        if refused and not changed:
            return Outcome("deny", f"{status} → {target}, refused: {refused[0].strip()[:60]}")
    body = b""
    if 200 <= status < 300:
        body = b"".join(response.streaming_content) if response.streaming else response.content
    detail = f"{status} → {response.get('Location')}" if 300 <= status < 400 else str(status)
    return Outcome("allow", detail, body)


def run_cell(url, method, data, user, models) -> tuple[Outcome, bool]:
    cache.clear()  # cached anonymous pages and rate limits must not answer another actor
    client = Client()
    with transaction.atomic():
        if user is not None:
            client.force_login(user)
        before = fingerprint(models) if method == "POST" else None
        try:
            response = client.post(url, data) if method == "POST" else client.get(url)
        except Exception as error:  # a crash is a finding, reported with the rest
            transaction.set_rollback(True)
            return Outcome("error", f"{type(error).__name__}: {str(error)[:80]}"), False
        changed = method == "POST" and fingerprint(models) != before
        refused = [
            str(m.message)
            for m in get_messages(response.wsgi_request)
            if m.level >= messages.WARNING
        ]
        outcome = classify(response, method=method, changed=changed, refused=refused)
        transaction.set_rollback(True)
    return outcome, changed


def matrix_size() -> int:
    return sum(len(row.methods) for row in ROWS) * len(ACTORS)


# The matrix runs in four parts (same world, different actors) so that pytest-xdist can spread it
# over its workers; each part builds the world once and loops over its cells.
ACTOR_GROUPS = [
    ("anonymous", "donor", "volunteer"),
    ("a_owner", "a_finance"),
    ("a_coordinator", "a_editor"),
    ("b_owner", "platform_admin"),
]


def test_the_actor_groups_cover_every_actor_once():
    assert sorted(a for group in ACTOR_GROUPS for a in group) == sorted(ACTORS)
    print(f"\nmatrix cells: {matrix_size()} ({len(ROWS)} rows, {len(ACTORS)} actors)")


@pytest.mark.django_db
@pytest.mark.parametrize("actors", ACTOR_GROUPS, ids="+".join)
def test_authorization_matrix(actors):
    started = time.monotonic()
    world = build_world()
    print(f"\nworld built in {time.monotonic() - started:.1f}s")
    models = _fingerprint_querysets()
    mismatches = []
    cells = 0
    for row in ROWS:
        url = row.url(world.objects)
        match = resolve(url.split("?")[0])
        # The URL must be one this row covers (an unnamed pattern, e.g. an admin catch-all, is
        # covered by the row's route glob).
        covered = any(
            fnmatch.fnmatchcase(match.view_name, glob) if match.url_name else glob[:6] == "route:"
            for glob in row.globs
        )
        if not covered:
            mismatches.append((url, "-", "-", f"resolves to {match.view_name}, not this row"))
            continue
        data = row.data(world.objects) if callable(row.data) else row.data
        secret = row.secret(world.objects) if row.secret else None
        for method in row.methods:
            for actor in actors:
                cells += 1
                expected = "allow" if actor in row.allow else "deny"
                outcome, changed = run_cell(url, method, data, world.users[actor], models)
                got = outcome.verdict
                detail = outcome.detail
                if expected == "deny" and changed:
                    got, detail = "CHANGED", f"{outcome.detail}; data changed"
                if (
                    outcome.verdict == "allow"
                    and secret
                    and actor not in row.sees
                    and secret.encode() in outcome.body
                ):
                    got, detail = "LEAK", f"shows {secret!r}"
                if got != expected:
                    mismatches.append((f"{method} {url}", actor, expected, f"{got} ({detail})"))
    print(f"\nmatrix cells checked: {cells} of {matrix_size()} ({'+'.join(actors)})")
    if mismatches:
        width = max(len(m[0]) for m in mismatches)
        lines = [f"{'request':<{width}}  {'actor':<14} {'expected':<8} got"]
        lines += [f"{u:<{width}}  {a:<14} {e:<8} {g}" for u, a, e, g in mismatches]
        report = "\n".join(lines)
        if os.environ.get("MATRIX_REPORT"):  # a file to read the table from, when it is long
            with Path(os.environ["MATRIX_REPORT"]).open("a") as out:
                out.write(report + "\n")
        pytest.fail(
            f"{len(mismatches)} of {cells} cells differ from the table:\n" + "\n".join(lines)
        )
