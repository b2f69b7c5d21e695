from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail import views as wagtail_views

from .routing import route_for_request


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /cms-admin/",
        "Disallow: /django-admin/",
        "Disallow: /*/accounts/",
        "Disallow: /*/me/",
        "Disallow: /*/orgs/",
        "Disallow: /*/invitations/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def serve(request, path):
    """Wagtail's page view, with the page found by cms.routing (see there)."""
    if not hasattr(request, "_wagtail_route_for_request"):
        route = route_for_request(request, path)
        if route is not NotImplemented:
            # Wagtail's serve (and anything else asking Page.route_for_request) reads it here.
            request._wagtail_route_for_request = route
    return wagtail_views.serve(request, path)
