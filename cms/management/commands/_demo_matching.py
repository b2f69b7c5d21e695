"""Demo matching: a declared emergency and, once the demo has shifts, a draft proposal.

Called by seed_demo as `seed_matching(organizations=...)`; idempotent. Writes the declaration
directly rather than through `surge_declare`, so that seeding alerts nobody.
"""

import datetime

from django.utils import timezone

from volunteers.models import AssignmentProposal, ProposalStatus, Shift, SurgeDeclaration
from volunteers.services_matching import assignment_proposal_solve

ORGANIZATION = "sunshine-community"
REGION = "510107"  # 成都市 武侯区
NOTE = "暴雨内涝 Flooding after heavy rain"


def seed_matching(*, organizations) -> tuple[int, int]:
    """Returns (declarations created, proposals created)."""
    organization = organizations[ORGANIZATION]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    _declaration, declared = SurgeDeclaration.objects.get_or_create(
        organization=organization,
        region=REGION,
        note=NOTE,
        defaults={"starts_at": now, "ends_at": now + datetime.timedelta(days=7)},
    )
    proposed = 0
    has_shifts = Shift.objects.filter(
        task__organization=organization, starts_at__gt=now, cancelled_at__isnull=True
    ).exists()
    if (
        has_shifts
        and not organization.assignment_proposals.filter(status=ProposalStatus.DRAFT).exists()
    ):
        proposal = AssignmentProposal.objects.create(
            organization=organization,
            window_start=now,
            window_end=now + datetime.timedelta(days=7),
        )
        assignment_proposal_solve(proposal_id=proposal.pk)
        proposed = 1
    return int(declared), proposed
