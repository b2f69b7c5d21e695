"""The back office for organization staff: charity's projects in the Wagtail admin."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from charity import services
from charity.models import Project

from .admin_forms import ProjectForm
from .permission_policies import ProjectPermissionPolicy

project_policy = ProjectPermissionPolicy(Project)
register_permission_policy(Project, project_policy)


class _OwnProjectsMixin:
    """Only the projects of the user's organizations exist, as far as these views know."""

    def get_base_queryset(self):
        return project_policy.instances_user_has_permission_for(
            self.request.user, "change"
        ).select_related("organization")

    def get_object(self, queryset=None):
        try:
            return self.get_base_queryset().get(pk=self.kwargs[self.pk_url_kwarg])
        except (Project.DoesNotExist, ValueError):
            raise Http404 from None


class _OwnProjectMixin:
    """A screen about one project (its history, where it is used) exists only for the staff who
    may change it: another organization's staff get a 404, not its log."""

    def get_object(self, queryset=None):
        project = super().get_object()
        if not project_policy.user_has_permission_for_instance(
            self.request.user, "change", project
        ):
            raise Http404
        return project


class _ServiceFormMixin:
    """Save through charity.services; a rule it enforces becomes a form error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(
                None, error.messages if isinstance(error, ValidationError) else str(error)
            )
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ProjectIndexView(_OwnProjectsMixin, generic.IndexView):
    pass


class ProjectCreateView(_ServiceFormMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.project_create(
            actor=self.request.user,
            organization=data["organization"],
            beneficiary_groups=data["beneficiary_groups"],
            **self.form.project_fields(),
        )


class ProjectEditView(_OwnProjectsMixin, _ServiceFormMixin, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        project = services.project_update(
            actor=self.request.user,
            project=self.object,
            beneficiary_groups=data["beneficiary_groups"],
            **self.form.project_fields(),
        )
        if data.get("status") and data["status"] != project.status:
            project = services.project_set_status(
                actor=self.request.user, project=project, status=data["status"]
            )
        return project


class ProjectHistoryView(_OwnProjectMixin, history.HistoryView):
    pass


class ProjectUsageView(_OwnProjectMixin, usage.UsageView):
    pass


class ProjectViewSet(ModelViewSet):
    model = Project
    form_class = ProjectForm
    icon = "clipboard-list"
    menu_label = _("Projects")
    add_to_admin_menu = True
    menu_order = 150
    list_display = ["title", "organization", "status", "fundraising_ends_at"]
    list_filter = ["status", "organization"]
    search_fields = ["title"]
    index_view_class = ProjectIndexView
    add_view_class = ProjectCreateView
    edit_view_class = ProjectEditView
    history_view_class = ProjectHistoryView
    usage_view_class = ProjectUsageView
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return ProjectForm


@hooks.register("register_admin_viewset")
def register_project_viewset():
    return ProjectViewSet("projects")


from . import audit_admin, donation_admin, volunteer_admin  # noqa: E402,F401
from .disclosure_admin import add_disclosure_panel  # noqa: E402,F401
from .expenditure_admin import register_expenditure_viewset  # noqa: E402,F401
from .report_admin import register_report_viewset  # noqa: E402,F401
