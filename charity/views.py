from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.ratelimit import rate_limited

from . import selectors, selectors_donors, services
from .exceptions import CharityError
from .forms import (
    DonationForm,
    InvitationForm,
    MembershipRoleForm,
    OrganizationRegistrationForm,
    PreferencesForm,
)
from .models import Invitation, Membership, Organization
from .permissions import can, require


def _error_text(error: CharityError) -> str:
    return " ".join(error.messages)


@login_required
def dashboard(request):
    memberships = selectors.memberships_for_user(user=request.user)
    return render(
        request,
        "charity/dashboard.html",
        {
            "memberships": memberships,
            "invitations": selectors.open_invitations_for_user(user=request.user),
            "coordinates_shifts": {
                membership.organization_id
                for membership in memberships
                if can(request.user, "shift.manage", membership.organization)
            },
        },
    )


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences were saved."))
        return redirect("charity:preferences")
    return render(request, "charity/preferences.html", {"form": form})


@login_required
def organization_register(request):
    form = OrganizationRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_register(actor=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(org)s is registered. A platform administrator will verify it shortly.")
                % {"org": organization.name},
            )
            return redirect("charity:organization_members", slug=organization.slug)
    return render(request, "charity/organization_register.html", {"form": form})


def _organization_for(request, slug: str, action: str) -> Organization:
    organization = get_object_or_404(Organization, slug=slug)
    require(request.user, action, organization)
    return organization


@login_required
def organization_members(request, slug):
    organization = _organization_for(request, slug, "membership.view")
    can_manage = can(request.user, "membership.manage", organization)
    form = InvitationForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        require(request.user, "membership.manage", organization)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except CharityError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("charity:organization_members", slug=organization.slug)
    return render(
        request,
        "charity/organization_members.html",
        {
            "organization": organization,
            "members": selectors.organization_members(organization=organization),
            "invitations": selectors.organization_open_invitations(organization=organization)
            if can_manage
            else [],
            "form": form,
            "role_form": MembershipRoleForm() if can_manage else None,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def membership_change_role(request, slug, membership_id):
    organization = _organization_for(request, slug, "membership.manage")
    membership = get_object_or_404(Membership, pk=membership_id, organization=organization)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
    else:
        try:
            services.membership_change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except CharityError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Role updated."))
    return redirect("charity:organization_members", slug=organization.slug)


@login_required
@require_POST
def membership_remove(request, slug, membership_id):
    organization = _organization_for(request, slug, "membership.manage")
    membership = get_object_or_404(Membership, pk=membership_id, organization=organization)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except CharityError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(user)s was removed.") % {"user": membership.user.email})
    return redirect("charity:organization_members", slug=organization.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    organization = _organization_for(request, slug, "membership.manage")
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("charity:organization_members", slug=organization.slug)


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization", "invited_by"), token=token
    )
    if request.method == "POST":
        try:
            membership = services.invitation_accept(user=request.user, token=token)
        except CharityError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("Welcome to %(org)s. You joined as %(role)s.")
                % {"org": membership.organization.name, "role": membership.get_role_display()},
            )
            return redirect("charity:dashboard")
    return render(request, "charity/invitation_accept.html", {"invitation": invitation})


@rate_limited("donation_start")
def donate(request, project_id):
    """The donate form of one project; a valid gift goes on to the payment page."""
    project = get_object_or_404(
        selectors.public_projects().select_related("organization"), pk=project_id
    )
    form = DonationForm(request.POST or None, project=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        donor = request.user if request.user.is_authenticated else None
        thanks = request.build_absolute_uri(
            reverse("charity:donation_thanks", kwargs={"token": "TOKEN"})
        ).replace("TOKEN", "{token}")
        try:
            started = services.donation_checkout_start(
                project=project,
                amount=data["amount"],
                frequency=data["frequency"],
                donor=donor,
                donor_name=data["donor_name"],
                donor_email=data.get("donor_email") or "",
                is_anonymous=data["is_anonymous"],
                message=data["message"],
                language=translation.get_language(),
                success_url=thanks,
                cancel_url=request.build_absolute_uri(request.path),
            )
        except CharityError as error:
            form.add_error(None, _error_text(error))
        else:
            return redirect(started.redirect_url)
    return render(
        request,
        "charity/donate.html",
        {
            "project": project,
            "form": form,
            "accepting": project.accepts_donations(),
            "project_page": selectors_donors.project_pages_by_project(
                project_ids=[project.pk], language_code=translation.get_language()
            ).get(project.pk),
            "test_gateway": settings.STRIPE_TEST_GATEWAY,
        },
    )
