import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from charity.models import (
    Donation,
    DonationChannel,
    DonationStatus,
    Membership,
    Organization,
    Project,
    ProjectStatus,
    RecurringGift,
    Role,
    User,
)
from charity.validators import credit_code_check_character

PASSWORD = "correct-horse-battery-42"


def valid_credit_code(n: int) -> str:
    first_17 = f"53110000MJ{n:07d}"
    return first_17 + credit_code_check_character(first_17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users have a verified primary address unless built with verified=False."""
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Relief Foundation {n}")
    slug = factory.Sequence(lambda n: f"relief-{n}")
    credit_code = factory.Sequence(valid_credit_code)
    contact_email = factory.Sequence(lambda n: f"contact{n}@relief.example.org")
    verified_by = factory.SubFactory(UserFactory, is_staff=True, is_superuser=True)
    verified_at = factory.Faker("date_time_this_year", tzinfo=datetime.UTC)

    class Params:
        unverified = factory.Trait(verified_by=None, verified_at=None)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.EDITOR


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Relief project {n}")
    goal_amount = 10_000_000
    currency = "CNY"
    fundraising_starts_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(days=1)
    )
    fundraising_ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    region = "510107"
    status = ProjectStatus.FUNDRAISING

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.beneficiary_groups.set(extracted or ["orphans"])


class DonationFactory(factory.django.DjangoModelFactory):
    """A pending online gift, as the donate form leaves it before Stripe has answered."""

    class Meta:
        model = Donation

    project = factory.SubFactory(ProjectFactory)
    organization = factory.LazyAttribute(lambda o: o.project.organization)
    donor_name = "李华"
    donor_email = factory.Sequence(lambda n: f"donor{n}@example.com")
    donor_key = factory.LazyAttribute(lambda o: f"email:{o.donor_email}")
    amount = 20_000
    currency = "CNY"
    channel = DonationChannel.ONLINE
    status = DonationStatus.PENDING
    language = "zh-hans"
    stripe_checkout_session_id = factory.Sequence(lambda n: f"cs_test_{n:06d}")

    class Params:
        # As the webhook leaves it once paid (without the ledger entry: tests add what they need).
        received = factory.Trait(
            status=DonationStatus.SUCCEEDED,
            received_at=factory.LazyFunction(timezone.now),
            receipt_number=factory.Sequence(lambda n: f"2025-0001-{n:06d}"),
        )


class RecurringGiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurringGift

    project = factory.SubFactory(ProjectFactory)
    organization = factory.LazyAttribute(lambda o: o.project.organization)
    donor_name = "王芳"
    donor_email = factory.Sequence(lambda n: f"monthly{n}@example.com")
    amount = 10_000
    currency = "CNY"
