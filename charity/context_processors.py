from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def site_chrome(request):
    """The account menu and the language links (the sections come from cms.context_processors)."""
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
        # The same page in each language, for the switch and for <link rel="alternate">.
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": translate_url(path, code),
                "current": code == language,
            }
            for code, name in settings.LANGUAGES
        ],
    }
