import zoneinfo
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import DonationFrequency, Organization, Role, User
from .templatetags.money import format_money
from .validators import normalize_credit_code


class OrganizationRegistrationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = [
            "name",
            "slug",
            "credit_code",
            "has_public_fundraising",
            "public_fundraising_certificate",
            "contact_email",
            "contact_phone",
            "address",
            "website",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "slug": _("Lower-case letters, digits and hyphens; used in your pages' addresses."),
        }

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data["credit_code"])


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def _time_zone_choices():
    common = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Urumqi", "UTC"]
    rest = sorted(zoneinfo.available_timezones() - set(common))
    return [(zone, zone) for zone in common + rest]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )

    class Meta:
        model = User
        fields = ["display_name", "preferred_language", "time_zone"]


class DonationForm(forms.Form):
    """What a donor chooses; the amount is checked again by the service, in minor units."""

    preset = forms.TypedChoiceField(
        label=_("Amount"), coerce=int, required=False, widget=forms.RadioSelect
    )
    custom_amount = forms.DecimalField(
        label=_("Other amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=DonationFrequency.choices,
        initial=DonationFrequency.ONE_OFF,
        widget=forms.RadioSelect,
    )
    donor_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    donor_email = forms.EmailField(
        label=_("Your email"),
        required=False,
        help_text=_("Your receipt is sent here."),
    )
    is_anonymous = forms.BooleanField(
        label=_("Give anonymously"),
        required=False,
        help_text=_("Your name is never shown on any public page."),
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.user = user
        self.fields["preset"].choices = [
            (amount, format_money(amount, project.currency))
            for amount in settings.DONATION_PRESET_AMOUNTS
        ]
        self.fields["preset"].initial = settings.DONATION_PRESET_AMOUNTS[1]
        if user.is_authenticated:
            del self.fields["donor_email"]
            self.fields["donor_name"].initial = user.display_name or user.get_full_name()
        else:
            self.fields["donor_name"].required = True
            self.fields["donor_email"].required = True

    def clean(self):
        cleaned = super().clean()
        custom = cleaned.get("custom_amount")
        if custom is not None:
            cleaned["amount"] = int(custom * 100)
        elif cleaned.get("preset"):
            cleaned["amount"] = cleaned["preset"]
        elif "custom_amount" not in self.errors:
            self.add_error("custom_amount", _("Choose an amount or enter your own."))
        return cleaned
