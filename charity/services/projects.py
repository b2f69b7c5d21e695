"""Projects and their status pipeline. One transaction each."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import audit_record, changes_between, snapshot
from ..exceptions import CharityError
from ..models import (
    PROJECT_TRANSITIONS,
    AuditAction,
    AuditObjectType,
    BeneficiaryGroup,
    Organization,
    Project,
    ProjectStatus,
    ProjectStatusChange,
    User,
)
from ..permissions import require

PROJECT_FIELDS = (
    "title",
    "goal_amount",
    "currency",
    "fundraising_starts_at",
    "fundraising_ends_at",
    "region",
    "public_fundraising_filing_number",
    "is_featured",
    "is_urgent",
)


def project_create(
    *, actor: User, organization: Organization, beneficiary_groups=(), **fields
) -> Project:
    """Create a draft project for `organization`; fields are those of PROJECT_FIELDS."""
    require(actor, "project.edit", organization)
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {sorted(unknown)}")
    project = Project(organization=organization, status=ProjectStatus.DRAFT, **fields)
    project.full_clean()
    with transaction.atomic():
        project.save()
        groups = _beneficiary_groups(beneficiary_groups)
        project.beneficiary_groups.set(groups)
        changes = changes_between(dict.fromkeys(fields), project)
        changes["status"] = [None, project.status]
        changes["beneficiary_groups"] = [None, sorted(group.pk for group in groups)]
        _audit(actor, AuditAction.PROJECT_CREATE, project, changes)
    return project


def _audit(actor: User, action: str, project: Project, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=project,
        organization=project.organization_id,
        object_type=AuditObjectType.PROJECT,
        label=project.title,
        changes=changes,
    )


def _group_codes(project: Project) -> list[str]:
    return sorted(project.beneficiary_groups.values_list("pk", flat=True))


def _beneficiary_groups(codes) -> list[BeneficiaryGroup]:
    codes = [getattr(code, "pk", code) for code in codes]
    groups = list(BeneficiaryGroup.objects.filter(code__in=codes))
    if len(groups) != len(set(codes)) or not groups:
        raise CharityError(
            {"beneficiary_groups": _("Choose at least one of the listed beneficiary groups.")},
            code="beneficiary_groups",
        )
    return groups


@transaction.atomic
def project_update(*, actor: User, project: Project, beneficiary_groups=None, **fields) -> Project:
    """Change a project's details. The money terms (goal, currency) are fixed once fundraising."""
    require(actor, "project.edit", project.organization)
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {sorted(unknown)}")
    project = Project.objects.select_for_update().select_related("organization").get(pk=project.pk)
    if (
        project.status != ProjectStatus.DRAFT
        and "currency" in fields
        and fields["currency"] != project.currency
    ):
        raise CharityError(
            {"currency": _("The currency cannot change once a project has started fundraising.")},
            code="currency_locked",
        )
    before = snapshot(project, fields)
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    if project.status == ProjectStatus.FUNDRAISING:
        _check_ready_to_fundraise(project)
    project.save(update_fields=list(fields) or None)
    changes = changes_between(before, project)
    if beneficiary_groups is not None:
        old_groups = _group_codes(project)
        project.beneficiary_groups.set(_beneficiary_groups(beneficiary_groups))
        new_groups = _group_codes(project)
        if old_groups != new_groups:
            changes["beneficiary_groups"] = [old_groups, new_groups]
    if changes:
        _audit(actor, AuditAction.PROJECT_UPDATE, project, changes)
    return project


def _check_ready_to_fundraise(project: Project) -> None:
    if (
        project.organization.has_public_fundraising
        and not project.public_fundraising_filing_number.strip()
    ):
        raise CharityError(
            {
                "public_fundraising_filing_number": _(
                    "File the fundraising plan on the national charity information platform and "
                    "enter its filing number before raising funds."
                )
            },
            code="filing_number_missing",
        )


@transaction.atomic
def project_set_status(*, actor: User, project: Project, status: str) -> Project:
    """Move a project along PROJECT_TRANSITIONS, recording who did it; a no-op when unchanged."""
    project = Project.objects.select_for_update().select_related("organization").get(pk=project.pk)
    if project.status == status:
        return project
    action = "project.publish" if status == ProjectStatus.FUNDRAISING else "project.edit"
    require(actor, action, project.organization)
    if status not in PROJECT_TRANSITIONS[ProjectStatus(project.status)]:
        raise CharityError(
            _("A project cannot go from %(old)s to %(new)s.")
            % {
                "old": ProjectStatus(project.status).label,
                "new": ProjectStatus(status).label if status in ProjectStatus.values else status,
            },
            code="bad_transition",
        )
    if status == ProjectStatus.FUNDRAISING:
        _check_ready_to_fundraise(project)
    ProjectStatusChange.objects.create(
        project=project, from_status=project.status, to_status=status, changed_by=actor
    )
    old_status = project.status
    project.status = status
    project.save(update_fields=["status"])
    _audit(actor, AuditAction.PROJECT_STATUS, project, {"status": [old_status, status]})
    return project
