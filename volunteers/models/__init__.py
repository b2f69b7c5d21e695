"""volunteers' data, one module per part of the domain; import models from here."""

from .matching import (
    AssignmentProposal,
    PlacementOutcome,
    ProposalStatus,
    ProposedPlacement,
    SolverStatus,
    SurgeDeclaration,
)
from .profiles import (
    AGE_OF_CONSENT,
    CertificateKind,
    Skill,
    VolunteerCertificate,
    VolunteerProfile,
    validate_availability,
)
from .records import ServiceCertificate, mask_name
from .shifts import (
    ACTIVE_STATUSES,
    PLACE_HOLDING_STATUSES,
    SIGNUP_TRANSITIONS,
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatus,
    SignupStatusChange,
    Urgency,
)

__all__ = [
    "ACTIVE_STATUSES",
    "AGE_OF_CONSENT",
    "PLACE_HOLDING_STATUSES",
    "SIGNUP_TRANSITIONS",
    "AssignmentProposal",
    "CertificateKind",
    "PlacementOutcome",
    "ProposalStatus",
    "ProposedPlacement",
    "ReliefTask",
    "ServiceCertificate",
    "Shift",
    "ShiftSignup",
    "SignupStatus",
    "SignupStatusChange",
    "Skill",
    "SolverStatus",
    "SurgeDeclaration",
    "Urgency",
    "VolunteerCertificate",
    "VolunteerProfile",
    "mask_name",
    "validate_availability",
]
