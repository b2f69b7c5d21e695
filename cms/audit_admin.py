"""The audit trail in the staff admin: who changed what, and when, for the organizations the user
owns. Owners only (charity.permissions "audit.view"): anyone else gets a 403 and finds no menu
item. Filterable by organization, kind of object, person and dates (read in the user's time
zone); newest first, 50 a page; the same list downloads as CSV.
"""

import datetime
import json
import zoneinfo

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import AdminDateInput

from charity import selectors
from charity.audit import CHANGED
from charity.models import AuditEntry, AuditObjectType, Organization, Role, User
from charity.permissions import _has_verified_email, roles_by_organization
from charity.spreadsheets import streamed_csv
from charity.templatetags.money import format_money

from .admin_pages import StaffAdminPage

PAGE_SIZE = 50

# The model behind each kind of object, for its fields' names and choices.
MODELS = {
    AuditObjectType.ORGANIZATION: "charity.Organization",
    AuditObjectType.MEMBERSHIP: "charity.Membership",
    AuditObjectType.PROJECT: "charity.Project",
    AuditObjectType.EXPENDITURE: "charity.Expenditure",
    AuditObjectType.RELIEF_TASK: "volunteers.ReliefTask",
    AuditObjectType.SHIFT: "volunteers.Shift",
    AuditObjectType.SIGNUP: "volunteers.ShiftSignup",
}


class AuditFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=None, required=False, empty_label=_("All")
    )
    object_type = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *AuditObjectType.choices], required=False
    )
    actor = forms.ModelChoiceField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    since = forms.DateField(label=_("From"), required=False, widget=AdminDateInput)
    until = forms.DateField(label=_("Until"), required=False, widget=AdminDateInput)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [organization.pk for organization in organizations]
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=ids)
        self.fields["organization"].choices = [("", _("All"))] + [
            (organization.pk, organization.name) for organization in organizations
        ]
        if len(organizations) < 2:
            self.fields["organization"].widget = forms.HiddenInput()
        self.fields["actor"].queryset = selectors.audit_actors(organizations=ids)
        self.fields["actor"].label_from_instance = lambda user: user.public_name

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date comes before the start date."))
        return cleaned


def _zone(user) -> zoneinfo.ZoneInfo:
    """The zone the user reads times in (their account's, as on the public site): the Wagtail
    admin would otherwise show its own profile's zone, UTC by default."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the active time zone (the user's, see _AuditPage.dispatch)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Recorded facts that are not fields of the object's model.
EXTRA_LABELS = {
    "documents": _("receipts and invoices"),
    "reversed_by": _("reversed by"),
}


# The amounts the audited models keep in minor units (every platform currency has two decimals),
# shown in major units under a label without the "(in fen/cents)" of their form fields.
MONEY_FIELDS = {"amount": _("amount"), "goal_amount": _("goal")}


def _field(object_type: str, name: str):
    """The model field a change names; None for reverse relations and recorded facts."""
    try:
        field = apps.get_model(MODELS[object_type])._meta.get_field(name)
    except (KeyError, LookupError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None


def _value(field, value, members: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(field, item, members) for item in value) or "—"
    if field is not None and field.name in MONEY_FIELDS and isinstance(value, int):
        # Stored in minor units (fen); an auditor reads 13,000.00, never 1300000.
        return format_money(value, "")
    if field is not None and field.name == "user" and value in members:
        return members[value]
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and "T" in value:
        moment = parse_datetime(value)
        if moment is not None:
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    return str(value)


def describe_changes(entry, members: dict) -> list[dict]:
    """Each change as a field label and its old and new values, ready to show."""
    rows = []
    for name, change in entry.changes.items():
        field = _field(entry.object_type, name)
        if name in MONEY_FIELDS:
            label = str(MONEY_FIELDS[name])
        elif field is not None:
            label = str(field.verbose_name)
        else:
            label = str(EXTRA_LABELS.get(name, name.replace("_", " ")))
        if change == CHANGED:
            rows.append({"field": label, "changed": True})
        else:
            old, new = change
            rows.append(
                {
                    "field": label,
                    "old": _value(field, old, members),
                    "new": _value(field, new, members),
                }
            )
    return rows


def _members(entries) -> dict[int, str]:
    """Names of the members that membership entries name by user id: one query, at most."""
    ids = {
        user_id
        for entry in entries
        if entry.object_type == AuditObjectType.MEMBERSHIP
        for user_id in entry.changes.get("user", ())
        if isinstance(user_id, int)
    }
    if not ids:
        return {}
    return {user.pk: user.public_name for user in User.objects.filter(pk__in=ids)}


class _AuditPage(StaffAdminPage):
    header_icon = "history"
    section_index = "audit:index"
    section_label = _("Audit trail")

    def dispatch(self, request, *args, **kwargs):
        self.organizations = selectors.audit_organizations(user=request.user)
        if not self.organizations:
            raise PermissionDenied
        self.zone = _zone(request.user)
        with timezone.override(self.zone):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    @cached_property
    def form(self):
        return AuditFilterForm(self.request.GET or None, organizations=self.organizations)

    def entries(self):
        """The filtered entries; none when the filter is invalid (e.g. another organization)."""
        form = self.form
        if not form.is_bound:
            return selectors.audit_entries(organizations=self.organizations)
        if not form.is_valid():
            return AuditEntry.objects.none()
        data = form.cleaned_data
        return selectors.audit_entries(
            organizations=[data["organization"]] if data["organization"] else self.organizations,
            object_type=data["object_type"],
            actor=data["actor"],
            since=_start_of(data["since"]) if data["since"] else None,
            until=(
                _start_of(data["until"] + datetime.timedelta(days=1)) if data["until"] else None
            ),
        )


class AuditIndexView(_AuditPage, TemplateView):
    template_name = "cms/admin/audit/index.html"
    page_title = _("Audit trail")

    def get_breadcrumbs_items(self):
        return [*self.section_breadcrumbs()[:1], {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        page = Paginator(self.entries(), PAGE_SIZE).get_page(self.request.GET.get("p"))
        members = _members(page.object_list)
        rows = [
            {"entry": entry, "changes": describe_changes(entry, members)}
            for entry in page.object_list
        ]
        query = self.request.GET.copy()
        query.pop("p", None)
        return super().get_context_data(
            form=self.form,
            page=page,
            rows=rows,
            query=query.urlencode(),
            show_organization=len(self.organizations) > 1,
            time_zone=timezone.get_current_timezone_name(),
            **kwargs,
        )


class AuditExportView(_AuditPage, TemplateView):
    def get(self, request, *args, **kwargs):
        header = [
            "time",
            "organization",
            "who",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object",
            "changes",
        ]

        def rows():
            yield header
            for entry in self.entries().iterator(chunk_size=500):
                yield [
                    entry.created.astimezone(self.zone).isoformat(),
                    entry.organization.name,
                    entry.actor.public_name if entry.actor else "",
                    entry.action,
                    entry.get_action_display(),
                    entry.object_type,
                    entry.object_id,
                    entry.object_label,
                    json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
                ]

        return streamed_csv(rows(), filename="audit-trail.csv")


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        # From the roles and email check the other menu items have already cached on the user.
        user = request.user
        return (
            user.is_active
            and Role.OWNER in roles_by_organization(user).values()
            and _has_verified_email(user)
        )


@hooks.register("register_admin_urls")
def register_audit_urls():
    urls = [
        path("", AuditIndexView.as_view(), name="index"),
        path("export.csv", AuditExportView.as_view(), name="export"),
    ]
    return [path("audit/", include((urls, "audit"), namespace="audit"))]


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    return AuditMenuItem(_("Audit trail"), reverse("audit:index"), icon_name="history", order=900)
