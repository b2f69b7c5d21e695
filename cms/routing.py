"""Finding the page for a URL in two queries, whatever its depth, and its site in none.

Wagtail routes a request by reading the site, the active locale, the site's home page in that
language and then one page per level of the URL. Here:

- the site comes from a copy of the (few) Site rows kept in the cache, cleared whenever a site
  is saved or deleted, and is chosen by the rules of Wagtail's own `get_site_for_hostname`;
- the home page's URL path in the active language comes from Wagtail's own site root paths
  (cached, and cleared by Wagtail whenever a site or a site's home page changes);
- so the page is found by its url_path directly: one query reads it with its ancestors up to
  the home page (are they all live? what is the parent's title, for the breadcrumb?) and one
  loads it as its specific type.

The result is the page Wagtail's routing finds; anything unusual (no home page in this
language, a home page that is not live) is left to Wagtail's routing.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connections, router
from django.http.request import split_domain_port
from django.utils import translation
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.url_routing import RouteResult

from config.prepared import PreparedQuery

SITES_CACHE_KEY = "cms:sites"
_SITE_FIELDS = ("id", "hostname", "port", "site_name", "root_page_id", "is_default_site")


def forget_sites(**kwargs) -> None:
    """Drop the cached Site rows (connected to Site's post_save and post_delete)."""
    cache.delete(SITES_CACHE_KEY)


def _sites() -> list[Site]:
    rows = cache.get(SITES_CACHE_KEY)
    if rows is None:
        rows = list(Site.objects.order_by("pk").values_list(*_SITE_FIELDS))
        cache.set(SITES_CACHE_KEY, rows, None)
    return [Site.from_db(None, _SITE_FIELDS, row) for row in rows]


def _site_for_hostname(sites: list[Site], hostname: str, port: str) -> Site | None:
    """Wagtail's choice (wagtail.models.sites.get_site_for_hostname), made in Python: the site
    with this hostname and port; else this hostname's default site; else, when there is a
    default site, the one site with this hostname (the default when several have it); else the
    one site with this hostname, if only one has it."""
    named = [site for site in sites if site.hostname == hostname]
    default = next((site for site in sites if site.is_default_site), None)
    for site in named:
        if str(site.port) == port:
            return site
    if default is not None:
        if default.hostname == hostname:
            return default
        return named[0] if len(named) == 1 else default
    return named[0] if len(named) == 1 else None


def site_for_request(request) -> Site | None:
    """The request's site, as Site.find_for_request finds it (and kept where it looks first)."""
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]
        request._wagtail_site = _site_for_hostname(_sites(), hostname, request.get_port())
    return request._wagtail_site


def site_root_paths(request) -> list:
    """Wagtail's site root paths, kept on the request where Page.get_url looks for them too."""
    try:
        return request._wagtail_cached_site_root_paths
    except AttributeError:
        request._wagtail_cached_site_root_paths = Site.get_site_root_paths()
        return request._wagtail_cached_site_root_paths


def _root_url_path(request, site) -> str | None:
    """The URL path of the site's home page in the active language."""
    root_paths = site_root_paths(request)
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
    site = site_for_request(request)
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


def _chain_sql(connection, length: int) -> str:
    """The pages at `length` url_paths, and whether any page has a view restriction. Written out
    rather than built with the ORM: compiling the query took longer than running it."""
    quote = connection.ops.quote_name
    page, restriction = Page._meta.db_table, PageViewRestriction._meta.db_table
    columns = ", ".join(
        quote(name) for name in ("url_path", "id", "content_type_id", "live", "title")
    )
    placeholders = ", ".join(["%s"] * length)
    # Identifiers come from the models and values are parameters: nothing here is user input.
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {quote(restriction)}) "  # noqa: S608  # nosec B608
        f"FROM {quote(page)} WHERE {quote('url_path')} IN ({placeholders})"
    )


class _SpecificPageQuery:
    """A page of one specific type by its pk, with the rows named by the model's
    serve_select_related (foreign keys), from one prepared query of their columns: each row is
    built as select_related builds it, with from_db, and cached on the one that points to it."""

    def __init__(self, model):
        # (relation path, model, columns, where its pk is among them): the page's own first,
        # each relation after the one it goes through.
        self.parts = [self._part((), model)]
        for chain in getattr(model, "serve_select_related", ()):
            names, current = chain.split("__"), model
            for depth in range(1, len(names) + 1):
                current = current._meta.get_field(names[depth - 1]).related_model
                path = tuple(names[:depth])
                if all(path != part[0] for part in self.parts):
                    self.parts.append(self._part(path, current))
        selected = [
            "__".join((*path, column))
            for path, _model, columns, _pk in self.parts
            for column in columns
        ]
        self.query = PreparedQuery(
            model, lambda *, pk: model.objects.filter(pk=pk).values_list(*selected)
        )

    @staticmethod
    def _part(path, model):
        columns = [field.attname for field in model._meta.concrete_fields]
        return path, model, columns, columns.index(model._meta.pk.attname)

    def get(self, pk):
        rows = self.query.rows(pk=pk)
        if not rows:
            return None
        values, db = iter(rows[0]), router.db_for_read(self.parts[0][1])
        built = {}
        for path, model, columns, pk_index in self.parts:
            own = [next(values) for _column in columns]
            instance = None if own[pk_index] is None else model.from_db(db, columns, own)
            if path:
                holder = built[path[:-1]]
                if holder is None:
                    built[path] = None
                    continue
                type(holder)._meta.get_field(path[-1]).set_cached_value(holder, instance)
            built[path] = instance
        return built[()]


_specific_page_queries = {}


def _specific_page(model, pk):
    """The page as its specific type, with what its template reads anyway (see
    serve_select_related), from a prepared query."""
    query = _specific_page_queries.get(model)
    if query is None:
        query = _specific_page_queries[model] = _SpecificPageQuery(model)
    return query.get(pk)


def page_below(*, root_url_path: str, components: list[str]):
    """The live page at `root_url_path` + `components` whose ancestors below the home page at
    `root_url_path` are all live, as its specific type (or None), and whether that home page is
    live. Two queries (one when there is no such page)."""
    # url_paths are unique (slugs are unique among siblings), so the home page, the pages
    # between it and the one wanted, and that one are the pages at these url_paths.
    chain = [
        root_url_path + "".join(f"{component}/" for component in components[:n])
        for n in range(len(components) + 1)
    ]
    connection = connections[router.db_for_read(Page)]
    with connection.cursor() as cursor:
        cursor.execute(_chain_sql(connection, len(chain)), chain)
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    found = rows.get(chain[-1])
    if found is None or not all(rows.get(url_path, (0, 0, False))[2] for url_path in chain[1:]):
        return None, None
    pk, content_type_id, _live, _title, any_view_restrictions = found
    root_live = bool(rows.get(root_url_path, (0, 0, False))[2])
    model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
    page = _specific_page(model, pk)
    if page is None:  # deleted in between
        return None, None
    if len(chain) > 1:
        # The parent, enough for a breadcrumb (see CachedPageMixin.routed_parent).
        page.routed_parent_id, page.routed_parent_title = rows[chain[-2]][0], rows[chain[-2]][3]
    # Whether any page has a view restriction (see CachedPageMixin.get_view_restrictions).
    page._any_view_restrictions = bool(any_view_restrictions)
    return page, root_live
