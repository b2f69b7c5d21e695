"""Relief tasks and shifts in the staff admin, for coordinators and owners (shift.manage).

Tasks: the list, adding and editing. Shifts: the list with places filled, "repeating shifts" (a
whole series in one form), and each shift's page with its sign-ups, where applications are
approved or declined and the shift is called off. Every query starts from the organizations
where the user holds shift.manage; anything of another organization is a 404. Every write goes
through volunteers.services, which checks the permission and the rules again.
"""

import datetime

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.permissions import register_permission_policy

from charity.models import BeneficiaryGroup, Project, User
from charity.permissions import ACTIONS, can
from charity.regions import region_choices
from volunteers import services
from volunteers.models import (
    CertificateKind,
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatus,
    Skill,
)

from .admin_pages import PolicyFormView, StaffAdminPage
from .expenditure_admin import _add_errors
from .permission_policies import OrganizationScopedPolicy, organizations_where

MANAGE = "shift.manage"
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ReliefTaskPermissionPolicy(OrganizationScopedPolicy):
    """Coordinators and owners add, view and change their organizations' tasks; tasks are not
    deleted (their shifts are the volunteers' history)."""

    actions = {"add": MANAGE, "change": MANAGE, "view": MANAGE}


class ShiftPermissionPolicy(OrganizationScopedPolicy):
    actions = {"add": MANAGE, "change": MANAGE, "view": MANAGE}

    def user_has_permission_for_instance(self, user, action, instance):
        needed = self.actions.get(action)
        return needed is not None and can(user, needed, instance.task.organization)

    def instances_user_has_permission_for(self, user, action):
        if self.actions.get(action) is None:
            return Shift.objects.none()
        return Shift.objects.filter(task__organization__in=organizations_where(user, MANAGE))


task_policy = ReliefTaskPermissionPolicy(ReliefTask)
register_permission_policy(ReliefTask, task_policy)
shift_policy = ShiftPermissionPolicy(Shift)
register_permission_policy(Shift, shift_policy)


def _own_organizations(request_or_user):
    return organizations_where(getattr(request_or_user, "user", request_or_user), MANAGE)


def _own_tasks(request_or_user):
    return ReliefTask.objects.filter(
        organization__in=_own_organizations(request_or_user)
    ).select_related("organization")


def _coordinators(organizations):
    """People who may coordinate shifts of these organizations (shift.manage roles)."""
    return (
        User.objects.filter(
            memberships__organization__in=organizations,
            memberships__role__in=ACTIONS[MANAGE].roles,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "email")
    )


# --- Relief tasks -------------------------------------------------------------------------------


class ReliefTaskForm(WagtailAdminModelForm):
    district = forms.ChoiceField(label=_("District"), choices=region_choices)
    required_skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"),
        queryset=Skill.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    required_certificates = forms.MultipleChoiceField(
        label=_("Required certificates"),
        choices=CertificateKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every volunteer must hold these, valid on the shift's day."),
    )

    class Meta:
        model = ReliefTask
        fields = [
            "organization",
            "project",
            "title",
            "description",
            "place",
            "district",
            "urgency",
            "beneficiary_group",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        organizations = _own_organizations(for_user)
        self.fields["organization"].queryset = organizations
        self.fields["project"].queryset = Project.objects.filter(
            organization__in=organizations
        ).select_related("organization")
        self.fields["beneficiary_group"].queryset = BeneficiaryGroup.objects.all()
        if self.instance.pk:
            self.fields["organization"].disabled = True
            self.fields["required_skills"].initial = list(self.instance.required_skills.all())
            self.fields["required_certificates"].initial = self.instance.required_certificates
        elif len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]

    def clean(self):
        cleaned = super().clean()
        project, organization = cleaned.get("project"), cleaned.get("organization")
        if project and organization and project.organization_id != organization.pk:
            self.add_error("project", _("That project belongs to another organization."))
        return cleaned

    def task_fields(self) -> dict:
        names = ("project", "title", "description", "place", "district", "urgency")
        fields = {name: self.cleaned_data[name] for name in names}
        fields["beneficiary_group"] = self.cleaned_data["beneficiary_group"]
        fields["required_certificates"] = list(self.cleaned_data["required_certificates"])
        return fields


class _OwnTasksMixin:
    def get_base_queryset(self):
        return _own_tasks(self.request.user).annotate(shift_count=Count("shifts", distinct=True))

    def get_object(self, queryset=None):
        try:
            return _own_tasks(self.request.user).get(pk=self.kwargs[self.pk_url_kwarg])
        except (ReliefTask.DoesNotExist, ValueError):
            raise Http404 from None


class _ServiceFormMixin:
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ReliefTaskIndexView(_OwnTasksMixin, generic.IndexView):
    @property
    def columns(self):
        return [
            TitleColumn("title", label=_("Title"), get_url=lambda task: self.get_edit_url(task)),
            Column("organization", label=_("Organization")),
            Column("urgency", label=_("Urgency"), accessor="get_urgency_display"),
            Column("place", label=_("Place")),
            Column("shift_count", label=_("Shifts")),
        ]


class ReliefTaskCreateView(_ServiceFormMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.relief_task_create(
            actor=self.request.user,
            organization=data["organization"],
            required_skills=data["required_skills"],
            **self.form.task_fields(),
        )

    def get_success_url(self):
        return reverse("relief_shifts:add") + f"?task={self.object.pk}"

    def get_success_message(self, instance):
        return gettext("Task “%(title)s” added; now give it its shifts.") % {
            "title": instance.title
        }


class ReliefTaskEditView(_OwnTasksMixin, _ServiceFormMixin, generic.EditView):
    def save_instance(self):
        return services.relief_task_update(
            actor=self.request.user,
            task=self.object,
            required_skills=self.form.cleaned_data["required_skills"],
            **self.form.task_fields(),
        )


class ReliefTaskViewSet(ModelViewSet):
    model = ReliefTask
    form_class = ReliefTaskForm
    icon = "group"
    menu_label = _("Relief tasks")
    add_to_admin_menu = True
    menu_order = 180
    list_filter = ["urgency", "organization"]
    search_fields = ["title", "place"]
    search_backend_name = None
    index_view_class = ReliefTaskIndexView
    add_view_class = ReliefTaskCreateView
    edit_view_class = ReliefTaskEditView
    inspect_view_enabled = False
    copy_view_enabled = False
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        return ReliefTaskForm

    def get_edit_view_kwargs(self, **kwargs):
        # The history, usage and delete screens are not routed (get_urlpatterns): the edit form
        # must not link to them, or reversing their names fails and the form cannot open.
        return super().get_edit_view_kwargs(
            history_url_name=None, usage_url_name=None, delete_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("<int:pk>/", self.edit_view, name="edit"),
        ]


# --- Shifts: the list ---------------------------------------------------------------------------


class ShiftFilterSet(WagtailFilterSet):
    task = django_filters.ModelChoiceFilter(label=_("Relief task"), queryset=_own_tasks)
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        method="filter_when",
        empty_label=_("Any time"),
    )

    class Meta:
        model = Shift
        fields = ["task", "when"]

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(ends_at__gt=now)
        if value == "past":
            return queryset.filter(ends_at__lte=now)
        return queryset


def viewable_shifts(user):
    def counted(status):
        return Count("signups", filter=Q(signups__status=status))

    return (
        shift_policy.instances_user_has_permission_for(user, "view")
        .select_related("task__organization", "coordinator")
        .annotate(
            applied=counted(SignupStatus.APPLIED),
            waitlisted=counted(SignupStatus.WAITLISTED),
            completed=counted(SignupStatus.COMPLETED),
            no_show=counted(SignupStatus.NO_SHOW),
        )
    )


def _local(moment) -> datetime.datetime:
    # Staff plan in the platform's zone, whatever zone the admin is read in (the series form
    # says "Beijing time" too).
    return moment.astimezone(services.PLATFORM_ZONE)


def _filled(shift) -> str:
    """Places taken now, counting those who already served or did not come after the shift."""
    taken = shift.places_taken + shift.completed + shift.no_show
    text = f"{taken}/{shift.capacity}"
    extra = []
    if shift.no_show:
        extra.append(gettext("%(n)d no-show") % {"n": shift.no_show})
    if shift.applied:
        extra.append(gettext("%(n)d to approve") % {"n": shift.applied})
    if shift.waitlisted:
        extra.append(gettext("%(n)d waiting") % {"n": shift.waitlisted})
    return f"{text} ({', '.join(extra)})" if extra else text


def _shift_state(shift) -> str:
    if shift.is_cancelled:
        return gettext("Cancelled")
    if shift.ends_at <= timezone.now():
        return gettext("Past")
    if shift.places_taken >= shift.capacity:
        return gettext("Full")
    return gettext("Open")


class ShiftIndexView(generic.IndexView):
    filterset_class = ShiftFilterSet
    default_ordering = "starts_at"

    def get_base_queryset(self):
        return viewable_shifts(self.request.user)

    @property
    def columns(self):
        return [
            TitleColumn(
                "task",
                label=_("Relief task"),
                get_url=lambda shift: reverse("relief_shifts:inspect", args=[shift.pk]),
            ),
            Column(
                "starts_at",
                label=_("When"),
                sort_key="starts_at",
                accessor=lambda s: (
                    f"{_local(s.starts_at):%Y-%m-%d %H:%M}–{_local(s.ends_at):%H:%M}"
                ),
            ),
            Column("filled", label=_("Filled / places"), accessor=_filled),
            StatusTagColumn(
                "state",
                label=_("Status"),
                accessor=_shift_state,
                primary=lambda s: not s.is_cancelled and s.ends_at > timezone.now(),
            ),
            Column("coordinator", label=_("Coordinator"), accessor=lambda s: s.coordinator or ""),
            Column("organization", label=_("Organization"), accessor="task.organization"),
        ]

    @cached_property
    def add_item_label(self):
        return _("Add repeating shifts")


# --- Shifts: a series ---------------------------------------------------------------------------


class ShiftSeriesForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Relief task"), queryset=ReliefTask.objects.none())
    first_day = forms.DateField(label=_("First day"), widget=AdminDateInput)
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    days = forms.IntegerField(
        label=_("Over how many days"),
        min_value=1,
        max_value=services.MAX_SERIES_DAYS,
        initial=14,
        help_text=_("1 for a single shift; 14 for two weeks."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked for every day."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000, initial=8)
    minimum = forms.IntegerField(label=_("Minimum volunteers"), min_value=0, initial=0)
    requires_approval = forms.BooleanField(label=_("Sign-ups need approval"), required=False)
    signup_opens_hours_before = forms.IntegerField(
        label=_("Sign-up opens (hours before start)"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to open sign-up at once."),
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("Cancellation cut-off (hours before start)"), min_value=0, initial=24
    )
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = _own_organizations(user)
        self.fields["task"].queryset = _own_tasks(user)
        self.fields["task"].label_from_instance = lambda t: f"{t.organization} · {t.title}"
        self.fields["coordinator"].queryset = _coordinators(organizations)
        self.fields["coordinator"].initial = user.pk

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("A shift must end after it starts (on the same day)."))
        capacity, minimum = cleaned.get("capacity"), cleaned.get("minimum")
        if capacity and minimum and minimum > capacity:
            self.add_error("minimum", _("The minimum cannot be more than the number of places."))
        first_day = cleaned.get("first_day")
        if first_day and start:
            first_start = timezone.make_aware(
                datetime.datetime.combine(first_day, start), services.PLATFORM_ZONE
            )
            if first_start <= timezone.now():
                self.add_error("first_day", _("The first shift must start in the future."))
        return cleaned

    def series_arguments(self) -> dict:
        data = self.cleaned_data
        first_start = datetime.datetime.combine(
            data["first_day"], data["start_time"], tzinfo=services.PLATFORM_ZONE
        )
        end = datetime.datetime.combine(
            data["first_day"], data["end_time"], tzinfo=services.PLATFORM_ZONE
        )
        return {
            "task": data["task"],
            "first_start": first_start,
            "duration": end - first_start,
            "days": data["days"],
            "weekdays": set(data["weekdays"]) or None,
            "capacity": data["capacity"],
            "minimum": data["minimum"],
            "requires_approval": data["requires_approval"],
            "signup_opens_hours_before": data["signup_opens_hours_before"],
            "cancel_cutoff_hours": data["cancel_cutoff_hours"],
            "coordinator": data["coordinator"],
        }


class _AdminPage(StaffAdminPage):
    header_icon = "date"
    section_index = "relief_shifts:index"
    section_label = _("Shifts")


class ShiftSeriesView(_AdminPage, PolicyFormView):
    form_class = ShiftSeriesForm
    template_name = "cms/admin/shifts/series.html"
    page_title = _("Add repeating shifts")
    permission_policy = shift_policy

    def get_initial(self):
        initial = super().get_initial()
        task = self.request.GET.get("task")
        if task and task.isdigit():
            initial["task"] = _own_tasks(self.request).filter(pk=task).first()
        return initial

    def form_valid(self, form):
        try:
            shifts = services.shift_create_series(
                actor=self.request.user, **form.series_arguments()
            )
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("%(n)d shifts added to “%(task)s”.")
            % {"n": len(shifts), "task": form.cleaned_data["task"].title},
        )
        return redirect(reverse("relief_shifts:index") + f"?task={form.cleaned_data['task'].pk}")


# --- Shifts: one shift --------------------------------------------------------------------------


class ShiftDetailView(_AdminPage, TemplateView):
    template_name = "cms/admin/shifts/detail.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.shift = viewable_shifts(request.user).filter(pk=kwargs["pk"]).first()
        if self.shift is None:
            raise Http404

    def get_page_title(self):
        return self.shift.task.title

    def get_page_subtitle(self):
        return f"{_local(self.shift.starts_at):%Y-%m-%d %H:%M}"

    def render(self, *, errors=(), status=200):
        shift = self.shift
        signups = list(
            ShiftSignup.objects.filter(shift=shift).select_related("volunteer__user").order_by("pk")
        )
        groups = [
            (status_, label, [s for s in signups if s.status == status_])
            for status_, label in SignupStatus.choices
        ]
        context = self.get_context_data(
            shift=shift,
            task=shift.task,
            groups=[group for group in groups if group[2]],
            errors=errors,
            state=_shift_state(shift),
            filled=_filled(shift),
            can_cancel=not shift.is_cancelled and shift.starts_at > timezone.now(),
            platform_zone=services.PLATFORM_ZONE,
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render()


class _ShiftAction(ShiftDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            message = self.perform()
        except (ValidationError, PermissionDenied) as error:
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
            self.shift = viewable_shifts(request.user).get(pk=self.shift.pk)
            return self.render(errors=errors)
        messages.success(request, message)
        return redirect("relief_shifts:inspect", self.shift.pk)

    def signup(self) -> ShiftSignup:
        signup = ShiftSignup.objects.filter(pk=self.kwargs["signup_id"], shift=self.shift).first()
        if signup is None:
            raise Http404
        return signup


class SignupApproveView(_ShiftAction):
    def perform(self):
        signup = services.shift_signup_approve(actor=self.request.user, signup=self.signup())
        return gettext("%(name)s is confirmed and has been told.") % {
            "name": signup.volunteer.user.public_name
        }


class SignupDeclineView(_ShiftAction):
    def perform(self):
        signup = services.shift_signup_decline(
            actor=self.request.user,
            signup=self.signup(),
            reason=self.request.POST.get("reason", ""),
        )
        return gettext("%(name)s's application is declined and they have been told.") % {
            "name": signup.volunteer.user.public_name
        }


class ShiftCancelView(_ShiftAction):
    def perform(self):
        services.shift_cancel(
            actor=self.request.user, shift=self.shift, reason=self.request.POST.get("reason", "")
        )
        return gettext("The shift is cancelled; everyone signed up has been told.")


class ShiftViewSet(ModelViewSet):
    model = Shift
    icon = "date"
    menu_label = _("Shifts")
    add_to_admin_menu = True
    menu_order = 181
    index_view_class = ShiftIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    search_fields = ["task__title"]
    search_backend_name = None

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", ShiftSeriesView.as_view(), name="add"),
            path("<int:pk>/", ShiftDetailView.as_view(), name="inspect"),
            path("<int:pk>/cancel/", ShiftCancelView.as_view(), name="cancel"),
            path(
                "<int:pk>/signups/<int:signup_id>/approve/",
                SignupApproveView.as_view(),
                name="approve",
            ),
            path(
                "<int:pk>/signups/<int:signup_id>/decline/",
                SignupDeclineView.as_view(),
                name="decline",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_relief_task_viewset():
    return ReliefTaskViewSet("relief_tasks")


@hooks.register("register_admin_viewset")
def register_shift_viewset():
    return ShiftViewSet("relief_shifts")
