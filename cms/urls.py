"""Wagtail's front-end URLs, with its page view routed by cms.routing (cms.views.serve)."""

from django.urls import re_path
from wagtail import urls as wagtail_urls

from . import views

# Wagtail's own patterns (password-protected pages, its front-end login), then its page view
# under the same name and pattern as Wagtail's.
(serve_pattern,) = [p for p in wagtail_urls.urlpatterns if p.name == "wagtail_serve"]
urlpatterns = [
    *(p for p in wagtail_urls.urlpatterns if p is not serve_pattern),
    re_path(serve_pattern.pattern.regex.pattern, views.serve, name="wagtail_serve"),
]
