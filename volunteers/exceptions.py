"""Domain errors raised by volunteers services. Views turn them into messages or form errors."""

from django.core.exceptions import ValidationError


class VolunteerError(ValidationError):
    """A request that breaks a rule of volunteering (sign-up rules, transitions); nothing changed."""
