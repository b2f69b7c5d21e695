"""Pages of the staff admin beside a viewset's own views: forms and detail pages of a section."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class StaffAdminPage(WagtailAdminTemplateMixin):
    """Breadcrumbs: Home → the section's list → this page."""

    section_label = ""
    section_index = ""  # URL name of the section's list

    def section_breadcrumbs(self, *labels) -> list[dict]:
        return [
            {"url": reverse("wagtailadmin_home"), "label": gettext("Home")},
            {"url": reverse(self.section_index), "label": self.section_label},
            *({"url": "", "label": label} for label in labels),
        ]

    def get_breadcrumbs_items(self):
        return self.section_breadcrumbs(self.get_page_title())


class PolicyFormView(StaffAdminPage, FormView):
    """A form for users whom the section's permission policy allows `required_action`; the form is
    built with the user, so that it offers only the user's organizations."""

    permission_policy = None
    required_action = "add"

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, self.required_action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}
