"""Forms of the domain objects' admin views (imported once the apps are loaded)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from charity.models import BeneficiaryGroup, Project, ProjectStatus
from charity.permissions import can
from charity.regions import region_choices

from .permission_policies import organizations_where


class YuanField(forms.DecimalField):
    """An amount typed in yuan, cleaned to fen (the minor units money is kept in)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=Decimal("0.01"), max_digits=14, decimal_places=2, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


class ProjectForm(WagtailAdminModelForm):
    """A project's money side, edited by its organization's staff; saved through charity.services."""

    goal = forms.DecimalField(
        label=_("Goal"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("In the project's currency, e.g. 200000.00"),
    )
    region = forms.ChoiceField(label=_("Region"), choices=region_choices)
    beneficiary_groups = forms.ModelMultipleChoiceField(
        label=_("Beneficiary groups"),
        queryset=BeneficiaryGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices, required=False)

    class Meta:
        model = Project
        fields = [
            "organization",
            "title",
            "currency",
            "fundraising_starts_at",
            "fundraising_ends_at",
            "region",
            "beneficiary_groups",
            "public_fundraising_filing_number",
            "is_featured",
            "is_urgent",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["organization"].queryset = organizations_where(for_user, "project.edit")
        if self.instance.pk:
            self.fields["goal"].initial = Decimal(self.instance.goal_amount) / 100
            self.fields["status"].initial = self.instance.status
            # A project stays with the organization that raised money for it.
            self.fields["organization"].disabled = True
        else:
            del self.fields["status"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("goal") is not None:
            self.instance.goal_amount = int(cleaned["goal"] * 100)
        status = cleaned.get("status")
        if self.instance.pk and status and status != self.instance.status:
            action = "project.publish" if status == ProjectStatus.FUNDRAISING else "project.edit"
            if not can(self.for_user, action, self.instance.organization):
                self.add_error(
                    "status",
                    _(
                        "Only the owner of a verified organization can open a project for fundraising."
                    ),
                )
        return cleaned

    def project_fields(self) -> dict:
        names = (
            "title",
            "currency",
            "fundraising_starts_at",
            "fundraising_ends_at",
            "region",
            "public_fundraising_filing_number",
            "is_featured",
            "is_urgent",
        )
        fields = {name: self.cleaned_data[name] for name in names}
        fields["goal_amount"] = int(self.cleaned_data["goal"] * 100)
        return fields
