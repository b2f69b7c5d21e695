"""The coordinator's assignment pages: propose, review, edit, confirm; declare an emergency."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from charity.models import Organization
from charity.permissions import can

from . import selectors_matching, services_matching
from .exceptions import VolunteerError
from .forms_matching import PlacementAddForm, ProposalForm, SurgeForm
from .models import AssignmentProposal, Shift, SurgeDeclaration, VolunteerProfile


def _organization(request, slug) -> Organization:
    """The organization, for its coordinators only; anyone else gets a 404, not a hint."""
    organization = get_object_or_404(Organization, slug=slug)
    if not can(request.user, "shift.manage", organization):
        raise Http404
    return organization


def _proposal(request, slug, pk) -> AssignmentProposal:
    organization = _organization(request, slug)
    return get_object_or_404(
        AssignmentProposal.objects.select_related("organization", "created_by"),
        pk=pk,
        organization=organization,
    )


def _error_text(error: VolunteerError) -> str:
    return " ".join(error.messages)


@login_required
def assignments(request, slug):
    organization = _organization(request, slug)
    proposal_form = ProposalForm.next_week()
    surge_form = SurgeForm()
    if request.method == "POST":
        if "surge" in request.POST:
            surge_form = SurgeForm(request.POST)
            if surge_form.is_valid():
                try:
                    services_matching.surge_declare(
                        actor=request.user, organization=organization, **surge_form.cleaned_data
                    )
                except VolunteerError as error:
                    messages.error(request, _error_text(error))
                else:
                    messages.success(
                        request,
                        _("Emergency declared. Volunteers open to placement there are alerted."),
                    )
                    return redirect("volunteers_matching:assignments", slug=slug)
        else:
            proposal_form = ProposalForm(request.POST)
            if proposal_form.is_valid():
                try:
                    proposal = services_matching.assignment_proposal_request(
                        actor=request.user,
                        organization=organization,
                        starts_at=proposal_form.cleaned_data["starts_at"],
                        ends_at=proposal_form.cleaned_data["ends_at"],
                    )
                except VolunteerError as error:
                    messages.error(request, _error_text(error))
                else:
                    return redirect("volunteers_matching:proposal", slug=slug, pk=proposal.pk)
    return render(
        request,
        "volunteers/assignments.html",
        {
            "organization": organization,
            "proposals": selectors_matching.proposals_for(organization),
            "surges": SurgeDeclaration.objects.filter(organization=organization)[:10],
            "proposal_form": proposal_form,
            "surge_form": surge_form,
        },
    )


@login_required
def proposal(request, slug, pk):
    proposal = _proposal(request, slug, pk)
    reviews = selectors_matching.proposal_review(proposal) if proposal.is_solved else []
    return render(
        request,
        "volunteers/proposal.html",
        {
            "organization": proposal.organization,
            "proposal": proposal,
            "summary_lines": selectors_matching.proposal_summary_lines(proposal),
            "reviews": reviews,
            "critical_short": [r for r in reviews if r.is_critical and r.short],
            "editable": proposal.status == "draft" and proposal.is_solved,
        },
    )


@login_required
def proposal_status(request, slug, pk):
    proposal = _proposal(request, slug, pk)
    return JsonResponse({"solver_status": proposal.solver_status, "solved": proposal.is_solved})


def _after_edit(request, slug, pk, action):
    try:
        action()
    except VolunteerError as error:
        messages.error(request, _error_text(error))
    return redirect("volunteers_matching:proposal", slug=slug, pk=pk)


@login_required
@require_POST
def placement_remove(request, slug, pk, placement_id):
    proposal = _proposal(request, slug, pk)
    placement = get_object_or_404(proposal.placements, pk=placement_id)
    return _after_edit(
        request,
        slug,
        pk,
        lambda: services_matching.proposed_placement_remove(
            actor=request.user, placement=placement
        ),
    )


@login_required
@require_POST
def placement_add(request, slug, pk):
    proposal = _proposal(request, slug, pk)
    form = PlacementAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the volunteer's number."))
        return redirect("volunteers_matching:proposal", slug=slug, pk=pk)
    shift = get_object_or_404(
        Shift.objects.select_related("task"),
        pk=form.cleaned_data["shift"],
        task__organization=proposal.organization,
    )
    volunteer = VolunteerProfile.objects.filter(
        volunteer_number=form.cleaned_data["volunteer_number"].strip().upper()
    ).first()
    if volunteer is None:
        messages.error(request, _("There is no volunteer with that number."))
        return redirect("volunteers_matching:proposal", slug=slug, pk=pk)

    def add():
        services_matching.proposed_placement_add(
            actor=request.user, proposal=proposal, shift=shift, volunteer=volunteer
        )
        messages.success(request, _("Added to the proposal."))

    return _after_edit(request, slug, pk, add)


@login_required
@require_POST
def proposal_confirm(request, slug, pk):
    proposal = _proposal(request, slug, pk)

    def confirm():
        counts = services_matching.assignment_proposal_confirm(
            actor=request.user, proposal=proposal
        )
        messages.success(
            request,
            _("Confirmed: %(confirmed)d placed and notified, %(refused)d could not be placed.")
            % counts,
        )

    return _after_edit(request, slug, pk, confirm)


@login_required
@require_POST
def proposal_discard(request, slug, pk):
    proposal = _proposal(request, slug, pk)
    return _after_edit(
        request,
        slug,
        pk,
        lambda: services_matching.assignment_proposal_discard(
            actor=request.user, proposal=proposal
        ),
    )
