"""Matching with the database: recommendations, proposals (solve, review, edit, confirm through the
sign-up service), permissions, emergencies and the command line."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from charity.models import Role
from tests.factories import OrganizationFactory
from volunteers import services, services_matching
from volunteers.models import (
    AssignmentProposal,
    CertificateKind,
    PlacementOutcome,
    ProposalStatus,
    ProposedPlacement,
    ShiftSignup,
    SignupStatus,
    SolverStatus,
    Urgency,
)
from volunteers.selectors_matching import matching_problem, shift_recommendations

from .factories import (
    ReliefTaskFactory,
    ShiftFactory,
    SkillFactory,
    VolunteerCertificateFactory,
    VolunteerProfileFactory,
)

ALWAYS = [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]


def _window():
    start = timezone.now()
    return start, start + datetime.timedelta(days=7)


def _placeable(**fields):
    return VolunteerProfileFactory(open_to_placement=True, availability=ALWAYS, **fields)


def _propose(actor, organization, django_capture_on_commit_callbacks):
    starts_at, ends_at = _window()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services_matching.assignment_proposal_request(
            actor=actor, organization=organization, starts_at=starts_at, ends_at=ends_at
        )
    proposal.refresh_from_db()
    return proposal


# --- Recommendations ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_recommendations_rank_urgent_near_short_staffed_shifts_first_and_say_why(organization):
    driver = SkillFactory(code="driving", name_en="driving", name_zh="驾驶")
    profile = VolunteerProfileFactory(district="510107", skills=[driver])
    critical_near = ShiftFactory(
        task=ReliefTaskFactory(
            organization=organization,
            urgency=Urgency.CRITICAL,
            district="510107",
            required_skills=[driver],
        ),
        capacity=8,
    )
    normal_city = ShiftFactory(
        task=ReliefTaskFactory(organization=organization, district="510104"), capacity=8
    )
    other_province = ShiftFactory(
        task=ReliefTaskFactory(organization=organization, district="110101")
    )
    needs_medic = ShiftFactory(
        task=ReliefTaskFactory(
            organization=organization,
            district="510107",
            required_certificates=[CertificateKind.MEDICAL],
        )
    )
    with translation.override("en"):
        found = shift_recommendations(profile, limit=10)
    assert [r.shift for r in found] == [critical_near, normal_city]
    assert other_province not in [r.shift for r in found]
    assert needs_medic not in [r.shift for r in found]
    assert "needs driving" in found[0].reason
    assert "in your district" in found[0].reason
    assert "0 of 8 places filled" in found[0].reason
    assert found[0].score > found[1].score


@pytest.mark.django_db
def test_recommendations_leave_out_shifts_overlapping_a_held_place(organization, volunteer):
    user = volunteer(district="510107")
    held = ShiftFactory(task__organization=organization)
    services.shift_signup_create(actor=user, shift=held)
    clashing = ShiftFactory(task__organization=organization, starts_at=held.starts_at)
    later = ShiftFactory(
        task__organization=organization, starts_at=held.starts_at + datetime.timedelta(days=1)
    )
    found = [r.shift for r in shift_recommendations(user.volunteer_profile, limit=10)]
    assert later in found
    assert clashing not in found and held not in found


@pytest.mark.django_db
def test_recommendations_include_renders(organization, client):
    profile = VolunteerProfileFactory()
    ShiftFactory(task__organization=organization)
    from django.template.loader import render_to_string

    with translation.override("en"):
        html = render_to_string(
            "volunteers/includes/recommendations.html",
            {"recommendations": shift_recommendations(profile)},
        )
    assert "Shifts that suit you" in html
    assert "places filled" in html


# --- Proposals ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_proposal_fills_critical_places_first_and_assigns_nobody_before_confirmation(
    organization, coordinator, django_capture_on_commit_callbacks
):
    critical = ShiftFactory(
        task=ReliefTaskFactory(organization=organization, urgency=Urgency.CRITICAL), capacity=1
    )
    # At the same time: whoever goes to one cannot go to the other.
    normal = ShiftFactory(task__organization=organization, starts_at=critical.starts_at, capacity=1)
    asked = VolunteerProfileFactory()  # not open to placement: only the shift they asked for
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=normal)  # fills it
    services.shift_signup_create(actor=asked.user, shift=normal)  # waitlisted
    free_one = _placeable()
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)

    assert proposal.solver_status == SolverStatus.OPTIMAL
    assert proposal.status == ProposalStatus.DRAFT
    lines = {(p.shift_id, p.volunteer_id) for p in proposal.placements.all()}
    assert lines == {(critical.pk, free_one.pk)}
    assert proposal.summary["critical_filled"] == 1
    assert proposal.summary["fcfs_critical_filled"] == 0
    assert not ShiftSignup.objects.filter(volunteer=free_one).exists()


@pytest.mark.django_db
def test_confirming_places_everyone_through_the_signup_service_and_emails_them(
    organization, coordinator, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, capacity=2)
    waiting_shift = ShiftFactory(
        task__organization=organization,
        capacity=1,
        starts_at=shift.starts_at + datetime.timedelta(days=1),
    )
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=waiting_shift)
    first, second = _placeable(), _placeable()
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    assert proposal.placements.count() == 2
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = services_matching.assignment_proposal_confirm(actor=coordinator, proposal=proposal)

    assert counts == {"confirmed": 2, "refused": 0}
    shift.refresh_from_db()
    assert shift.places_taken == 2
    assert set(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.CONFIRMED).values_list(
            "volunteer_id", flat=True
        )
    ) == {first.pk, second.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.user.email, second.user.email])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    with pytest.raises(services_matching.VolunteerError):
        services_matching.assignment_proposal_confirm(actor=coordinator, proposal=proposal)


@pytest.mark.django_db
def test_a_placement_that_became_invalid_is_reported_not_forced(
    organization, other_organization, coordinator, member_of, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, capacity=1)
    busy = _placeable()
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    assert list(proposal.placements.values_list("volunteer_id", flat=True)) == [busy.pk]
    # Meanwhile the volunteer takes another organization's shift at the same time.
    elsewhere = ShiftFactory(task__organization=other_organization, starts_at=shift.starts_at)
    services.shift_signup_create(actor=busy.user, shift=elsewhere)

    with translation.override("en"):
        counts = services_matching.assignment_proposal_confirm(actor=coordinator, proposal=proposal)

    assert counts == {"confirmed": 0, "refused": 1}
    placement = proposal.placements.get()
    assert placement.outcome == PlacementOutcome.REFUSED
    assert "another shift at this time" in placement.outcome_note
    assert not ShiftSignup.objects.filter(shift=shift).exists()


@pytest.mark.django_db
def test_coordinator_removes_and_adds_lines_before_confirming(
    organization, coordinator, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, capacity=1)
    proposed = _placeable()
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    placement = proposal.placements.get()
    outsider = VolunteerProfileFactory(district="110101", availability=ALWAYS)

    with (
        translation.override("en"),
        pytest.raises(services_matching.VolunteerError, match="no place left"),
    ):
        services_matching.proposed_placement_add(
            actor=coordinator, proposal=proposal, shift=shift, volunteer=outsider
        )
    services_matching.proposed_placement_remove(actor=coordinator, placement=placement)
    services_matching.proposed_placement_add(
        actor=coordinator, proposal=proposal, shift=shift, volunteer=outsider
    )
    services_matching.assignment_proposal_confirm(actor=coordinator, proposal=proposal)

    assert list(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.CONFIRMED).values_list(
            "volunteer_id", flat=True
        )
    ) == [outsider.pk]
    assert not ShiftSignup.objects.filter(volunteer=proposed).exists()


@pytest.mark.django_db
def test_adding_a_volunteer_who_lacks_the_skill_is_refused(
    organization, coordinator, django_capture_on_commit_callbacks
):
    cook = SkillFactory(code="cooking")
    shift = ShiftFactory(
        task=ReliefTaskFactory(organization=organization, required_skills=[cook]), capacity=2
    )
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    with pytest.raises(services_matching.VolunteerError):
        services_matching.proposed_placement_add(
            actor=coordinator, proposal=proposal, shift=shift, volunteer=_placeable()
        )
    assert not ProposedPlacement.objects.filter(proposal=proposal).exists()


@pytest.mark.django_db
def test_certificates_must_be_valid_on_the_shift_day_for_a_proposal(
    organization, coordinator, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(
        task=ReliefTaskFactory(
            organization=organization, required_certificates=[CertificateKind.FIRST_AID]
        )
    )
    expired = _placeable()
    VolunteerCertificateFactory(
        profile=expired, expires_on=timezone.localdate(shift.starts_at) - datetime.timedelta(days=1)
    )
    valid = _placeable()
    VolunteerCertificateFactory(profile=valid)
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    assert list(proposal.placements.values_list("volunteer_id", flat=True)) == [valid.pk]


# --- Pages and permissions ----------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_proposes_from_the_page_and_reviews_it(
    client, organization, coordinator, django_capture_on_commit_callbacks
):
    ShiftFactory(task=ReliefTaskFactory(organization=organization, urgency=Urgency.CRITICAL))
    _placeable()
    client.force_login(coordinator)
    with translation.override("en"):
        url = reverse("volunteers_matching:assignments", kwargs={"slug": organization.slug})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"propose": "1", "first_day": today, "last_day": today + datetime.timedelta(days=6)},
        )
    proposal = AssignmentProposal.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Critical places filled by the proposal" in page.content.decode()
    status = client.get(
        reverse(
            "volunteers_matching:proposal_status",
            kwargs={"slug": organization.slug, "pk": proposal.pk},
        )
    )
    assert status.json() == {"solver_status": "optimal", "solved": True}


@pytest.mark.django_db
def test_another_organizations_coordinator_gets_404_everywhere(
    client, organization, coordinator, member_of, django_capture_on_commit_callbacks
):
    ShiftFactory(task__organization=organization)
    _placeable()
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    placement = proposal.placements.get()
    other = OrganizationFactory()
    outsider = member_of(other, Role.COORDINATOR)
    client.force_login(outsider)
    kwargs = {"slug": organization.slug, "pk": proposal.pk}
    for name, extra in [
        ("proposal", {}),
        ("proposal_status", {}),
        ("proposal_confirm", {}),
        ("placement_remove", {"placement_id": placement.pk}),
    ]:
        url = reverse(f"volunteers_matching:{name}", kwargs={**kwargs, **extra})
        assert client.post(url).status_code in (404, 405), url
        assert client.get(url).status_code in (404, 405), url
    assert (
        client.get(
            reverse("volunteers_matching:assignments", kwargs={"slug": organization.slug})
        ).status_code
        == 404
    )
    # Their own organization's URL with this proposal's id is no way in either.
    assert (
        client.get(
            reverse("volunteers_matching:proposal", kwargs={"slug": other.slug, "pk": proposal.pk})
        ).status_code
        == 404
    )
    assert ShiftSignup.objects.count() == 0
    # An editor of the organization itself may not manage shifts.
    client.force_login(member_of(organization, Role.EDITOR))
    assert client.get(reverse("volunteers_matching:proposal", kwargs=kwargs)).status_code == 404


@pytest.mark.django_db
def test_outsider_cannot_request_a_proposal(organization, member_of):
    editor = member_of(organization, Role.EDITOR)
    starts_at, ends_at = _window()
    with pytest.raises(PermissionDenied):
        services_matching.assignment_proposal_request(
            actor=editor, organization=organization, starts_at=starts_at, ends_at=ends_at
        )
    assert not AssignmentProposal.objects.exists()


# --- Emergencies --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_declaring_an_emergency_alerts_opted_in_volunteers_there_only(
    organization, coordinator, django_capture_on_commit_callbacks
):
    inside = _placeable(district="510107")
    _placeable(district="110101")  # elsewhere
    VolunteerProfileFactory(district="510104", open_to_placement=False)  # not opted in
    same_city = _placeable(district="510104")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        declaration = services_matching.surge_declare(
            actor=coordinator,
            organization=organization,
            region="510100",
            starts_at=now,
            ends_at=now + datetime.timedelta(days=3),
            note="Flood",
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([inside.user.email, same_city.user.email])
    declaration.refresh_from_db()
    assert declaration.notified_count == 2


@pytest.mark.django_db
def test_emergency_doubles_the_weight_of_critical_shifts_inside_it(organization, coordinator):
    inside = ShiftFactory(
        task=ReliefTaskFactory(organization=organization, urgency=Urgency.CRITICAL)
    )
    outside = ShiftFactory(
        task=ReliefTaskFactory(
            organization=organization, urgency=Urgency.CRITICAL, district="110101"
        )
    )
    now = timezone.now()
    services_matching.surge_declare(
        actor=coordinator,
        organization=organization,
        region="510107",
        starts_at=now,
        ends_at=now + datetime.timedelta(days=10),
    )
    starts_at, ends_at = _window()
    problem = matching_problem(
        organization=organization, starts_at=starts_at, ends_at=ends_at
    ).problem
    weight = {s.id: s.weight for s in problem.shifts}
    assert weight == {inside.pk: 8, outside.pk: 4}
    with translation.override("en"):
        found = shift_recommendations(VolunteerProfileFactory(district="510107"), limit=5)
    assert found[0].shift == inside and found[0].surge
    assert "emergency declared" in found[0].reason


@pytest.mark.django_db
def test_surge_needs_a_known_region(organization, coordinator):
    now = timezone.now()
    with pytest.raises(services_matching.VolunteerError):
        services_matching.surge_declare(
            actor=coordinator,
            organization=organization,
            region="999999",
            starts_at=now,
            ends_at=now + datetime.timedelta(days=1),
        )


# --- Command line -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_propose_assignment_command_prints_the_summary_and_stores_a_draft(organization):
    ShiftFactory(task=ReliefTaskFactory(organization=organization, urgency=Urgency.CRITICAL))
    _placeable()
    out = io.StringIO()
    today = timezone.localdate()
    with translation.override("en"):
        call_command(
            "propose_assignment",
            "--org",
            organization.slug,
            "--from",
            today.isoformat(),
            "--to",
            (today + datetime.timedelta(days=6)).isoformat(),
            stdout=out,
        )
    text = out.getvalue()
    proposal = AssignmentProposal.objects.get()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.placements.count() == 1
    assert "Critical places filled by the proposal: 1" in text
    assert "First come, first served: critical places: 0" in text
    assert "Optimal" in text


# --- Demo data ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_matching_seed_is_idempotent_and_alerts_nobody():
    from cms.management.commands._demo_matching import seed_matching

    organization = OrganizationFactory(slug="sunshine-community")
    ShiftFactory(task__organization=organization)
    _placeable()
    organizations = {"sunshine-community": organization}
    assert seed_matching(organizations=organizations) == (1, 1)
    assert seed_matching(organizations=organizations) == (0, 0)
    proposal = AssignmentProposal.objects.get()
    assert proposal.status == ProposalStatus.DRAFT and proposal.placements.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_recommendations_and_review_take_a_fixed_number_of_queries(
    organization, coordinator, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from volunteers.selectors_matching import proposal_review

    cook = SkillFactory(code="cooking")
    profile = VolunteerProfileFactory(skills=[cook])
    for i in range(6):
        ShiftFactory(
            task=ReliefTaskFactory(organization=organization, required_skills=[cook]),
            starts_at=timezone.now() + datetime.timedelta(days=2, hours=4 * i),
        )
    with django_assert_num_queries(7):
        assert len(shift_recommendations(profile, limit=10)) == 6
    for _ in range(3):
        _placeable(skills=[cook])
    proposal = _propose(coordinator, organization, django_capture_on_commit_callbacks)
    proposal = AssignmentProposal.objects.select_related("organization").get(pk=proposal.pk)
    placed = proposal.placements.count()
    with django_assert_num_queries(2):
        reviews = proposal_review(proposal)
        assert [r.shift.task.title for r in reviews]
        assert sum(len(r.proposed) for r in reviews) == placed > 0


@pytest.mark.django_db
def test_page_shows_progress_while_the_solver_runs(client, organization, coordinator):
    ShiftFactory(task__organization=organization)
    starts_at, ends_at = _window()
    # Without running the queued task, as while a worker is still solving.
    proposal = services_matching.assignment_proposal_request(
        actor=coordinator, organization=organization, starts_at=starts_at, ends_at=ends_at
    )
    client.force_login(coordinator)
    kwargs = {"slug": organization.slug, "pk": proposal.pk}
    with translation.override("en"):
        page = client.get(reverse("volunteers_matching:proposal", kwargs=kwargs))
        status = client.get(reverse("volunteers_matching:proposal_status", kwargs=kwargs))
    assert "The solver is working out the best assignment" in page.content.decode()
    assert status.json() == {"solver_status": "pending", "solved": False}
    with pytest.raises(services_matching.VolunteerError):
        services_matching.assignment_proposal_confirm(actor=coordinator, proposal=proposal)


@pytest.mark.django_db
def test_volunteers_open_to_placement_far_from_every_shift_stay_out_of_the_pool(organization):
    ShiftFactory(task__organization=organization)  # in 510107
    near, far = _placeable(district="510107"), _placeable(district="110101")
    starts_at, ends_at = _window()
    problem = matching_problem(
        organization=organization, starts_at=starts_at, ends_at=ends_at
    ).problem
    assert [v.id for v in problem.volunteers] == [near.pk]
    assert far.pk not in problem.v_index


@pytest.mark.django_db
def test_a_placement_email_goes_only_to_someone_who_still_has_the_place(mailoutbox):
    shift = ShiftFactory(capacity=2)
    volunteer = VolunteerProfileFactory()
    signup = services.shift_signup_create(actor=volunteer.user, shift=shift)
    mailoutbox.clear()
    assert services_matching.placement_notify(signup_id=signup.pk) is True
    assert [message.to for message in mailoutbox] == [[volunteer.user.email]]
    services.shift_signup_cancel(actor=volunteer.user, signup=signup)
    mailoutbox.clear()
    assert services_matching.placement_notify(signup_id=signup.pk) is False
    assert mailoutbox == []
