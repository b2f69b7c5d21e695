"""The security headers every response carries, and the rule that makes the script policy hold:
no template runs inline script."""

import re
from pathlib import Path

import pytest

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(
    "url",
    ["/en/accounts/login/", "/zh-hans/open-data/", "/healthz/"],
)
def test_every_kind_of_response_carries_the_policy_and_headers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")


def test_scripts_may_never_be_inline_or_evaluated(client):
    csp = policy(client.get("/en/accounts/login/"))
    for directive in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in csp[directive]
        assert "'unsafe-eval'" not in csp[directive]
    assert "script-src-attr" not in csp or csp["script-src-attr"] == ["'none'"]


def test_only_the_wagtail_admin_may_run_inline_scripts(client):
    """Its form widgets carry inline scripts (config.csp); the rest of the policy holds there."""
    csp = policy(client.get("/cms-admin/login/"))
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    # Not the public pages, nor a path that merely looks like it.
    for url in ("/en/accounts/login/", "/en/cms-admin/"):
        assert policy(client.get(url))["script-src"] == ["'self'"]


def test_a_donation_may_go_on_to_stripe_checkout_and_nowhere_else(client):
    project = ProjectFactory()
    csp = policy(client.get(f"/en/give/{project.pk}/"))
    assert csp["form-action"] == ["'self'", "https://checkout.stripe.com"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")")
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def test_no_template_has_inline_script_handlers_or_javascript_urls():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE, JS_URL):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern.pattern}")
    assert offenders == []
