import zoneinfo

from django.conf import settings
from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the user's zone (stored in UTC); visitors get the platform's default zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = settings.DEFAULT_USER_TIME_ZONE
        if user is not None and user.is_authenticated and user.time_zone:
            zone = user.time_zone
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except zoneinfo.ZoneInfoNotFoundError:
            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class LanguageCookieMiddleware:
    """Remember the language of the last page a visitor read, so that "/" sends them back to it.

    The URL prefix decides the language of every page; the cookie only matters for "/".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, "LANGUAGE_CODE", None)
        prefixed = request.path_info.startswith(f"/{language}/")
        if prefixed and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
            )
        return response
