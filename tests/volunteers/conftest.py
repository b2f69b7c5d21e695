import pytest

from charity.models import Role

from .factories import ShiftFactory, VolunteerProfileFactory


@pytest.fixture
def coordinator(organization, member_of):
    return member_of(organization, Role.COORDINATOR)


@pytest.fixture
def shift(organization):
    return ShiftFactory(task__organization=organization)


@pytest.fixture
def volunteer(db):
    """volunteer(**profile_fields) → the user of a new volunteer profile."""

    def make(**fields):
        return VolunteerProfileFactory(**fields).user

    return make
