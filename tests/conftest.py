import pytest

from charity.models import Role

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    return OrganizationFactory()


@pytest.fixture
def member_of(db):
    """member_of(org, role) → a verified user holding `role` in `org`."""

    def make(organization, role=Role.EDITOR, **user_fields):
        return MembershipFactory(
            organization=organization, role=role, user=UserFactory(**user_fields)
        ).user

    return make


@pytest.fixture
def owner(organization, member_of):
    return member_of(organization, Role.OWNER)


@pytest.fixture
def platform_admin(db):
    return UserFactory(is_staff=True, is_superuser=True)
