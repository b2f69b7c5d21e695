"""Recording the audit trail: one helper the services call once per change, in their transaction.

The personal-data rule lives here and only here: SENSITIVE_FIELDS names, per model, the fields
whose values are personal data (a person's name, email, phone, address, date of birth, a free-text
note or message that may hold any of these). Their change is recorded as the word "changed",
never as values. Anything else is stored as a plain JSON value: ids for relations, ISO strings
for dates and times, integers for money (in minor units, as the model holds it).
"""

import datetime
import decimal

from django.db import models

from .models import AuditAction, AuditEntry, AuditObjectType, Organization, User

CHANGED = "changed"

SENSITIVE_FIELDS: dict[str, frozenset[str]] = {
    "charity.user": frozenset({"email", "display_name", "first_name", "last_name", "password"}),
    # An organization's contact may be a person's own phone or mailbox.
    "charity.organization": frozenset({"contact_email", "contact_phone", "address"}),
    "charity.invitation": frozenset({"email"}),
    "charity.donation": frozenset({"donor_name", "donor_email", "message", "donor_key"}),
    # An individual payee is a beneficiary: a name (public pages mask it as 张**).
    "charity.expenditure": frozenset({"payee"}),
    "volunteers.volunteerprofile": frozenset(
        {
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
            "birth_date",
            "guardian_name",
            "guardian_phone",
            "latitude",
            "longitude",
        }
    ),
    # Coordinators' notes are free text and may name or describe the volunteer.
    "volunteers.shiftsignup": frozenset({"hours_note", "note"}),
}

# A safety net for fields no one listed yet: names that always carry contact data.
_SENSITIVE_SUFFIXES = ("email", "phone")


def is_sensitive(model_label: str, field: str) -> bool:
    return field in SENSITIVE_FIELDS.get(model_label, ()) or field.endswith(_SENSITIVE_SUFFIXES)


def _plain(value):
    """A JSON value for a field's value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted((_plain(item) for item in value), key=str)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def snapshot(obj: models.Model, fields) -> dict:
    """The values of `fields` of `obj`, as JSON values (relations by id)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_one or field.one_to_one:
            values[name] = getattr(obj, field.attname)
        else:
            values[name] = _plain(getattr(obj, name))
    return values


def changes_between(old: dict, new, fields=None) -> dict:
    """{field: [old, new]} for the fields whose value differs; `new` is a dict or a model
    instance (then `fields` defaults to the keys of `old`)."""
    fields = list(old) if fields is None else list(fields)
    if isinstance(new, models.Model):
        new = snapshot(new, fields)
    return {
        name: [old.get(name), new.get(name)] for name in fields if old.get(name) != new.get(name)
    }


def _masked(model_label: str, changes: dict) -> dict:
    masked = {}
    for name, value in changes.items():
        if is_sensitive(model_label, name):
            masked[name] = CHANGED
        elif isinstance(value, list | tuple):
            masked[name] = [_plain(item) for item in value]
        else:
            masked[name] = _plain(value)
    return masked


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model,
    organization: Organization | int,
    object_type: AuditObjectType,
    label: str = "",
    changes: dict | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the service's transaction, after the change is saved.

    `label` must not name a person; personal fields in `changes` are replaced by "changed".
    A system change (webhook, scheduled task) passes actor=None."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        organization_id=getattr(organization, "pk", organization),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=obj.pk,
        object_label=str(label)[:200],
        changes=_masked(obj._meta.label_lower, changes or {}),
    )
