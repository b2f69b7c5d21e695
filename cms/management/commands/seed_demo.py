"""Demo data for every capability, in both languages. Idempotent: a second run changes nothing."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from charity import services as charity_services
from charity.models import Membership, Organization, Role, User
from charity.validators import credit_code_check_character
from cms.services import site_home_ensure

from ._demo_donations import seed_donations
from ._demo_expenditures import seed_expenditures
from ._demo_matching import seed_matching
from ._demo_pages import seed_pages
from ._demo_reports import seed_reports
from ._demo_service_record import seed_service_record
from ._demo_volunteers import seed_volunteers

DEMO_PASSWORD = "shanxin-demo-2026"

HOME = {
    "zh-hans": {
        "title": "善心",
        "hero_title": "每一份善意，都看得见去向",
        "hero_text": (
            "为低保家庭、特困人员、孤儿、残疾人、留守儿童与老人、受灾群众筹款和招募志愿者。"
            "每一元收入和支出都向公众公开。"
        ),
    },
    "en": {
        "title": "Shanxin",
        "hero_title": "Every act of kindness, traceable to where it went",
        "hero_text": (
            "Fundraising and volunteering for households on subsistence allowance, the extremely "
            "poor, orphans, people with disabilities, left-behind children and elders, and people "
            "hit by disasters. Every yuan received and spent is disclosed to the public."
        ),
    },
}


def _credit_code(first_17: str) -> str:
    return first_17 + credit_code_check_character(first_17)


ORGANIZATIONS = [
    {
        "slug": "sunshine-community",
        "name": "善心社区慈善基金会",
        "credit_code": _credit_code("53110000MJ0012345"),
        "has_public_fundraising": True,
        "public_fundraising_certificate": "京民慈公募〔2024〕第018号",
        "contact_email": "contact@sunshine.example.org",
        "contact_phone": "010-6512 3456",
        "address": "北京市东城区和平里东街 18 号",
        "description": (
            "扎根社区二十年，为低保家庭、困境儿童和残疾人提供助学、助医与应急救助。"
            " Twenty years in the community: school, medical and emergency aid for households on "
            "subsistence allowance, children in difficulty and people with disabilities."
        ),
        "verified": True,
    },
    {
        "slug": "mountain-children",
        "name": "山川乡村儿童关爱中心",
        "credit_code": _credit_code("52510000MJ5678901"),
        "has_public_fundraising": False,
        "public_fundraising_certificate": "",
        "contact_email": "hello@mountain-children.example.org",
        "contact_phone": "028-8765 4321",
        "address": "四川省成都市武侯区人民南路四段 9 号",
        "description": (
            "陪伴大山里的留守儿童：课后辅导、心理陪伴与营养午餐。"
            " Standing by left-behind children in the mountains: homework clubs, counselling and "
            "nutritious lunches."
        ),
        "verified": True,
    },
    {
        "slug": "changan-elder-care",
        "name": "长安助老服务社",
        "credit_code": _credit_code("52610000MJ2468024"),
        "has_public_fundraising": False,
        "public_fundraising_certificate": "",
        "contact_email": "care@changan-elders.example.org",
        "contact_phone": "029-8888 1234",
        "address": "陕西省西安市碑林区南大街 66 号",
        "description": (
            "为独居和留守老人上门探访、送餐与陪诊，正在等待平台核验。"
            " Home visits, meals and hospital escorts for elders living alone; awaiting "
            "verification by the platform."
        ),
        "verified": False,
    },
]

# email, display name, organization slug, role (None: no membership)
PEOPLE = [
    ("owner@shanxin.example", "王慧 Wang Hui", "sunshine-community", Role.OWNER),
    ("finance@shanxin.example", "李静 Li Jing", "sunshine-community", Role.FINANCE),
    ("coordinator@shanxin.example", "张伟 Zhang Wei", "sunshine-community", Role.COORDINATOR),
    ("editor@shanxin.example", "陈晨 Chen Chen", "sunshine-community", Role.EDITOR),
    ("owner2@shanxin.example", "刘洋 Liu Yang", "mountain-children", Role.OWNER),
    ("finance2@shanxin.example", "周婷 Zhou Ting", "mountain-children", Role.FINANCE),
    ("owner3@shanxin.example", "赵敏 Zhao Min", "changan-elder-care", Role.OWNER),
    ("donor@shanxin.example", "周明 Zhou Ming", None, None),
    ("volunteer@shanxin.example", "孙悦 Sun Yue", None, None),
]
ADMIN_EMAIL = "admin@shanxin.example"


class Command(BaseCommand):
    help = "Create demo organizations, people and pages (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG is off (never on a real deployment: passwords are public).",
        )

    def handle(self, *args, allow_production=False, **options):
        if (
            not settings.DEBUG
            and not allow_production
            # Under override_settings (a live server in tests) SETTINGS_MODULE reads None.
            and not (settings.SETTINGS_MODULE or "").endswith(".test")
        ):
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG on "
                "(or --allow-production on a throwaway instance)."
            )
        with transaction.atomic():
            admin = self._user(ADMIN_EMAIL, "平台管理员 Platform admin", superuser=True)
            people = {email: self._user(email, name) for email, name, _slug, _role in PEOPLE}
            owners = {slug: people[email] for email, _n, slug, role in PEOPLE if role == Role.OWNER}
            # Through the services, as the owners and the platform would: the owners' audit
            # trails start with the registration, the verification and the team joining.
            organizations = {
                spec["slug"]: self._organization(spec, admin, owners[spec["slug"]])
                for spec in ORGANIZATIONS
            }
            rows = [(ADMIN_EMAIL, "platform admin", "—")]
            for email, _name, slug, role in PEOPLE:
                organization = organizations.get(slug)
                if (
                    organization
                    and not Membership.objects.filter(
                        user=people[email], organization=organization
                    ).exists()
                ):
                    charity_services.membership_create(
                        actor=owners[slug],
                        organization=organization,
                        user=people[email],
                        role=role,
                    )
                rows.append(
                    (email, role.value if role else "—", organization.name if organization else "—")
                )
            home = site_home_ensure(translations=HOME)
            seed_pages(home=home, organizations=organizations)
        # Outside the block above: each gift commits and its payment events apply in turn.
        # Demo donors' addresses are made up: their receipts are kept in memory, not sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            gifts = seed_donations(
                organizations=organizations,
                donor=User.objects.get(email="donor@shanxin.example"),
            )
            spending = seed_expenditures(organizations=organizations)
            with transaction.atomic():
                signups = seed_volunteers(organizations=organizations, password=DEMO_PASSWORD)
            hours = seed_service_record(organizations=organizations, make_user=self._user)
            seed_matching(organizations=organizations)
            reports = seed_reports(organizations=organizations, today=timezone.localdate())
        self.stdout.write(
            f"Demo gifts recorded: {gifts}; expenditures published: {spending}; "
            f"volunteer sign-ups: {signups}; volunteer shifts with approved hours: {hours}; "
            f"annual reports published: {reports}"
        )
        self._print_accounts(rows)

    def _user(self, email: str, display_name: str, *, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(email=email, password=DEMO_PASSWORD, display_name=display_name)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _organization(self, spec: dict, admin: User, owner: User) -> Organization:
        spec = dict(spec)
        verified = spec.pop("verified")
        organization = Organization.objects.filter(slug=spec["slug"]).first()
        if organization is None:
            organization = charity_services.organization_register(actor=owner, **spec)
            if verified:
                organization = charity_services.organization_verify(
                    actor=admin, organization=organization
                )
        return organization

    def _print_accounts(self, rows) -> None:
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Every demo account's password is:")
        )
        self.stdout.write(f"    {DEMO_PASSWORD}")
        width = max(len(email) for email, _, _ in rows)
        for email, role, organization in rows:
            self.stdout.write(f"    {email.ljust(width)}  {role!s:<22} {organization}")
