"""Domain errors raised by charity services. Views turn them into messages or form errors."""

from django.core.exceptions import ValidationError


class CharityError(ValidationError):
    """A request that breaks a rule of the domain; nothing was changed."""
