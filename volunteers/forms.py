"""Volunteers' own forms. They parse input only; the services check the rules and save."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from charity.regions import region_choices
from charity.text_language import LanguageMarkingSelect

from .models import CertificateKind, Skill, Urgency, VolunteerProfile
from .services import PROFILE_FIELDS

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
# Time ranges offered per weekday (more when a saved profile already has more on that day).
RANGES_PER_DAY = 2

# Profile fields whose model errors belong to a differently named form field.
ERROR_FIELDS = {"consent_at": "consent", "guardian_consent_at": "guardian_consent"}


class _TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _availability_field_names(weekday: int, index: int) -> tuple[str, str]:
    return f"day{weekday}_from{index}", f"day{weekday}_to{index}"


class VolunteerProfileForm(forms.Form):
    """The volunteer's own profile. Weekly availability is edited as weekday rows of time ranges
    and saved as the list of periods that VolunteerProfile.availability holds."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only coordinators of shifts you are confirmed for can see it."),
    )
    district = forms.ChoiceField(
        label=_("District"),
        help_text=_("Where you live or can volunteer."),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, e.g. zh, yue, en."),
    )
    max_hours_per_week = forms.IntegerField(
        label=_("Maximum hours per week"), min_value=1, max_value=80, initial=8
    )
    emergency_contact_name = forms.CharField(label=_("Emergency contact"), max_length=80)
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact's phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=_DateInput(),
        help_text=_("Volunteers under 18 need a guardian's consent."),
    )
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=80, required=False)
    guardian_phone = forms.CharField(
        label=_("Guardian's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    guardian_consent = forms.BooleanField(
        label=_("My guardian has agreed that I volunteer and that my details are used for it."),
        required=False,
    )
    open_to_placement = forms.BooleanField(
        label=_("Coordinators may propose me for shifts that fit my skills and availability"),
        required=False,
        help_text=_("You are asked before anything is confirmed."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that organizations I sign up with may use these details to organize "
            "volunteering, and that my phone and emergency contact are shown only to "
            "coordinators of shifts I am confirmed for."
        ),
        required=False,
    )

    def __init__(self, *args, profile: VolunteerProfile | None = None, **kwargs):
        self.profile = profile
        if profile is not None and "initial" not in kwargs:
            kwargs["initial"] = _initial(profile)
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "—"), *region_choices()]
        if profile is not None:
            del self.fields["consent"]  # given when the profile was created
            if profile.guardian_consent_at is not None:
                self.fields["guardian_consent"].initial = True
        counts = {}
        for period in (profile.availability if profile else []) or []:
            counts[period["weekday"]] = counts.get(period["weekday"], 0) + 1
        self.ranges_per_day = max([RANGES_PER_DAY, *counts.values()])
        for weekday in range(7):
            for index in range(self.ranges_per_day):
                start, end = _availability_field_names(weekday, index)
                label = WEEKDAYS[weekday]
                self.fields[start] = forms.TimeField(
                    label=pgettext_lazy("time range", "%(day)s from") % {"day": label},
                    required=False,
                    widget=_TimeInput(),
                )
                self.fields[end] = forms.TimeField(
                    label=pgettext_lazy("time range", "%(day)s until") % {"day": label},
                    required=False,
                    widget=_TimeInput(),
                )

    def availability_rows(self):
        """[(weekday name, [(from field, until field), …]), …] Monday first."""
        return [
            (
                WEEKDAYS[weekday],
                [
                    tuple(self[name] for name in _availability_field_names(weekday, index))
                    for index in range(self.ranges_per_day)
                ],
            )
            for weekday in range(7)
        ]

    def availability_errors(self):
        return [
            error
            for name, errors in self.errors.items()
            if name.startswith("day") or name == "availability"
            for error in errors
        ]

    def clean_languages(self):
        text = self.cleaned_data["languages"].replace("，", ",")
        return [code.strip().lower() for code in text.split(",") if code.strip()]

    def clean(self):
        cleaned = super().clean()
        if self.profile is None and not cleaned.get("consent"):
            self.add_error("consent", _("Agree to the use of your details to become a volunteer."))
        periods = []
        for weekday in range(7):
            for index in range(self.ranges_per_day):
                start_name, end_name = _availability_field_names(weekday, index)
                start, end = cleaned.get(start_name), cleaned.get(end_name)
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        start_name if start is None else end_name,
                        _("%(day)s: give both a start and an end time.")
                        % {"day": WEEKDAYS[weekday]},
                    )
                    continue
                if end <= start and end != datetime.time(0, 0):
                    self.add_error(
                        end_name,
                        _("%(day)s: the end time must be after the start time.")
                        % {"day": WEEKDAYS[weekday]},
                    )
                    continue
                periods.append(
                    {
                        "weekday": weekday,
                        "start": start.strftime("%H:%M"),
                        # An end of 00:00 means until midnight.
                        "end": "24:00" if end == datetime.time(0, 0) else end.strftime("%H:%M"),
                    }
                )
        cleaned["availability"] = periods
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        # The profile fields this form edits (coordinates are not asked for here).
        fields = {name: data[name] for name in PROFILE_FIELDS if name in data}
        fields["phone"] = fields["phone"].strip()
        return {
            **fields,
            "skills": [skill.code for skill in data["skills"]],
            "consent": data.get("consent", False),
            "guardian_consent": data["guardian_consent"],
        }

    def add_service_errors(self, error) -> None:
        """Put a service's ValidationError on the fields it names (or the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            name = ERROR_FIELDS.get(name, name)
            if name == "availability":
                name = _availability_field_names(0, 0)[0]
            self.add_error(name if name in self.fields else None, errors)


def _initial(profile: VolunteerProfile) -> dict:
    initial = {
        "phone": profile.phone,
        "district": profile.district,
        "skills": list(profile.skills.all()),
        "languages": ", ".join(profile.languages),
        "max_hours_per_week": profile.max_hours_per_week,
        "emergency_contact_name": profile.emergency_contact_name,
        "emergency_contact_phone": profile.emergency_contact_phone,
        "birth_date": profile.birth_date,
        "guardian_name": profile.guardian_name,
        "guardian_phone": profile.guardian_phone,
        "open_to_placement": profile.open_to_placement,
    }
    index = {}
    for period in sorted(profile.availability, key=lambda p: (p["weekday"], p["start"])):
        weekday = period["weekday"]
        start, end = _availability_field_names(weekday, index.get(weekday, 0))
        index[weekday] = index.get(weekday, 0) + 1
        initial[start] = period["start"]
        initial[end] = "00:00" if period["end"] == "24:00" else period["end"]
    return initial


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Certificate"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("Certificate number"), max_length=64, required=False)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=_DateInput(),
        help_text=_("Leave empty if it never expires."),
    )

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError(_("This certificate has already expired."))
        return expires_on


class OpportunityFilterForm(forms.Form):
    """The opportunities page's filters; choices come from volunteers.selectors."""

    # District and organization names exist in Chinese only: their options say so on English pages.
    district = forms.ChoiceField(label=_("District"), required=False, widget=LanguageMarkingSelect)
    skill = forms.ChoiceField(label=_("Skill needed"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=_DateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=_DateInput())
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    organization = forms.ChoiceField(
        label=_("Organization"), required=False, widget=LanguageMarkingSelect
    )
    for_me = forms.BooleanField(label=_("Only shifts for me"), required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("All"))]
        self.fields["district"].choices = everyone + choices["districts"]
        self.fields["skill"].choices = everyone + [
            (skill.code, skill.name) for skill in choices["skills"]
        ]
        self.fields["urgency"].choices = everyone + Urgency.choices
        self.fields["organization"].choices = everyone + choices["organizations"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned
