"""The one place that decides what a person may do for an organization.

Every service calls `can()` (or `require()`) with an action from ACTIONS. An action names the roles
that hold it and whether the organization must be verified first. Owners hold every action.
Nobody acts for an organization before proving their email address.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, Role


@dataclass(frozen=True)
class Action:
    roles: frozenset[str]
    needs_verified_org: bool = False


def _action(*roles: Role, verified: bool = False) -> Action:
    return Action(roles=frozenset({Role.OWNER, *roles}), needs_verified_org=verified)


ACTIONS: dict[str, Action] = {
    # The organization itself
    "organization.view_dashboard": _action(Role.FINANCE, Role.COORDINATOR, Role.EDITOR),
    "organization.edit": _action(),
    "membership.view": _action(Role.FINANCE, Role.COORDINATOR, Role.EDITOR),
    "membership.manage": _action(),
    # Who changed what: the organization's owners only (platform staff read it in Django admin).
    "audit.view": _action(),
    # Published pages: editors draft and submit, the owner approves what goes live
    "page.edit": _action(Role.EDITOR),
    "page.publish": _action(verified=True),
    "project.edit": _action(Role.EDITOR, Role.FINANCE),
    "project.publish": _action(verified=True),
    # Money
    "donation.view": _action(Role.FINANCE),
    "donation.record": _action(Role.FINANCE, verified=True),
    "donation.refund": _action(Role.FINANCE, verified=True),
    "expenditure.create": _action(Role.FINANCE, verified=True),
    "expenditure.approve": _action(Role.FINANCE, verified=True),
    "report.publish": _action(Role.FINANCE, verified=True),
    # Volunteers
    "shift.manage": _action(Role.COORDINATOR, verified=True),
    "volunteer.view_contact": _action(Role.COORDINATOR),
    # A certificate the organization issued is withdrawn only by its owner.
    "certificate.revoke": _action(),
}


def _has_verified_email(user) -> bool:
    cached = getattr(user, "_shanxin_email_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
        user._shanxin_email_verified = cached
    return cached


def roles_by_organization(user) -> dict[int, str]:
    """Organization id → the user's role there; cached on the user object for the request."""
    cached = getattr(user, "_shanxin_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
        user._shanxin_roles = cached
    return cached


def forget_cached_roles(user) -> None:
    for attr in ("_shanxin_roles", "_shanxin_email_verified"):
        if hasattr(user, attr):
            delattr(user, attr)


def role_in(user, organization: Organization) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return roles_by_organization(user).get(organization.pk)


def can(user, action: str, organization: Organization) -> bool:
    """Whether `user` may perform `action` for `organization`."""
    try:
        rule = ACTIONS[action]
    except KeyError:
        raise ValueError(f"Unknown organization action {action!r}") from None
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if rule.needs_verified_org and not organization.is_verified:
        return False
    if user.is_superuser:
        return True
    role = role_in(user, organization)
    return role in rule.roles and _has_verified_email(user)


def require(user, action: str, organization: Organization) -> None:
    """Raise PermissionDenied with a reason the user can act on unless `can()` allows it."""
    if can(user, action, organization):
        return
    if ACTIONS[action].needs_verified_org and not organization.is_verified:
        raise PermissionDenied(
            _(
                "%(org)s is not verified yet; this becomes possible once a platform administrator verifies it."
            )
            % {"org": organization.name}
        )
    raise PermissionDenied(
        _("Your role in %(org)s does not allow this.") % {"org": organization.name}
    )
