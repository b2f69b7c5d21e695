"""charity's data, one module per part of the domain; import models from here."""

from .organizations import (
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    UserManager,
    _invitation_expiry,
    _invitation_token,
    validate_time_zone,
)
from .projects import (
    PROJECT_TRANSITIONS,
    BeneficiaryGroup,
    BeneficiaryGroupCode,
    Currency,
    Project,
    ProjectStatus,
    ProjectStatusChange,
)

__all__ = [
    "PROJECT_TRANSITIONS",
    "BeneficiaryGroup",
    "BeneficiaryGroupCode",
    "Currency",
    "Invitation",
    "Membership",
    "Organization",
    "Project",
    "ProjectStatus",
    "ProjectStatusChange",
    "Role",
    "User",
    "UserManager",
    "_invitation_expiry",
    "_invitation_token",
    "validate_time_zone",
]
