from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.shortcuts import render
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Remember the language the person signed up in, for emails sent to them later."""
        user.preferred_language = translation.get_language() or ""
        return super().save_user(request, user, form, commit=commit)


def login_username(request, credentials: dict | None) -> str | None:
    """The account a login attempt is for, as django-axes counts failures (AXES_USERNAME_CALLABLE).

    allauth authenticates with `email`, Wagtail's and Django's admin logins with `username` (our
    USERNAME_FIELD is the email). Case-folded, so "Ann@x.org" and "ann@x.org" share one count.
    """
    credentials = credentials or {}
    data = getattr(request, "POST", {}) or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or data.get("login")
        or data.get("username")
    )
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in the visitor's language."""
    response = render(
        request,
        "account/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": -(-int(settings.AXES_COOLOFF_TIME.total_seconds()) // 60),
        },
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
