import datetime

import factory
from django.utils import timezone

from tests.factories import OrganizationFactory, UserFactory
from volunteers.models import (
    CertificateKind,
    ReliefTask,
    Shift,
    Skill,
    VolunteerCertificate,
    VolunteerProfile,
)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"skill-{n}")
    name_zh = factory.Sequence(lambda n: f"技能{n}")
    name_en = factory.Sequence(lambda n: f"Skill {n}")


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    district = "510107"
    max_hours_per_week = 40
    emergency_contact_name = "王芳"
    emergency_contact_phone = "13900139000"
    consent_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


class VolunteerCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerCertificate

    profile = factory.SubFactory(VolunteerProfileFactory)
    kind = CertificateKind.FIRST_AID
    number = factory.Sequence(lambda n: f"FA-{n:06d}")
    expires_on = None


class ReliefTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReliefTask
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Food distribution {n}")
    place = "武侯区 社区服务中心"
    district = "510107"

    @factory.post_generation
    def required_skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.required_skills.set(extracted)


class ShiftFactory(factory.django.DjangoModelFactory):
    """A shift three days from now, open for sign-up, without approval. Sign-ups go through the
    services (they keep `places_taken`), so there is no sign-up factory."""

    class Meta:
        model = Shift

    task = factory.SubFactory(ReliefTaskFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    capacity = 10
    cancel_cutoff_hours = 24
