"""Donations in the staff admin: the list, recording an offline gift, importing and exporting
spreadsheets, and refunds.

Owners and finance staff see their own organizations' donations (donation.view) and nothing of
any other organization: every query starts from `organizations_where`, and another
organization's donation is a 404. Writes go through charity.services (or charity.resources for a
whole file), which check the permission again.
"""

import secrets
from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateTimeInput, HeaderButton
from wagtail.permissions import register_permission_policy

from charity import services
from charity.models import (
    Currency,
    Donation,
    DonationChannel,
    DonationStatus,
    Organization,
    Project,
    Refund,
)
from charity.permissions import can
from charity.resources import (
    EXPORT_FORMATS,
    IMPORT_COLUMNS,
    donations_export,
    import_template_csv,
    offline_donations_import,
)
from charity.templatetags.money import format_money

from .admin_forms import YuanField
from .admin_pages import PolicyFormView, StaffAdminPage
from .permission_policies import OrganizationScopedPolicy, organizations_where

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# An uploaded file waits this long for its "Confirm import" (kept server-side, never in the form).
UPLOAD_TTL_SECONDS = 60 * 60
PREVIEW_ROWS = 200
SESSION_UPLOADS = "cms_donation_imports"


class DonationPermissionPolicy(OrganizationScopedPolicy):
    """ "view" is donation.view (owners, finance); "add" (record, import) is donation.record.
    Donations are never changed or deleted here: refunds are new rows."""

    actions = {"view": "donation.view", "add": "donation.record"}


donation_policy = DonationPermissionPolicy(Donation)
register_permission_policy(Donation, donation_policy)


def viewable_donations(user):
    return Donation.objects.filter(
        organization__in=organizations_where(user, "donation.view")
    ).select_related("organization", "project")


def _url(name, *args):
    return reverse(f"donations:{name}", args=args)


def _errors_of(error) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


# --- The list ---------------------------------------------------------------------------------


def _own_organizations(request):
    return organizations_where(request.user, "donation.view")


def _own_projects(request):
    return Project.objects.filter(organization__in=_own_organizations(request))


class DonationFilterSet(WagtailFilterSet):
    # Only the user's own organizations and projects are offered (their names are not leaked).
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_own_organizations
    )
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=_own_projects)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DonationStatus.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=DonationChannel.choices)

    class Meta:
        model = Donation
        fields = ["organization", "project", "status", "channel"]


class DonationIndexView(generic.IndexView):
    filterset_class = DonationFilterSet
    default_ordering = "-created_at"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Wagtail's own spreadsheet export is off: the accountants' export is ExportView.
        self.is_export = False

    def get_base_queryset(self):
        return viewable_donations(self.request.user)

    @property
    def columns(self):
        return [
            TitleColumn(
                "receipt_number",
                label=_("Receipt no."),
                accessor=lambda d: d.receipt_number or f"#{d.pk}",
                get_url=lambda d: _url("inspect", d.pk),
            ),
            DateColumn("received_at", label=_("Received")),
            Column(
                "amount", label=_("Amount"), accessor=lambda d: format_money(d.amount, d.currency)
            ),
            Column("donor_name", label=_("Donor")),
            Column(
                "project", label=_("Project"), accessor=lambda d: d.project or _("General fund")
            ),
            Column("channel", label=_("Channel"), accessor="get_channel_display"),
            Column("status", label=_("Status"), accessor="get_status_display"),
            Column("organization", label=_("Organization")),
        ]

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if donation_policy.user_has_permission(self.request.user, "add"):
            buttons.append(HeaderButton(_("Import"), url=_url("import"), icon_name="upload"))
        buttons.append(HeaderButton(_("Export"), url=_url("export"), icon_name="download"))
        return buttons

    @cached_property
    def add_item_label(self):
        return _("Record offline gift")


# --- Recording one offline gift ----------------------------------------------------------------


class RecordForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects)
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects,
        required=False,
        empty_label=_("General fund"),
    )
    amount = YuanField(label=_("Amount"), help_text=_("In yuan, e.g. 200.50"))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in DonationChannel if c != DonationChannel.ONLINE],
    )
    received_at = forms.DateTimeField(label=_("Received at"), widget=AdminDateTimeInput)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)
    donor_name = forms.CharField(label=_("Donor name"), max_length=100, required=False)
    donor_email = forms.EmailField(label=_("Donor email"), required=False)
    is_anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    message = forms.CharField(label=_("Message"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organizations_where(user, "donation.record")
        self.fields["organization"].queryset = organizations
        self.fields["project"].queryset = Project.objects.filter(organization__in=organizations)

    def clean(self):
        cleaned = super().clean()
        project, organization = cleaned.get("project"), cleaned.get("organization")
        if project and organization and project.organization_id != organization.pk:
            self.add_error("project", _("That project belongs to another organization."))
        return cleaned


class _AdminPage(StaffAdminPage):
    header_icon = "list-ul"
    section_index = "donations:index"
    section_label = _("Donations")


class RecordView(_AdminPage, PolicyFormView):
    form_class = RecordForm
    template_name = "cms/admin/donations/record.html"
    page_title = _("Record offline gift")
    permission_policy = donation_policy

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            donation = services.donation_record_offline(
                actor=self.request.user,
                organization=data["organization"],
                project=data["project"],
                amount=data["amount"],
                currency=data["currency"],
                channel=data["channel"],
                received_at=data["received_at"],
                donor_name=data["donor_name"],
                donor_email=data["donor_email"],
                is_anonymous=data["is_anonymous"],
                bank_reference=data["bank_reference"],
                message=data["message"],
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _errors_of(error):
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Gift recorded: receipt %(number)s.") % {"number": donation.receipt_number},
        )
        return redirect(_url("inspect", donation.pk))


# --- One donation, and its refunds -------------------------------------------------------------


class RefundForm(forms.Form):
    amount = YuanField(label=_("Amount to refund"), help_text=_("In yuan"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


def _refundable(donation: Donation) -> int:
    """What may still be given back, in minor units (refunds that failed gave nothing back)."""
    refunded = donation.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))[
        "total"
    ]
    return donation.amount - (refunded or 0)


class DonationDetailView(_AdminPage, TemplateView):
    template_name = "cms/admin/donations/detail.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        try:
            self.donation = viewable_donations(request.user).get(pk=kwargs["pk"])
        except Donation.DoesNotExist:
            raise Http404 from None

    def get_page_title(self):
        return gettext("Donation %(number)s") % {
            "number": self.donation.receipt_number or f"#{self.donation.pk}"
        }

    def can_refund(self):
        return self.donation.status in (
            DonationStatus.SUCCEEDED,
            DonationStatus.PARTIALLY_REFUNDED,
        ) and can(self.request.user, "donation.refund", self.donation.organization)

    def render(self, form=None, status=200):
        refundable = _refundable(self.donation)
        if form is None and self.can_refund():
            form = RefundForm(initial={"amount": Decimal(refundable) / 100})
        context = self.get_context_data(
            donation=self.donation,
            refunds=self.donation.refunds.all(),
            refundable=refundable,
            refund_form=form if self.can_refund() else None,
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render()

    def post(self, request, *args, **kwargs):
        if not can(request.user, "donation.refund", self.donation.organization):
            raise PermissionDenied
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                refund = services.donation_refund(
                    actor=request.user,
                    donation=self.donation,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _errors_of(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    gettext("Refund of %(amount)s recorded.")
                    % {"amount": format_money(refund.amount, self.donation.currency)},
                )
                return redirect(_url("inspect", self.donation.pk))
        self.donation.refresh_from_db()
        return self.render(form)


# --- Importing a file -------------------------------------------------------------------------


class ImportForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or XLSX; the first line names the columns."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organizations_where(user, "donation.record")
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; split it into several files."))
        return upload


def _cache_key(token: str) -> str:
    return f"cms:donation-import:{token}"


class _ImportMixin(_AdminPage):
    template_name = "cms/admin/donations/import.html"
    page_title = _("Import offline gifts")

    def dispatch(self, request, *args, **kwargs):
        if not donation_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_check(self, *, organization, filename, result, token=None):
        check = result.check
        context = self.get_context_data(
            organization=organization,
            filename=filename,
            check=check,
            preview=check.rows[:PREVIEW_ROWS],
            more_rows=max(len(check.rows) - PREVIEW_ROWS, 0),
            totals=[format_money(amount, currency) for currency, amount in check.totals().items()],
            token=token,
        )
        return TemplateResponse(self.request, "cms/admin/donations/import_preview.html", context)


class ImportView(_ImportMixin, FormView):
    form_class = ImportForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=IMPORT_COLUMNS, **kwargs)

    def form_valid(self, form):
        organization = form.cleaned_data["organization"]
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            result = offline_donations_import(
                actor=self.request.user,
                organization=organization,
                content=content,
                filename=upload.name,
                commit=False,
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _errors_of(error):
                form.add_error("file", message)
            return self.form_invalid(form)
        token = None
        if result.check.ok:
            # The confirmation names this token only; the file stays on the server, tied to
            # this user and session, and is checked again in full before anything is saved.
            token = secrets.token_urlsafe(32)
            cache.set(
                _cache_key(token),
                {
                    "user": self.request.user.pk,
                    "organization": organization.pk,
                    "filename": upload.name,
                    "content": content,
                },
                UPLOAD_TTL_SECONDS,
            )
            tokens = self.request.session.get(SESSION_UPLOADS, [])[-4:]
            self.request.session[SESSION_UPLOADS] = [*tokens, token]
        return self.render_check(
            organization=organization, filename=upload.name, result=result, token=token
        )


class ImportConfirmView(_ImportMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        stored = cache.get(_cache_key(token)) if token else None
        if (
            stored is None
            or token not in request.session.get(SESSION_UPLOADS, [])
            or stored["user"] != request.user.pk
        ):
            messages.error(
                request, gettext("That upload has expired; please upload the file again.")
            )
            return redirect(_url("import"))
        organization = (
            organizations_where(request.user, "donation.record")
            .filter(pk=stored["organization"])
            .first()
        )
        if organization is None:
            raise PermissionDenied
        try:
            result = offline_donations_import(
                actor=request.user,
                organization=organization,
                content=stored["content"],
                filename=stored["filename"],
                commit=True,
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _errors_of(error):
                messages.error(request, message)
            return redirect(_url("import"))
        if not result.donations:
            # Something changed since the preview (e.g. a transfer was recorded meanwhile).
            return self.render_check(
                organization=organization, filename=stored["filename"], result=result
            )
        cache.delete(_cache_key(token))
        request.session[SESSION_UPLOADS] = [
            t for t in request.session.get(SESSION_UPLOADS, []) if t != token
        ]
        messages.success(
            request,
            gettext("%(count)s gifts imported for %(organization)s.")
            % {"count": len(result.donations), "organization": organization.name},
        )
        return redirect(_url("index"))


def import_template(request):
    if not donation_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    response = HttpResponse(import_template_csv(), content_type=EXPORT_FORMATS["csv"])
    response["Content-Disposition"] = 'attachment; filename="offline-gifts-template.csv"'
    return response


# --- Exporting ---------------------------------------------------------------------------------


class ExportForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")], initial="xlsx"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_where(user, "donation.view")


class ExportView(_AdminPage, PolicyFormView):
    """GET with organization and format downloads the file; without them, asks for them."""

    form_class = ExportForm
    template_name = "cms/admin/donations/export.html"
    page_title = _("Export donations")
    permission_policy = donation_policy
    required_action = "view"

    def get_form_kwargs(self):
        kwargs = {"user": self.request.user, "initial": self.get_initial()}
        if "organization" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound:
            if not form.is_valid():
                # Someone else's organization is simply not one of the choices.
                if "organization" in form.errors:
                    raise Http404
                return self.form_invalid(form)
            return self.download(form.cleaned_data["organization"], form.cleaned_data["format"])
        return self.render_to_response(self.get_context_data(form=form))

    def download(self, organization, fmt):
        content = donations_export(actor=self.request.user, organization=organization, fmt=fmt)
        response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
        filename = f"donations-{organization.slug}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- Registration ------------------------------------------------------------------------------


class DonationViewSet(ModelViewSet):
    model = Donation
    icon = "list-ul"
    menu_label = _("Donations")
    add_to_admin_menu = True
    menu_order = 160
    index_view_class = DonationIndexView
    inspect_view_enabled = True  # the index links to each donation's page
    copy_view_enabled = False
    add_to_reference_index = False
    search_fields = ["donor_name", "donor_email", "receipt_number"]
    search_backend_name = None  # plain database lookups: donations are not in the search index

    def get_urlpatterns(self):
        # Only these views exist: no generic edit, delete, history or usage of a donation.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("record/", RecordView.as_view(), name="add"),
            path("<int:pk>/", DonationDetailView.as_view(), name="inspect"),
            path("import/", ImportView.as_view(), name="import"),
            path("import/confirm/", ImportConfirmView.as_view(), name="import_confirm"),
            path("import/template.csv", import_template, name="import_template"),
            path("export/", ExportView.as_view(), name="export"),
        ]


@hooks.register("register_admin_viewset")
def register_donation_viewset():
    return DonationViewSet("donations")
