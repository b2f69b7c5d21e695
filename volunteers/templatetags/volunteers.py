from django import template

from volunteers.models import CertificateKind

register = template.Library()


@register.filter
def certificate_label(kind: str) -> str:
    """The name of a certificate kind in the active language (an unknown code as it is)."""
    try:
        return CertificateKind(kind).label
    except ValueError:
        return kind
