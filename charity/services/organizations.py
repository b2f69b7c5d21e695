"""Organizations, memberships, invitations and users' preferences. One transaction each."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..audit import audit_record, changes_between, snapshot
from ..emails import email_send
from ..exceptions import CharityError
from ..models import (
    AuditAction,
    AuditObjectType,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)
from ..permissions import _has_verified_email, forget_cached_roles, require
from ..signals import membership_changed, organization_unverified, organization_verified
from ..validators import normalize_credit_code


def _announce(signal, organization: Organization) -> None:
    """Tell other layers (the CMS) once the change has committed."""
    transaction.on_commit(lambda: signal.send(sender=Organization, organization=organization))


def organization_register(
    *,
    actor: User,
    name: str,
    slug: str,
    credit_code: str,
    contact_email: str,
    has_public_fundraising: bool = False,
    public_fundraising_certificate: str = "",
    description: str = "",
    contact_phone: str = "",
    address: str = "",
    website: str = "",
) -> Organization:
    """Register an organization with `actor` as its owner. It stays unverified until a platform
    administrator checks its documents (organization_verify)."""
    if not _has_verified_email(actor):
        raise PermissionDenied(_("Verify your email address before registering an organization."))
    organization = Organization(
        name=name.strip(),
        slug=slug,
        credit_code=normalize_credit_code(credit_code),
        contact_email=contact_email,
        has_public_fundraising=has_public_fundraising,
        public_fundraising_certificate=public_fundraising_certificate.strip(),
        description=description,
        contact_phone=contact_phone,
        address=address,
        website=website,
    )
    organization.full_clean()
    with transaction.atomic():
        organization.save()
        membership = Membership.objects.create(
            user=actor, organization=organization, role=Role.OWNER
        )
        _audit_organization(
            actor,
            AuditAction.ORGANIZATION_CREATE,
            organization,
            changes_between(dict.fromkeys(ORGANIZATION_FIELDS), organization),
        )
        _audit_membership(actor, AuditAction.MEMBERSHIP_ADD, membership, old_role=None)
    forget_cached_roles(actor)
    return organization


ORGANIZATION_FIELDS = (
    "name",
    "slug",
    "credit_code",
    "has_public_fundraising",
    "public_fundraising_certificate",
    "logo",
    "description",
    "contact_email",
    "contact_phone",
    "address",
    "website",
)


def _audit_organization(actor, action, organization: Organization, changes=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=organization,
        organization=organization,
        object_type=AuditObjectType.ORGANIZATION,
        label=organization.name,
        changes=changes,
    )


def _audit_membership(actor, action, membership: Membership, *, old_role, removed=False) -> None:
    # The member is named by their user id: the owner's screen shows who that is today, and
    # nothing about the person stays in the trail if their account is erased.
    user_id = membership.user_id
    if removed:
        changes = {"user": [user_id, None], "role": [old_role, None]}
    elif old_role is None:
        changes = {"user": [None, user_id], "role": [None, membership.role]}
    else:
        changes = {"role": [old_role, membership.role]}
    audit_record(
        actor=actor,
        action=action,
        obj=membership,
        organization=membership.organization_id,
        object_type=AuditObjectType.MEMBERSHIP,
        label=f"user {user_id}",
        changes=changes,
    )


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, **fields) -> Organization:
    """Change an organization's details (fields from ORGANIZATION_FIELDS): its owners, or
    platform administrators."""
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not (actor.is_active and actor.has_perm("charity.change_organization")):
        require(actor, "organization.edit", organization)
    before = snapshot(organization, fields)
    for name, value in fields.items():
        setattr(organization, name, value)
    changes = changes_between(before, organization)
    if not changes:
        return organization
    organization.full_clean()
    organization.save(update_fields=list(changes))
    _audit_organization(actor, AuditAction.ORGANIZATION_UPDATE, organization, changes)
    return organization


def _require_platform_admin(actor: User) -> None:
    if not (actor.is_active and actor.has_perm("charity.verify_organization")):
        raise PermissionDenied(_("Only platform administrators can verify organizations."))


@transaction.atomic
def organization_verify(*, actor: User, organization: Organization) -> Organization:
    """Mark an organization verified; a no-op when it already is."""
    _require_platform_admin(actor)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.is_verified:
        return organization
    organization.verified_at = timezone.now()
    organization.verified_by = actor
    organization.save(update_fields=["verified_at", "verified_by"])
    _audit_organization(actor, AuditAction.ORGANIZATION_VERIFY, organization)
    _announce(organization_verified, organization)
    return organization


@transaction.atomic
def organization_unverify(*, actor: User, organization: Organization) -> Organization:
    _require_platform_admin(actor)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.is_verified:
        return organization
    organization.verified_at = None
    organization.verified_by = None
    organization.save(update_fields=["verified_at", "verified_by"])
    _audit_organization(actor, AuditAction.ORGANIZATION_UNVERIFY, organization)
    _announce(organization_unverified, organization)
    return organization


def _membership_add(
    *, actor: User, organization: Organization, user: User, role: str
) -> Membership:
    if role not in Role.values:
        raise CharityError(_("%(role)s is not a role.") % {"role": role}, code="unknown_role")
    membership = Membership(organization=organization, user=user, role=role)
    try:
        with transaction.atomic():
            membership.save()
            _audit_membership(actor, AuditAction.MEMBERSHIP_ADD, membership, old_role=None)
    except IntegrityError:
        raise CharityError(
            _("%(user)s is already a member of %(org)s.")
            % {"user": user.email, "org": organization.name},
            code="duplicate_membership",
        ) from None
    forget_cached_roles(user)
    _announce(membership_changed, organization)
    return membership


def membership_create(
    *, actor: User, organization: Organization, user: User, role: str
) -> Membership:
    """Add an existing user to an organization directly (owners; invitations are the usual way)."""
    require(actor, "membership.manage", organization)
    return _membership_add(actor=actor, organization=organization, user=user, role=role)


def _ensure_another_owner(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise CharityError(
            _("An organization needs at least one owner; make someone else owner first."),
            code="last_owner",
        )


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    require(actor, "membership.manage", membership.organization)
    if role not in Role.values:
        raise CharityError(_("%(role)s is not a role.") % {"role": role}, code="unknown_role")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _audit_membership(actor, AuditAction.MEMBERSHIP_CHANGE_ROLE, membership, old_role=old_role)
    forget_cached_roles(membership.user)
    _announce(membership_changed, membership.organization)
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    require(actor, "membership.manage", membership.organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership)
    pk = membership.pk
    membership.delete()
    membership.pk = pk
    _audit_membership(
        actor, AuditAction.MEMBERSHIP_REMOVE, membership, old_role=membership.role, removed=True
    )
    forget_cached_roles(membership.user)
    _announce(membership_changed, membership.organization)


def invitation_create(
    *, actor: User, organization: Organization, email: str, role: str
) -> Invitation:
    """Invite `email` to join in `role`; the email is sent by a task once the invitation is saved."""
    require(actor, "membership.manage", organization)
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise CharityError(
            _("%(email)s is already a member of %(org)s.")
            % {"email": email, "org": organization.name},
            code="already_member",
        )
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    # The one-open-invitation constraint is checked by the database below, after expired
    # invitations have been closed; validating it here would count those.
    invitation.full_clean(exclude=["token"], validate_constraints=False)
    try:
        with transaction.atomic():
            # An expired open invitation would block a new one for the same address.
            Invitation.objects.filter(
                organization=organization,
                email__iexact=email,
                accepted_at=None,
                revoked_at=None,
                expires_at__lte=timezone.now(),
            ).update(revoked_at=timezone.now())
            invitation.save()
            from ..tasks import invitation_send_email

            transaction.on_commit(lambda: invitation_send_email.delay(invitation.pk))
    except IntegrityError:
        raise CharityError(
            _("%(email)s already has an open invitation to %(org)s.")
            % {"email": email, "org": organization.name},
            code="invitation_exists",
        ) from None
    return invitation


def invitation_accept_url(invitation: Invitation) -> str:
    with translation.override(invitation.language):
        path = reverse("charity:invitation_accept", kwargs={"token": invitation.token})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@transaction.atomic
def invitation_send(*, invitation_id: int) -> bool:
    """Email an open invitation. Returns False (and sends nothing) when it is no longer open."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization", "invited_by")
        .get(pk=invitation_id)
    )
    if not invitation.is_open:
        return False
    email_send(
        template="charity/email/invitation",
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "role": invitation.get_role_display,
            "inviter": invitation.invited_by.public_name,
            "accept_url": lambda: invitation_accept_url(invitation),
        },
        to=invitation.email,
        language=invitation.language,
    )
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    """Turn an open invitation into a membership for `user`, whose verified address it was sent to."""
    try:
        invitation = (
            Invitation.objects.select_for_update().select_related("organization").get(token=token)
        )
    except Invitation.DoesNotExist:
        raise CharityError(
            _("This invitation link is not valid."), code="invitation_unknown"
        ) from None
    if not invitation.is_open:
        raise CharityError(
            _("This invitation has expired or was already used; ask for a new one."),
            code="invitation_closed",
        )
    if user.email.lower() != invitation.email.lower() or not _has_verified_email(user):
        raise CharityError(
            _(
                "This invitation was sent to %(email)s; log in with that verified address to accept it."
            )
            % {"email": invitation.email},
            code="invitation_wrong_user",
        )
    # The person accepting is who acts; the inviter is on the invitation.
    membership = _membership_add(
        actor=user, organization=invitation.organization, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require(actor, "membership.manage", invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def user_update_preferences(
    *, user: User, display_name: str, preferred_language: str, time_zone: str
) -> User:
    user.display_name = display_name.strip()
    user.preferred_language = preferred_language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "preferred_language", "time_zone"])
    return user
