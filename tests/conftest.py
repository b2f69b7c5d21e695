import pytest

from charity.models import Role

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached pages and rate-limit counters of one test
    must not answer another's requests."""
    from django.core.cache import cache

    cache.clear()


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


def _flushes_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    return transactional or "live_server" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that flush the database (browser and worker tests) last.

    pytest-django orders them so, but pytest-playwright reorders items after it; a flush removes
    rows that migrations created (Wagtail's root page, the beneficiary groups) for every test
    that would run after it. Those tests restore the rows themselves (`migrated_rows`).
    """
    items.sort(key=_flushes_database)


def restore_migration_rows() -> None:
    """Recreate the rows that migrations insert (Wagtail's root page and collection, the
    content locales, the beneficiary groups) after a transactional test flushed them."""
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page

    from charity.models import BeneficiaryGroup, BeneficiaryGroupCode

    for code, _name in settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(
                title="Root",
                slug="root",
                locale=Locale.objects.get(language_code=settings.LANGUAGE_CODE),
            )
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    for code in BeneficiaryGroupCode.values:
        BeneficiaryGroup.objects.get_or_create(code=code)


@pytest.fixture
def migrated_rows(transactional_db):
    restore_migration_rows()


# --- Fuzz cases: counted in each worker, summed and printed at the end ------------------------

FUZZ_CASES = {"run": 0}


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand its count to the controller
        workeroutput["fuzz_cases"] = FUZZ_CASES["run"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    FUZZ_CASES["run"] += getattr(node, "workeroutput", {}).get("fuzz_cases", 0)


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES["run"]:
        terminalreporter.write_line(f"fuzz cases run: {FUZZ_CASES['run']}")
