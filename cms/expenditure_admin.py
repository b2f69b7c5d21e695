"""Expenditures in the staff admin: the list, entering a spending with its receipts, editing a
draft, and the four-eyes pipeline (approve, publish, reverse).

Owners and finance staff (expenditure.create) see their own organizations' expenditures and
nothing of any other organization: every query starts from `organizations_where`, and another
organization's expenditure is a 404. Every write goes through charity.services, which checks the
permission and the rules again; a rule it enforces (four eyes, overspending) becomes a form error.
"""

from decimal import Decimal
from pathlib import PurePath

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.permissions import register_permission_policy

from charity import services
from charity.models import (
    BeneficiaryGroup,
    Currency,
    Expenditure,
    ExpenditureCategory,
    ExpenditureStatus,
    ExpenditureStatusChange,
    LedgerEntry,
    Organization,
    Project,
)
from charity.permissions import can
from charity.services.expenditures import EXPENDITURE_FIELDS
from charity.templatetags.money import format_money

from .admin_forms import YuanField
from .admin_pages import StaffAdminPage
from .permission_policies import OrganizationScopedPolicy, organizations_where

MAX_RECEIPT_BYTES = 10 * 1024 * 1024
# What a receipt may be, by its name's ending and by its first bytes (a renamed file is refused).
RECEIPT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
RECEIPT_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
EDITABLE = (ExpenditureStatus.DRAFT, ExpenditureStatus.APPROVED)


class ExpenditurePermissionPolicy(OrganizationScopedPolicy):
    """ "view", "add" and "change" (a draft or an approved one) are expenditure.create (owners,
    finance); approving and publishing (expenditure.approve) are checked by their views. Nothing
    is deleted: a published expenditure is corrected by a reversal."""

    ACTION = "expenditure.create"
    actions = {"view": ACTION, "add": ACTION, "change": ACTION}

    def user_has_permission_for_instance(self, user, action, instance):
        allowed = super().user_has_permission_for_instance(user, action, instance)
        return allowed and (action != "change" or instance.status in EDITABLE)


expenditure_policy = ExpenditurePermissionPolicy(Expenditure)
register_permission_policy(Expenditure, expenditure_policy)


def _own_organizations(request_or_user):
    user = getattr(request_or_user, "user", request_or_user)
    return organizations_where(user, ExpenditurePermissionPolicy.ACTION)


def viewable_expenditures(user):
    return Expenditure.objects.filter(organization__in=_own_organizations(user)).select_related(
        "organization", "project", "beneficiary_group", "created_by", "approved_by", "reverses"
    )


def _url(name, *args):
    return reverse(f"expenditures:{name}", args=args)


def _fund_label(expenditure) -> str:
    return str(expenditure.project) if expenditure.project_id else gettext("General fund")


def _add_errors(form, error) -> None:
    """A service's refusal on the form: on the field it names when the form has that field."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        code = getattr(error, "code", None)
        field = code if code in form.fields else None
        form.add_error(field, error.messages)
    else:
        form.add_error(None, str(error))


# --- The list ---------------------------------------------------------------------------------


def _own_projects(request):
    return Project.objects.filter(organization__in=_own_organizations(request))


class ExpenditureFilterSet(WagtailFilterSet):
    # Only the user's own organizations and projects are offered (their names are not leaked).
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_own_organizations
    )
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=_own_projects)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ExpenditureStatus.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=ExpenditureCategory.choices)

    class Meta:
        model = Expenditure
        fields = ["organization", "project", "status", "category"]


class ExpenditureIndexView(generic.IndexView):
    filterset_class = ExpenditureFilterSet
    default_ordering = "-spent_on"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False

    def get_base_queryset(self):
        return viewable_expenditures(self.request.user)

    @property
    def columns(self):
        return [
            TitleColumn(
                "purpose",
                label=_("Purpose"),
                get_url=lambda e: _url("inspect", e.pk),
            ),
            DateColumn("spent_on", label=_("Date"), sort_key="spent_on"),
            Column(
                "amount",
                label=_("Amount"),
                accessor=lambda e: format_money(e.amount, e.currency),
                sort_key="amount",
            ),
            Column("fund", label=_("Fund"), accessor=_fund_label),
            Column("payee", label=_("Payee")),
            Column("category", label=_("Category"), accessor="get_category_display"),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda e: e.status == ExpenditureStatus.PUBLISHED,
            ),
            Column("created_by", label=_("Created by")),
            Column("approved_by", label=_("Approved by"), accessor=lambda e: e.approved_by or ""),
            Column("organization", label=_("Organization")),
        ]

    @cached_property
    def add_item_label(self):
        return _("New expenditure")


# --- Forms --------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class ReceiptFilesField(forms.FileField):
    """Any number of PDF, JPG or PNG files of at most 10 MB each; every bad file is named."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": RECEIPT_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        files = [super(ReceiptFilesField, self).clean(upload, initial) for upload in uploads]
        files = [file for file in files if file]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        errors = [error for file in files if (error := _receipt_error(file))]
        if errors:
            raise ValidationError(errors)
        return files


def _receipt_error(upload) -> ValidationError | None:
    name = upload.name
    signatures = RECEIPT_SIGNATURES.get(PurePath(name).suffix.lower())
    head = upload.read(8)
    upload.seek(0)
    if signatures is None or not head.startswith(signatures):
        return ValidationError(
            _("%(name)s is not a PDF, JPG or PNG file."), code="file_type", params={"name": name}
        )
    if upload.size > MAX_RECEIPT_BYTES:
        return ValidationError(
            _("%(name)s is larger than 10 MB; scan it at a lower resolution."),
            code="file_size",
            params={"name": name},
        )
    return None


class ExpenditureFieldsForm(forms.Form):
    """What finance staff may change on a draft (or an approved expenditure)."""

    amount = YuanField(label=_("Amount"), help_text=_("In yuan, e.g. 1200.50"))
    category = forms.ChoiceField(label=_("Category"), choices=ExpenditureCategory.choices)
    beneficiary_group = forms.ModelChoiceField(
        label=_("Beneficiary group"),
        queryset=BeneficiaryGroup.objects.all(),
        required=False,
        empty_label=_("Not for one group"),
    )
    payee = forms.CharField(label=_("Payee"), max_length=200)
    payee_is_individual = forms.BooleanField(
        label=_("The payee is an individual beneficiary"),
        help_text=_("Their name is masked on public pages (张** rather than 张三丰)."),
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    spent_on = forms.DateField(label=_("Date"), widget=AdminDateInput)
    is_advance = forms.BooleanField(
        label=_("Advance"),
        help_text=_("The organization advances money the fund does not hold yet."),
        required=False,
    )
    advance_reason = forms.CharField(
        label=_("Reason for the advance"), max_length=300, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_advance") and not cleaned.get("advance_reason", "").strip():
            self.add_error("advance_reason", _("Give the reason for the advance."))
        if not cleaned.get("is_advance"):
            cleaned["advance_reason"] = ""
        return cleaned

    def expenditure_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in EXPENDITURE_FIELDS}


class ExpenditureCreateForm(ExpenditureFieldsForm):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects)
    project = forms.ModelChoiceField(
        label=_("Fund"),
        queryset=Project.objects,
        required=False,
        empty_label=_("General fund"),
        help_text=_("A project of the organization, or its general fund."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    documents = ReceiptFilesField(
        label=_("Receipts and invoices"),
        required=False,
        help_text=_("PDF, JPG or PNG, at most 10 MB each; choose several files at once."),
    )

    field_order = ["organization", "project", "currency", "amount"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = _own_organizations(user)
        self.fields["organization"].queryset = organizations
        projects = Project.objects.filter(organization__in=organizations).select_related(
            "organization"
        )
        self.fields["project"].queryset = projects
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]
        else:
            self.fields["project"].label_from_instance = lambda p: f"{p.organization} · {p}"

    def clean(self):
        cleaned = super().clean()
        project, organization = cleaned.get("project"), cleaned.get("organization")
        if project and organization and project.organization_id != organization.pk:
            self.add_error("project", _("That project belongs to another organization."))
        return cleaned


class ReceiptsForm(forms.Form):
    documents = ReceiptFilesField(
        label=_("Add receipts and invoices"),
        help_text=_("PDF, JPG or PNG, at most 10 MB each; choose several files at once."),
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why this expenditure is corrected; it becomes the reversal's purpose."),
    )


# --- Fund balances ------------------------------------------------------------------------------


def fund_balances(organizations) -> list[dict]:
    """Each fund the user may spend from with what it holds (three queries, however many)."""
    organizations = list(organizations)
    totals = {
        (row["organization_id"], row["project_id"], row["currency"]): row["total"]
        for row in LedgerEntry.objects.filter(organization__in=organizations)
        .values("organization_id", "project_id", "currency")
        .annotate(total=Sum("amount"))
    }
    funds = []
    for organization in organizations:
        currencies = sorted(
            {c for (o, p, c) in totals if o == organization.pk and p is None} or {"CNY"}
        )
        for currency in currencies:
            funds.append(
                {
                    "organization": organization,
                    "project": None,
                    "currency": currency,
                    "balance": totals.get((organization.pk, None, currency), 0),
                }
            )
    for project in Project.objects.filter(organization__in=organizations).order_by(
        "organization", "title"
    ):
        funds.append(
            {
                "organization": next(o for o in organizations if o.pk == project.organization_id),
                "project": project,
                "currency": project.currency,
                "balance": totals.get((project.organization_id, project.pk, project.currency), 0),
            }
        )
    return funds


# --- Pages ------------------------------------------------------------------------------------


class _AdminPage(StaffAdminPage):
    header_icon = "doc-full"
    section_index = "expenditures:index"
    section_label = _("Expenditures")


class ExpenditureCreateView(_AdminPage, FormView):
    form_class = ExpenditureCreateForm
    template_name = "cms/admin/expenditures/form.html"
    page_title = _("New expenditure")

    def dispatch(self, request, *args, **kwargs):
        if not expenditure_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def get_context_data(self, **kwargs):
        chosen = self.request.POST.get("project") if self.request.method == "POST" else None
        return super().get_context_data(
            funds=fund_balances(_own_organizations(self.request)),
            chosen_project=chosen,
            multipart=True,
            submit_label=gettext("Save as draft"),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            expenditure = services.expenditure_create(
                actor=self.request.user,
                organization=data["organization"],
                project=data["project"],
                currency=data["currency"],
                documents=data["documents"],
                **form.expenditure_fields(),
            )
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Expenditure saved as a draft; another member of the team approves it."),
        )
        return redirect(_url("inspect", expenditure.pk))


class _OneExpenditure(_AdminPage):
    """Finds the expenditure among the user's own organizations' (any other one is a 404)."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        try:
            self.expenditure = viewable_expenditures(request.user).get(pk=kwargs["pk"])
        except Expenditure.DoesNotExist:
            raise Http404 from None

    is_subpage = False

    def get_breadcrumbs_items(self):
        if not self.is_subpage:
            return self.section_breadcrumbs(self.detail_title())
        return [
            *self.section_breadcrumbs(),
            {"url": _url("inspect", self.expenditure.pk), "label": self.detail_title()},
            {"url": "", "label": self.get_page_title()},
        ]

    def detail_title(self):
        return gettext("Expenditure #%(pk)s") % {"pk": self.expenditure.pk}

    def get_page_title(self):
        return self.detail_title()

    def get_page_subtitle(self):
        return self.expenditure.purpose


class ExpenditureEditView(_OneExpenditure, FormView):
    form_class = ExpenditureFieldsForm
    template_name = "cms/admin/expenditures/form.html"
    is_subpage = True

    def get_page_title(self):
        return gettext("Edit")

    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, "expenditure.create", self.expenditure.organization):
            raise PermissionDenied
        if self.expenditure.status not in EDITABLE:
            messages.error(
                request, gettext("A published expenditure cannot be changed; reverse it instead.")
            )
            return redirect(_url("inspect", self.expenditure.pk))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        e = self.expenditure
        initial = {name: getattr(e, name) for name in EXPENDITURE_FIELDS}
        return initial | {"amount": Decimal(e.amount) / 100}

    def get_context_data(self, **kwargs):
        e = self.expenditure
        return super().get_context_data(
            expenditure=e,
            balance=services.fund_balance(
                organization_id=e.organization_id, project_id=e.project_id, currency=e.currency
            ),
            submit_label=gettext("Save"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.expenditure_update(
                actor=self.request.user,
                expenditure=self.expenditure,
                **form.expenditure_fields(),
            )
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("Expenditure saved; it is a draft again."))
        return redirect(_url("inspect", self.expenditure.pk))


def _allocation_rows(expenditure) -> list[dict]:
    """Which gifts pay for a published expenditure, net of releases (one query). An anonymous
    gift's donor name never leaves this function, even for staff."""
    rows = (
        expenditure.allocations.values(
            "donation_id",
            "donation__receipt_number",
            "donation__donor_name",
            "donation__is_anonymous",
            "donation__received_at",
        )
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("donation__received_at", "donation_id")
    )
    return [
        {
            "donation_id": row["donation_id"],
            "receipt_number": row["donation__receipt_number"],
            "received_at": row["donation__received_at"],
            "is_anonymous": row["donation__is_anonymous"],
            "donor": "" if row["donation__is_anonymous"] else row["donation__donor_name"],
            "amount": row["total"],
        }
        for row in rows
    ]


_STATUS_LABELS = {
    ("", ExpenditureStatus.DRAFT): _("Entered as a draft"),
    (ExpenditureStatus.DRAFT, ExpenditureStatus.APPROVED): _("Approved"),
    (ExpenditureStatus.APPROVED, ExpenditureStatus.DRAFT): _("Edited: back to draft"),
    (ExpenditureStatus.APPROVED, ExpenditureStatus.PUBLISHED): _("Published"),
}


def _history(expenditure, reversal) -> list[dict]:
    """Every status change of the expenditure, and of its reversal, from the audit table (one
    query): who moved it, and when."""
    changes = ExpenditureStatusChange.objects.filter(
        expenditure__in=[expenditure.pk, *([reversal.pk] if reversal else [])]
    ).select_related("changed_by")
    events = []
    for change in changes:
        label = str(
            _STATUS_LABELS.get((change.from_status, change.to_status))
            or change.get_to_status_display()
        )
        event = {"at": change.changed_at, "label": label, "by": change.changed_by}
        if reversal is not None and change.expenditure_id == reversal.pk:
            event["label"] = gettext("Reversal #%(pk)s: %(step)s") % {
                "pk": reversal.pk,
                "step": label,
            }
            event["url"] = _url("inspect", reversal.pk)
        events.append(event)
    return events


class ExpenditureDetailView(_OneExpenditure, TemplateView):
    template_name = "cms/admin/expenditures/detail.html"

    def actions(self, reversal) -> dict:
        e, user = self.expenditure, self.request.user
        may_create = can(user, "expenditure.create", e.organization)
        may_approve = can(user, "expenditure.approve", e.organization)
        is_creator = e.created_by_id == user.pk
        return {
            "can_edit": may_create and e.status in EDITABLE,
            "can_approve": may_approve and e.status == ExpenditureStatus.DRAFT and not is_creator,
            "four_eyes": may_approve and e.status == ExpenditureStatus.DRAFT and is_creator,
            "can_publish": may_approve and e.status == ExpenditureStatus.APPROVED,
            "can_reverse": may_create
            and e.status == ExpenditureStatus.PUBLISHED
            and not e.reverses_id
            and reversal is None,
        }

    def render(self, *, errors=(), reverse_form=None, receipts_form=None, status=200):
        e = self.expenditure
        reversal = (
            Expenditure.objects.filter(reverses=e).select_related("created_by").first()
            if e.status == ExpenditureStatus.PUBLISHED
            else None
        )
        actions = self.actions(reversal)
        published = e.status == ExpenditureStatus.PUBLISHED
        context = self.get_context_data(
            expenditure=e,
            fund=_fund_label(e),
            balance=services.fund_balance(
                organization_id=e.organization_id, project_id=e.project_id, currency=e.currency
            ),
            documents=e.documents.all(),
            allocations=_allocation_rows(e) if published and not e.reverses_id else None,
            unallocated=services.unallocated_amount(expenditure=e) if published else 0,
            reversal=reversal,
            history=_history(e, reversal),
            errors=errors,
            reverse_form=(reverse_form or ReverseForm()) if actions["can_reverse"] else None,
            receipts_form=(receipts_form or ReceiptsForm()) if actions["can_edit"] else None,
            can_view_donations=can(self.request.user, "donation.view", e.organization),
            **actions,
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render()


class _ActionView(ExpenditureDetailView):
    """A POST that moves the expenditure on; a refusal shows the page again with the reason."""

    http_method_names = ["post"]
    permission = "expenditure.approve"

    def post(self, request, *args, **kwargs):
        if not can(request.user, self.permission, self.expenditure.organization):
            raise PermissionDenied
        try:
            target = self.perform()
        except (ValidationError, PermissionDenied) as error:
            messages_ = error.messages if isinstance(error, ValidationError) else [str(error)]
            return self.refused(messages_)
        if target is None:  # the form was invalid; perform() rendered nothing yet
            return self.refused([])
        messages.success(request, self.success_message())
        return redirect(_url("inspect", target.pk))

    def refused(self, errors):
        self.expenditure = viewable_expenditures(self.request.user).get(pk=self.expenditure.pk)
        return self.render(errors=errors)


class ApproveView(_ActionView):
    def perform(self):
        return services.expenditure_approve(actor=self.request.user, expenditure=self.expenditure)

    def success_message(self):
        return gettext("Expenditure approved; it can now be published.")


class PublishView(_ActionView):
    def perform(self):
        return services.expenditure_publish(actor=self.request.user, expenditure=self.expenditure)

    def success_message(self):
        return gettext("Expenditure published: it is out of the fund and on the public record.")


class ReverseView(_ActionView):
    permission = "expenditure.create"

    def perform(self):
        self.form = ReverseForm(self.request.POST)
        if not self.form.is_valid():
            return None
        return services.expenditure_reverse(
            actor=self.request.user,
            expenditure=self.expenditure,
            reason=self.form.cleaned_data["reason"],
        )

    def refused(self, errors):
        self.expenditure = viewable_expenditures(self.request.user).get(pk=self.expenditure.pk)
        return self.render(errors=errors, reverse_form=self.form)

    def success_message(self):
        return gettext(
            "Reversal entered as a draft; once approved and published it returns the amount to "
            "the fund."
        )


class AddReceiptsView(_ActionView):
    permission = "expenditure.create"

    def perform(self):
        self.form = ReceiptsForm(self.request.POST, self.request.FILES)
        if not self.form.is_valid():
            return None
        services.expenditure_add_documents(
            actor=self.request.user,
            expenditure=self.expenditure,
            documents=self.form.cleaned_data["documents"],
        )
        return self.expenditure

    def refused(self, errors):
        self.expenditure = viewable_expenditures(self.request.user).get(pk=self.expenditure.pk)
        return self.render(errors=errors, receipts_form=self.form)

    def success_message(self):
        return gettext("Receipts added.")


# --- Registration ------------------------------------------------------------------------------


class ExpenditureViewSet(ModelViewSet):
    model = Expenditure
    icon = "doc-full"
    menu_label = _("Expenditures")
    add_to_admin_menu = True
    menu_order = 170
    index_view_class = ExpenditureIndexView
    inspect_view_enabled = True  # the index links to each expenditure's page
    copy_view_enabled = False
    add_to_reference_index = False
    search_fields = ["purpose", "payee"]
    search_backend_name = None  # plain database lookups: expenditures are not in the search index

    def get_urlpatterns(self):
        # Only these views exist: no generic delete, history or usage of an expenditure.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", ExpenditureCreateView.as_view(), name="add"),
            path("<int:pk>/", ExpenditureDetailView.as_view(), name="inspect"),
            path("<int:pk>/edit/", ExpenditureEditView.as_view(), name="edit"),
            path("<int:pk>/approve/", ApproveView.as_view(), name="approve"),
            path("<int:pk>/publish/", PublishView.as_view(), name="publish"),
            path("<int:pk>/reverse/", ReverseView.as_view(), name="reverse"),
            path("<int:pk>/receipts/", AddReceiptsView.as_view(), name="add_receipts"),
        ]


@hooks.register("register_admin_viewset")
def register_expenditure_viewset():
    return ExpenditureViewSet("expenditures")
