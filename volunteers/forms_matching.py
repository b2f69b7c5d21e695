import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charity.regions import validate_region_code

ZONE = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=ZONE)


class ProposalForm(forms.Form):
    """The window of a proposal: shifts starting from the first day through the last, local."""

    first_day = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Through"), widget=forms.DateInput(attrs={"type": "date"}))

    # Shifts are planned for the coming weeks; a far date (9999-12-31) would overflow the
    # window's end (the next midnight) before the service could refuse it.
    HORIZON = datetime.timedelta(days=3660)

    def _clean_day(self, name):
        day = self.cleaned_data[name]
        if abs(day - timezone.localdate()) > self.HORIZON:
            raise forms.ValidationError(_("Choose a day within ten years of today."))
        return day

    def clean_first_day(self):
        return self._clean_day("first_day")

    def clean_last_day(self):
        return self._clean_day("last_day")

    def clean(self):
        data = super().clean()
        if "first_day" in data and "last_day" in data:
            if data["last_day"] < data["first_day"]:
                raise forms.ValidationError(_("The last day must not be before the first."))
            data["starts_at"] = _day_start(data["first_day"])
            data["ends_at"] = _day_start(data["last_day"] + datetime.timedelta(days=1))
        return data

    @classmethod
    def next_week(cls):
        today = timezone.localdate()
        return cls(initial={"first_day": today, "last_day": today + datetime.timedelta(days=6)})


class SurgeForm(forms.Form):
    region = forms.CharField(
        label=_("Region code"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("A province, city or district code, e.g. 510107; everything inside it counts."),
    )
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PlacementAddForm(forms.Form):
    shift = forms.IntegerField(widget=forms.HiddenInput)
    volunteer_number = forms.CharField(label=_("Volunteer number"), max_length=12)
