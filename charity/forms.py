import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Organization, Role, User
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
