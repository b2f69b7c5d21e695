from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import NoReverseMatch, get_resolver, get_urlconf, reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def site_chrome(request):
    """The account menu and the language switch (the sections come from cms.context_processors)."""
    language = translation.get_language()
    path = request.get_full_path()
    authenticated = getattr(request, "user", None) and request.user.is_authenticated
    return {
        "account_nav_items": [
            {"label": _("My organizations"), "url": reverse("charity:dashboard")},
            {"label": _("My donations"), "url": reverse("charity:my_donations")},
            {"label": _("My volunteering"), "url": reverse("volunteers:dashboard")},
            {"label": _("Preferences"), "url": reverse("charity:preferences")},
            {"label": _("Email addresses"), "url": reverse("account_email")},
            {"label": _("Change password"), "url": reverse("account_change_password")},
        ]
        if authenticated
        else [],
        "set_language_url": _set_language_url(),
        # The same page in each language, for the switch and for <link rel="alternate">. In the
        # page's own language that is the path itself: translating it would resolve and reverse
        # the URL only to arrive where it started.
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": path if code == language else _same_page_in(request, path, code),
                "current": code == language,
            }
            for code, name in settings.LANGUAGES
        ],
    }


def _set_language_url() -> str:
    """The URL of Django's set_language view, or "" where it is not routed (the header's language
    switch is then links). The resolver is asked for the name first: a reverse() that fails costs
    as much as one that succeeds, on every page."""
    if "set_language" not in get_resolver(get_urlconf()).reverse_dict:
        return ""
    return reverse("set_language")


def _same_page_in(request, path: str, code: str) -> str:
    """translate_url(path, code) for the request's own path, from the match the request was
    routed by: resolving the path again would try each URL pattern before Wagtail's catch-all,
    most of the cost. A request that matched no pattern (an error page) is left to translate_url.
    """
    match = request.resolver_match
    if match is None:
        return translate_url(path, code)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    with translation.override(code):
        try:
            url = reverse(name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return path
    return urlunsplit(("", "", url, urlsplit(path).query, ""))
