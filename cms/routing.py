"""Finding the page for a URL in two queries, whatever its depth.

Wagtail routes a request by reading the site, the active locale, the site's home page in that
language and then one page per level of the URL. Here the home page's URL path in the active
language comes from Wagtail's own site root paths (cached, and cleared by Wagtail whenever a site
or a site's home page changes), so the page is found by its url_path directly: one query finds it
and checks that its ancestors are live, one loads it as its specific type. The result is the
page Wagtail's routing finds; anything unusual (no home page in this language, a home page that is
not live) is left to Wagtail's routing.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Left, Length
from django.utils import translation
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.url_routing import RouteResult


def _root_url_path(request, site) -> str | None:
    """The URL path of the site's home page in the active language, from Wagtail's site root
    paths (kept on the request, where Page.get_url looks for them too)."""
    try:
        root_paths = request._wagtail_cached_site_root_paths
    except AttributeError:
        root_paths = request._wagtail_cached_site_root_paths = Site.get_site_root_paths()
    try:
        language = get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return None
    for root in root_paths:
        if root.site_id == site.pk and root.language_code == language:
            return root.root_path
    return None


def route_for_request(request, path):
    """The RouteResult for `path` on the request's site, None when no site serves it, or
    NotImplemented when Wagtail's own routing must decide (anything but a live page below a live
    home page in the active language: Wagtail then serves another language's home page, a 404,
    or whatever a page's own `route` makes of the rest of the path)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root_url_path = _root_url_path(request, site)
    if root_url_path is None:
        return NotImplemented
    components = [component for component in path.split("/") if component]
    page, root_live = page_below(root_url_path=root_url_path, components=components)
    if page is None or not root_live:
        return NotImplemented
    return RouteResult(page)


def page_below(*, root_url_path: str, components: list[str]):
    """The live page at `root_url_path` + `components` whose ancestors below the home page at
    `root_url_path` are all live, as its specific type (or None), and whether that home page is
    live. Two queries (one when there is no such page)."""
    url_path = root_url_path + "".join(f"{component}/" for component in components)
    # url_paths are unique (slugs are unique among siblings), so the pages between the home page
    # and the one found are the pages at these url_paths.
    ancestor_url_paths = [
        root_url_path + "".join(f"{component}/" for component in components[:n])
        for n in range(1, len(components))
    ]
    found = (
        Page.objects.filter(url_path=url_path, live=True)
        .annotate(
            unpublished_ancestor=Exists(
                Page.objects.filter(url_path__in=ancestor_url_paths, live=False)
            ),
            root_live=Exists(Page.objects.filter(url_path=root_url_path, live=True)),
            any_view_restrictions=Exists(PageViewRestriction.objects.all()),
        )
        .values(
            "pk", "content_type_id", "unpublished_ancestor", "root_live", "any_view_restrictions"
        )
        .first()
    )
    if found is None or found["unpublished_ancestor"]:
        return None, None
    model = ContentType.objects.get_for_id(found["content_type_id"]).model_class() or Page
    # What the page's template reads anyway, loaded with it: related rows, and the parent's
    # title for the breadcrumb (see CachedPageMixin.routed_parent).
    related = getattr(model, "serve_select_related", ())
    parents = Page.objects.filter(
        path=Left(OuterRef("path"), Length(OuterRef("path")) - Page.steplen)
    )
    page = (
        model.objects.select_related(*related)
        .annotate(
            routed_parent_id=Subquery(parents.values("pk")[:1]),
            routed_parent_title=Subquery(parents.values("title")[:1]),
        )
        .filter(pk=found["pk"])
        .first()
    )
    if page is not None:  # (None: deleted in between)
        # Whether any page has a view restriction (see CachedPageMixin.get_view_restrictions).
        page._any_view_restrictions = found["any_view_restrictions"]
    return page, found["root_live"]
