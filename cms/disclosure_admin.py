"""The disclosure calendar on the staff admin's home: what the user's organizations must disclose
soon or have not disclosed in time (cms.selectors.organization_disclosure_calendar)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .permission_policies import organizations_where
from .selectors import organization_disclosure_calendar


class DisclosurePanel(Component):
    name = "disclosure_calendar"
    order = 50
    template_name = "cms/admin/disclosure_panel.html"
    title = _("Disclosure calendar")

    def __init__(self, items):
        self.items = items

    def get_context_data(self, parent_context=None):
        return {"items": self.items, "title": self.title}


@hooks.register("construct_homepage_panels")
def add_disclosure_panel(request, panels):
    organizations = organizations_where(request.user, "organization.view_dashboard")
    if request.user.is_superuser:
        return  # platform staff do not disclose for every organization
    if organizations.exists():
        panels.append(
            DisclosurePanel(organization_disclosure_calendar(organizations=organizations))
        )
