"""Service certificates: a volunteer's approved hours for one organization over a period, frozen
when issued, with a public verification code. Issued and revoked through volunteers.certificates.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .profiles import VolunteerProfile

# No 0/O or 1/I/L: people type the code from paper.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VERIFICATION_LENGTH = 16  # 31**16 ≈ 2**79: not guessable, even by a patient crawler


def _verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_LENGTH))


def mask_name(name: str) -> str:
    """A name as a stranger may see it: each word keeps its first (and, from three characters,
    its last) character, e.g. 张小明 → 张*明, 李静 → 李*."""
    masked = []
    for word in name.split():
        if len(word) == 1:
            masked.append(word)
        elif len(word) == 2:
            masked.append(word[0] + "*")
        else:
            masked.append(word[0] + "*" * (len(word) - 2) + word[-1])
    return " ".join(masked)


class ServiceCertificate(models.Model):
    """Proof of service (志愿服务证明) an organization gives for approved hours.

    What it states is copied in when it is issued (name, hours, content), so a later change of
    name or hours does not alter a certificate already handed out; a wrong one is revoked.
    """

    volunteer = models.ForeignKey(
        VolunteerProfile,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="service_certificates",
    )
    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="service_certificates",
    )
    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    verification_code = models.CharField(
        _("verification code"),
        max_length=VERIFICATION_LENGTH,
        unique=True,
        default=_verification_code,
        editable=False,
    )
    volunteer_name = models.CharField(_("volunteer's name"), max_length=80)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    minutes = models.PositiveIntegerField(_("minutes of service"))
    service_content = models.TextField(_("service content"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="certificate_period_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="certificate_minutes_positive"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revoked_with_reason",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def masked_name(self) -> str:
        return mask_name(self.volunteer_name)
