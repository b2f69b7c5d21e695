"""Accounts, organizations and who may act for them.

Data and the invariants the database can hold; every change goes through charity.services.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import (
    CIVIL_AFFAIRS,
    FOUNDATION_CATEGORY,
    SOCIAL_ORGANIZATION_CATEGORIES,
    normalize_credit_code,
    validate_credit_code,
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person: donor, volunteer, organization staff or platform admin. Logs in by email."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.DEFAULT_USER_TIME_ZONE,
        validators=[validate_time_zone],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        """What other people see: the chosen name, else the part of the address before the @."""
        return self.display_name or self.get_full_name() or self.email.split("@")[0]


class LegalForm(models.TextChoices):
    """The legal forms of charity organizations, as the 2016 spending rules distinguish them."""

    FOUNDATION = "foundation", _("Foundation")
    SOCIAL_ORGANIZATION = "social_organization", _("Social organization or social service agency")


class Organization(models.Model):
    """A charity organization (慈善组织) registered with the civil affairs authorities."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("web address name"), max_length=60, unique=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("The 18-character code on the registration certificate."),
    )
    has_public_fundraising = models.BooleanField(
        _("has public fundraising qualification"), default=False
    )
    public_fundraising_certificate = models.CharField(
        _("public fundraising certificate number"), max_length=64, blank=True
    )
    logo = models.ImageField(_("logo"), upload_to="organizations/logos/", blank=True)
    description = models.TextField(_("description"), blank=True)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        permissions = [("verify_organization", _("Can verify organizations"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_public_fundraising=False) | ~Q(public_fundraising_certificate=""),
                name="organization_fundraising_needs_certificate",
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True, verified_by__isnull=True)
                | Q(verified_at__isnull=False, verified_by__isnull=False),
                name="organization_verified_by_whom",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def legal_form(self) -> str | None:
        """Read off the credit code, which names the registering authority and the kind of
        organization; None when the code is not a civil affairs registration of a known kind."""
        code = normalize_credit_code(self.credit_code)
        if code[:1] != CIVIL_AFFAIRS:
            return None
        if code[1:2] == FOUNDATION_CATEGORY:
            return LegalForm.FOUNDATION
        if code[1:2] in SOCIAL_ORGANIZATION_CATEGORIES:
            return LegalForm.SOCIAL_ORGANIZATION
        return None

    def clean(self):
        self.credit_code = normalize_credit_code(self.credit_code)
        if self.has_public_fundraising and not self.public_fundraising_certificate.strip():
            raise ValidationError(
                {
                    "public_fundraising_certificate": _(
                        "An organization with the public fundraising qualification must give "
                        "its certificate number."
                    )
                }
            )


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    FINANCE = "finance", _("Finance")
    COORDINATOR = "coordinator", _("Volunteer coordinator")
    EDITOR = "editor", _("Editor")


class Membership(models.Model):
    """A user's role in one organization. One role per person per organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_user_and_org"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timezone.timedelta(days=14)


class Invitation(models.Model):
    """An emailed offer to join an organization in a role; accepted by the owner of the address."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), default=_invitation_expiry)
    # The email goes out in the language the inviter was using.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_and_org",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.get_role_display()})"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
