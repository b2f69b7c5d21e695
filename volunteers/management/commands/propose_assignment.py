"""python manage.py propose_assignment --org SLUG --from DATE --to DATE

Solves an assignment proposal for the organization's shifts starting from the first date through
the last (local days), stores it as a draft for a coordinator to review, and prints its summary.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from charity.models import Organization
from volunteers.forms_matching import ZONE
from volunteers.models import AssignmentProposal
from volunteers.selectors_matching import proposal_summary_lines
from volunteers.services_matching import MAX_WINDOW_DAYS, assignment_proposal_solve


class Command(BaseCommand):
    help = "Propose an assignment of volunteers to an organization's shifts (stored as a draft)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--from", dest="first", required=True, type=datetime.date.fromisoformat)
        parser.add_argument("--to", dest="last", required=True, type=datetime.date.fromisoformat)
        parser.add_argument("--time-limit", type=float, default=8.0)

    def handle(self, *args, org, first, last, time_limit, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        if last < first or (last - first).days >= MAX_WINDOW_DAYS:
            raise CommandError(f"--to must be on or after --from, within {MAX_WINDOW_DAYS} days.")
        starts_at = datetime.datetime.combine(first, datetime.time(), tzinfo=ZONE)
        ends_at = datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), tzinfo=ZONE
        )
        proposal = AssignmentProposal.objects.create(
            organization=organization, window_start=starts_at, window_end=ends_at
        )
        proposal = assignment_proposal_solve(proposal_id=proposal.pk, time_limit=time_limit)
        self.stdout.write(
            _("Proposal %(id)d for %(org)s (draft)") % {"id": proposal.pk, "org": organization.name}
        )
        for label, value in proposal_summary_lines(proposal):
            self.stdout.write(f"  {label}: {value}")
