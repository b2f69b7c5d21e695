"""A small published site in the database DATABASE_URL names, for the production end-to-end test.

    DJANGO_SETTINGS_MODULE=config.settings.production ... python -m tests.production_site

Run in a child process (the test's own process is on the test settings and database): a verified
organization, its page and one fundraising project's page, in both languages' locales. Prints the
project's id and page path as JSON.
"""

import json
import sys
from urllib.parse import urlparse


def main() -> None:
    import django

    django.setup()
    from wagtail.models import Locale

    from tests.cms.conftest import Site
    from tests.factories import OrganizationFactory

    Locale.objects.get_or_create(language_code="en")
    organization = OrganizationFactory(verified_by__password=None)
    page = Site(organization).add_project(title="乡村学校午餐", goal_amount=1_000_000)
    json.dump(
        {"project_id": page.project_id, "page_path": urlparse(page.get_url()).path}, sys.stdout
    )


if __name__ == "__main__":
    main()
