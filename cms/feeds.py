"""Atom feed of project updates, per language."""

from django.contrib.syndication.views import Feed
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from .selectors import recent_update_links


class ProjectUpdatesFeed(Feed):
    feed_type = Atom1Feed
    title = _("Shanxin: news from relief projects")
    subtitle = _("Progress, thanks and what the money bought, from every project on Shanxin.")

    def link(self):
        return f"/{translation.get_language()}/"

    def items(self):
        locale = Locale.get_active()
        return recent_update_links(locale=locale.pk, limit=30)

    def item_title(self, item):
        if item.project_title is None:
            return item.title
        return f"{item.project_title}: {item.title}"

    def item_description(self, item):
        return strip_tags(item.body)

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.published_at
