"""Volunteers: who they are, what they can do, when they are free, and their consent.

Data and the invariants the database can hold; every change goes through volunteers.services.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from charity.regions import region_full_name, validate_region_code

# Adults may consent for themselves; younger volunteers need a guardian's consent too.
AGE_OF_CONSENT = 18

validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 -]{5,19}$",
    message=_("Enter a phone number of digits, optionally starting with + (e.g. 13800138000)."),
)


def _volunteer_number() -> str:
    # Random rather than sequential: the number is shown on certificates and must not reveal
    # how many volunteers there are. The unique constraint catches the rare collision.
    return f"V{secrets.randbelow(10**9):09d}"


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


def validate_languages(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(code, str) and 2 <= len(code) <= 16 for code in value
    ):
        raise ValidationError(
            _("Languages must be a list of language codes such as zh, yue or en."),
            code="languages",
        )


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60 or int(minutes) >= 60:
        raise ValueError(text)
    return value


def validate_availability(value) -> None:
    """A list of {"weekday": 0–6 (Monday is 0), "start": "HH:MM", "end": "HH:MM"}, local time."""
    error = ValidationError(
        _(
            "Availability must be a list of weekly periods, each with a weekday (0 = Monday) "
            "and a start and end time (HH:MM) where the end is after the start."
        ),
        code="availability",
    )
    if not isinstance(value, list):
        raise error
    for period in value:
        if not isinstance(period, dict) or set(period) != {"weekday", "start", "end"}:
            raise error
        if not isinstance(period["weekday"], int) or not 0 <= period["weekday"] <= 6:
            raise error
        try:
            if _minutes(period["end"]) <= _minutes(period["start"]):
                raise error
        except (AttributeError, ValueError):
            raise error from None


class Skill(models.Model):
    """Something a volunteer can do and a relief task may need (e.g. cooking, sign language)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if language.startswith("zh") else self.name_en


class CertificateKind(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    SOCIAL_WORKER = "social_worker", _("Licensed social worker")
    DRIVER = "driver", _("Driving licence")
    MEDICAL = "medical", _("Medical practitioner")
    PSYCHOLOGICAL = "psychological", _("Psychological counsellor")
    FOOD_SAFETY = "food_safety", _("Food safety")


class VolunteerProfile(models.Model):
    """One person's volunteer record. Contact details are private (see selectors)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
    )
    volunteer_number = models.CharField(
        _("volunteer number"), max_length=12, unique=True, default=_volunteer_number, editable=False
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), related_name="volunteers", blank=True
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        validators=[validate_languages],
        help_text=_("Language codes, e.g. zh, yue, en."),
    )
    district = models.CharField(
        _("district"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("Administrative division code of where the volunteer lives or can serve."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    availability = models.JSONField(
        _("weekly availability"),
        default=list,
        blank=True,
        validators=[validate_availability],
        help_text=_("Weekly periods in local time, e.g. Saturday 09:00–17:00."),
    )
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("maximum hours per week"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(80)],
    )
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=80)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=20, validators=[validate_phone]
    )
    consent_at = models.DateTimeField(
        _("consented to data use at"),
        help_text=_("When the volunteer agreed that organizations may use these details."),
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    guardian_name = models.CharField(_("guardian's name"), max_length=80, blank=True)
    guardian_phone = models.CharField(
        _("guardian's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    guardian_consent_at = models.DateTimeField(_("guardian consented at"), null=True, blank=True)
    open_to_placement = models.BooleanField(
        _("open to being placed"),
        default=False,
        help_text=_(
            "Coordinators may propose you for shifts that fit your skills and availability; "
            "you are told before anything is confirmed."
        ),
    )
    # The secret part of the volunteer's private calendar feed URL; replaced to revoke the feed.
    calendar_token = models.CharField(
        max_length=40, unique=True, default=_calendar_token, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_hours_per_week__gte=1), name="volunteer_max_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="volunteer_coordinates_both_or_neither",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.volunteer_number})"

    @property
    def district_full_name(self) -> str:
        return region_full_name(self.district)

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def is_minor(self, day: datetime.date | None = None) -> bool:
        age = self.age_on(day or timezone.localdate())
        return age is not None and age < AGE_OF_CONSENT

    def clean(self):
        errors = {}
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = _("The date of birth cannot be in the future.")
        elif self.is_minor():
            if not self.guardian_name.strip():
                errors["guardian_name"] = _("A volunteer under 18 must name a guardian.")
            if not self.guardian_phone.strip():
                errors["guardian_phone"] = _("A volunteer under 18 must give a guardian's phone.")
            if self.guardian_consent_at is None:
                errors["guardian_consent_at"] = _(
                    "A volunteer under 18 needs their guardian's consent."
                )
        if errors:
            raise ValidationError(errors)


class VolunteerCertificate(models.Model):
    """A qualification a volunteer holds; tasks may require one that is valid on the shift's day."""

    profile = models.ForeignKey(
        VolunteerProfile,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=64, blank=True)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty if it never expires.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer certificate")
        verbose_name_plural = _("volunteer certificates")
        ordering = ["kind", "-expires_on"]
        indexes = [models.Index(fields=["profile", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.profile}"

    def is_valid_on(self, day: datetime.date) -> bool:
        """Valid through the whole of `day` (the expiry date itself is the last valid day)."""
        return self.expires_on is None or self.expires_on >= day
