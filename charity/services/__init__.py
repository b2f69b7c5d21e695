"""Every change to charity's data, one module per part of the domain; call them from here."""

from .organizations import (
    invitation_accept,
    invitation_accept_url,
    invitation_create,
    invitation_revoke,
    invitation_send,
    membership_change_role,
    membership_create,
    membership_remove,
    organization_register,
    organization_unverify,
    organization_verify,
    user_update_preferences,
)
from .projects import PROJECT_FIELDS, project_create, project_set_status, project_update

__all__ = [
    "PROJECT_FIELDS",
    "invitation_accept",
    "invitation_accept_url",
    "invitation_create",
    "invitation_revoke",
    "invitation_send",
    "membership_change_role",
    "membership_create",
    "membership_remove",
    "organization_register",
    "organization_unverify",
    "organization_verify",
    "project_create",
    "project_set_status",
    "project_update",
    "user_update_preferences",
]
