"""Admin forms that keep organization staff to their own organization's data."""

from wagtail.admin.forms import WagtailAdminPageForm

from charity.models import Project

from .permission_policies import organizations_where as _organizations_for


class CharityProjectPageForm(WagtailAdminPageForm):
    """A project page can tell the story of a project of the editor's own organization only."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "project" in self.fields:
            self.fields["project"].queryset = Project.objects.filter(
                organization__in=_organizations_for(for_user, "page.edit")
            )


class OrganizationPageForm(WagtailAdminPageForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "organization" in self.fields:
            self.fields["organization"].queryset = _organizations_for(for_user, "page.edit")
