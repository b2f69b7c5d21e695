"""Transparency reports in the staff admin: finance staff choose an organization and a period,
preview the figures and the regulatory ratios, and publish. Publishing freezes the snapshot
(charity.services.report_publish) and gives the report its public page under the organization's
page in each language (cms.services.report_pages_ensure).

Owners and finance staff (report.publish) see their own organizations' reports and nothing else:
another organization's report is a 404. Every write goes through charity.services, which checks
the permission and the rules again.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from charity import services
from charity.models import Organization, ReportPeriodKind, ReportStatus, TransparencyReport
from charity.permissions import can

from .admin_pages import PolicyFormView, StaffAdminPage
from .models import TransparencyReportPage
from .permission_policies import OrganizationScopedPolicy, organizations_where
from .selectors import report_sections
from .services import report_page_title, report_pages_ensure

ACTION = "report.publish"


class ReportPermissionPolicy(OrganizationScopedPolicy):
    """Owners and finance staff view, start and publish their organizations' reports; a report
    is never edited or deleted here (a draft is recomputed when it is published)."""

    actions = {"view": ACTION, "add": ACTION}


report_policy = ReportPermissionPolicy(TransparencyReport)
register_permission_policy(TransparencyReport, report_policy)


def viewable_reports(user):
    return TransparencyReport.objects.filter(
        organization__in=organizations_where(user, ACTION)
    ).select_related("organization", "created_by", "published_by")


def _url(name, *args):
    return reverse(f"reports:{name}", args=args)


def _title(report) -> str:
    return report_page_title(report)


class ReportIndexView(generic.IndexView):
    default_ordering = "-period_start"

    def get_base_queryset(self):
        return viewable_reports(self.request.user)

    @property
    def columns(self):
        return [
            TitleColumn(
                "title", label=_("Report"), accessor=_title, get_url=lambda r: _url("inspect", r.pk)
            ),
            Column("organization", label=_("Organization")),
            DateColumn("period_start", label=_("First day"), sort_key="period_start"),
            DateColumn("period_end", label=_("Last day")),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda r: r.status == ReportStatus.PUBLISHED,
            ),
            DateColumn("published_at", label=_("Published")),
        ]

    @cached_property
    def add_item_label(self):
        return _("New report")


def _period_choices():
    return [
        ("year", _("The whole year")),
        ("1", _("First quarter")),
        ("2", _("Second quarter")),
        ("3", _("Third quarter")),
        ("4", _("Fourth quarter")),
    ]


class ReportCreateForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Period"), choices=_period_choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organizations_where(user, ACTION)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]
        self.fields["year"].initial = timezone.localdate().year - 1

    def period_arguments(self) -> dict:
        period = self.cleaned_data["period"]
        if period == "year":
            return {"period_kind": ReportPeriodKind.YEAR, "quarter": None}
        return {"period_kind": ReportPeriodKind.QUARTER, "quarter": int(period)}


class _AdminPage(StaffAdminPage):
    header_icon = "doc-full-inverse"
    section_index = "reports:index"
    section_label = _("Transparency reports")


class ReportCreateView(_AdminPage, PolicyFormView):
    form_class = ReportCreateForm
    template_name = "cms/admin/reports/form.html"
    page_title = _("New report")
    permission_policy = report_policy

    def form_valid(self, form):
        try:
            report = services.report_create(
                actor=self.request.user,
                organization=form.cleaned_data["organization"],
                year=form.cleaned_data["year"],
                **form.period_arguments(),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(
                None, error.messages if isinstance(error, ValidationError) else str(error)
            )
            return self.form_invalid(form)
        messages.success(
            self.request, gettext("Draft report computed; check the figures, then publish.")
        )
        return redirect(_url("inspect", report.pk))


class ReportDetailView(_AdminPage, TemplateView):
    template_name = "cms/admin/reports/detail.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        try:
            self.report = viewable_reports(request.user).get(pk=kwargs["pk"])
        except TransparencyReport.DoesNotExist:
            raise Http404 from None

    def get_page_title(self):
        return _title(self.report)

    def get_page_subtitle(self):
        return str(self.report.organization)

    def render(self, *, errors=()):
        report = self.report
        published = report.status == ReportStatus.PUBLISHED
        today = timezone.localdate()
        context = self.get_context_data(
            report=report,
            figures=report.figures,
            sections=report_sections(report.figures),
            errors=errors,
            can_publish=not published and can(self.request.user, ACTION, report.organization),
            period_open=report.period_end >= today,
            pages=[page for page in report.pages.all() if page.live] if published else [],
            downloads=[
                (fmt.upper(), reverse("open_data_report", args=[report.pk, fmt]))
                for fmt in ("csv", "xlsx", "json")
            ]
            if published
            else [],
        )
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        return self.render()


class ReportPublishView(ReportDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not can(request.user, ACTION, self.report.organization):
            raise PermissionDenied
        try:
            report = services.report_publish(actor=request.user, report=self.report)
        except (ValidationError, PermissionDenied) as error:
            return self.render(
                errors=error.messages if isinstance(error, ValidationError) else [str(error)]
            )
        report_pages_ensure(report=report)
        messages.success(
            request,
            gettext("Report published: its figures are frozen and its page is public."),
        )
        return redirect(_url("inspect", report.pk))


class ReportViewSet(ModelViewSet):
    model = TransparencyReport
    icon = "doc-full-inverse"
    menu_label = _("Transparency reports")
    add_to_admin_menu = True
    menu_order = 180
    index_view_class = ReportIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    search_backend_name = None

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", ReportCreateView.as_view(), name="add"),
            path("<int:pk>/", ReportDetailView.as_view(), name="inspect"),
            path("<int:pk>/publish/", ReportPublishView.as_view(), name="publish"),
        ]


@hooks.register("register_admin_viewset")
def register_report_viewset():
    return ReportViewSet("reports")


@hooks.register("before_delete_page")
@hooks.register("before_unpublish_page")
def keep_published_reports_public(request, page):
    """A published report is part of the public record: its page stays (editors may still add
    an introduction)."""
    if isinstance(page.specific, TransparencyReportPage):
        messages.error(
            request, gettext("A published transparency report stays public; it cannot be removed.")
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None
