from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

# v2: the cached value became a dict (sections plus the project index, for the home page).
NAV_CACHE_KEY = "cms:nav:v2:{language}"


def navigation(request):
    """The header's sections: home and the published top-level listing pages of this language.

    Cached per language; publishing or unpublishing a page clears it (cms.signal_handlers).
    """
    language = translation.get_language()
    return {
        "nav_items": [{"label": _("Home"), "url": f"/{language}/"}]
        + [{"label": title, "url": url} for title, url in _navigation(language)["sections"]]
        + [{"label": _("Volunteer"), "url": reverse("volunteers:opportunities")}]
    }


def project_index_url(*, home) -> str | None:
    """The URL of the all-projects page below `home`, from the navigation's cache when it
    describes the same page (it does, unless several sites share a language)."""
    nav = _navigation(translation.get_language())
    index = nav["project_index"]
    if nav["locale_id"] == home.locale_id and (index is None or index[0] == home.path):
        return index[1] if index else None
    from .models import ProjectIndexPage

    page = ProjectIndexPage.objects.child_of(home).live().first()
    return page.url if page else None


def _navigation(language: str) -> dict:
    key = NAV_CACHE_KEY.format(language=language)
    nav = cache.get(key)
    if nav is None:
        nav = _sections(language)
        cache.set(key, nav, 60 * 60)
    return nav


def _sections(language: str) -> dict:
    from .models import OrganizationIndexPage, ProjectIndexPage

    nav = {"locale_id": None, "sections": [], "project_index": None}
    try:
        locale = Locale.objects.get(language_code=language)
    except Locale.DoesNotExist:
        return nav
    nav["locale_id"] = locale.pk
    for model in (ProjectIndexPage, OrganizationIndexPage):
        page = model.objects.live().filter(locale=locale, depth=3).order_by("path").first()
        if page is not None:
            nav["sections"].append((page.title, page.url))
            if model is ProjectIndexPage:
                # (its parent's path, its URL)
                nav["project_index"] = (page.path[: -page.steplen], page.url)
    return nav


def clear_navigation_cache() -> None:
    cache.delete_many([NAV_CACHE_KEY.format(language=code) for code, _name in settings.LANGUAGES])
