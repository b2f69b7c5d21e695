"""The demo's pages and projects: organizations' pages, project indexes, projects and updates,
in Chinese first and then their English translations. Existing pages are left alone."""

import datetime
import io

from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Locale
from wagtail.rich_text import RichText

from charity import services as charity_services
from charity.models import Membership, Project, ProjectStatus, Role
from cms.models import (
    CharityProjectPage,
    OrganizationIndexPage,
    ProjectIndexPage,
    ProjectUpdatePage,
)
from cms.workspaces import organization_workspace_sync

from ._demo_images import demo_picture
from ._demo_projects import DRAFT_PROJECT, PROJECTS

ORG_INTROS = {
    "sunshine-community": "Twenty years in Beijing's communities: school, medical and emergency aid for families on subsistence allowance, children in difficulty and people with disabilities.",
    "mountain-children": "Standing by left-behind children in Sichuan's mountains: homework clubs, counselling, lunches, and emergency relief when disaster strikes.",
    "changan-elder-care": "Home visits, meals and hospital escorts for elders living alone in Xi'an.",
}


def _publish(page):
    page.save_revision().publish()
    return page


def _child(parent, page_class, **fields):
    existing = page_class.objects.child_of(parent).filter(slug=fields["slug"]).first()
    if existing:
        return existing, False
    page = page_class(**fields)
    parent.add_child(instance=page)
    return _publish(page), True


def _translate(page, locale, **fields):
    """The page's translation in `locale`, created and published with `fields` if missing."""
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translation = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    return _publish(translation)


def _image(title: str, seed: int):
    Image = get_image_model()
    image = Image.objects.filter(title=title).first()
    if image is None:
        image = Image(title=title)
        image.file = ImageFile(io.BytesIO(demo_picture(seed)), name=f"demo-{seed}.png")
        image.save()
    return image


def _body(story: str, quote: tuple[str, str], figures, language: int):
    return [
        ("paragraph", RichText(f"<p>{story}</p>")),
        ("key_figures", {"figures": [{"value": f[0], "label": f[1 + language]} for f in figures]}),
        ("quote", {"text": quote[0], "attribution": quote[1]}),
    ]


def seed_pages(*, home, organizations) -> None:
    english = Locale.objects.get(language_code="en")

    all_projects, _ = _child(
        home,
        ProjectIndexPage,
        title="公益项目",
        slug="projects",
        intro="低保、特困、孤儿、残疾人、留守儿童与老人、受灾群众——每个项目的每一元都公开。",
    )
    _translate(
        all_projects,
        english,
        title="Projects",
        intro="Subsistence allowance, extreme poverty, orphans, disabilities, left-behind children and elders, disaster victims — every yuan of every project is disclosed.",
    )
    org_index, _ = _child(
        home,
        OrganizationIndexPage,
        title="公益机构",
        slug="organizations",
        intro="在平台发布项目的慈善组织，均经过平台核验。",
    )
    _translate(
        org_index,
        english,
        title="Organizations",
        intro="Charity organizations publishing projects here; each is verified by the platform.",
    )

    indexes = {}
    for slug, organization in organizations.items():
        workspace = organization_workspace_sync(organization=organization)
        if workspace is None:
            continue  # its public page waits for verification
        for page in workspace.pages:
            intro = (
                ORG_INTROS[slug]
                if page.locale == english
                else organization.description.split(" ")[0]
            )
            if page.intro != intro:
                page.intro = intro
                _publish(page)
        indexes[slug] = ProjectIndexPage.objects.child_of(workspace.pages[0]).get()

    now = timezone.now()
    for number, spec in enumerate(PROJECTS):
        organization = organizations[spec["org"]]
        zh_title, zh_summary, zh_story, zh_quote = spec["zh"]
        en_title, en_summary, en_story, en_quote = spec["en"]
        project = Project.objects.filter(organization=organization, title=zh_title).first()
        if project is None:
            owner = (
                Membership.objects.filter(organization=organization, role=Role.OWNER).first().user
            )
            year = (now - datetime.timedelta(days=spec["started"])).year
            project = charity_services.project_create(
                actor=owner,
                organization=organization,
                title=zh_title,
                goal_amount=spec["goal"] * 100,
                fundraising_starts_at=now - datetime.timedelta(days=spec["started"]),
                fundraising_ends_at=now + datetime.timedelta(days=spec["ends"]),
                region=spec["region"],
                beneficiary_groups=spec["groups"],
                public_fundraising_filing_number=(
                    f"{organization.credit_code}A{year % 100:02d}{number + 1:03d}"
                    if organization.has_public_fundraising
                    else ""
                ),
                is_urgent=spec["urgent"],
                is_featured=spec["featured"],
            )
            path = {
                ProjectStatus.FUNDRAISING: [ProjectStatus.FUNDRAISING],
                ProjectStatus.CLOSED: [ProjectStatus.FUNDRAISING, ProjectStatus.CLOSED],
                ProjectStatus.COMPLETED: [
                    ProjectStatus.FUNDRAISING,
                    ProjectStatus.CLOSED,
                    ProjectStatus.COMPLETED,
                ],
            }[ProjectStatus(spec["status"])]
            for status in path:
                project = charity_services.project_set_status(
                    actor=owner, project=project, status=status
                )

        image = _image(f"demo: {en_title}", number)
        project_page, _ = _child(
            indexes[spec["org"]],
            CharityProjectPage,
            title=zh_title,
            slug=f"project-{number + 1}",
            project=project,
            summary=zh_summary,
            hero_image=image,
            hero_image_alt=f"插画：{zh_title}",
            body=_body(zh_story, zh_quote, spec["figures"], 0),
        )
        _translate(
            project_page,
            english,
            title=en_title,
            summary=en_summary,
            hero_image_alt=f"Illustration: {en_title}",
            body=_body(en_story, en_quote, spec["figures"], 1),
        )
        for days_ago, zh_update, zh_text, en_update, en_text in spec["updates"]:
            date = (now - datetime.timedelta(days=days_ago)).date()
            update, _ = _child(
                project_page,
                ProjectUpdatePage,
                title=zh_update,
                slug=f"update-{days_ago}",
                date=date,
                body=f"<p>{zh_text}</p>",
            )
            _translate(update, english, title=en_update, body=f"<p>{en_text}</p>")

    draft_org = organizations[DRAFT_PROJECT["org"]]
    if not Project.objects.filter(organization=draft_org).exists():
        owner = Membership.objects.filter(organization=draft_org, role=Role.OWNER).first().user
        charity_services.project_create(
            actor=owner,
            organization=draft_org,
            title=DRAFT_PROJECT["title"],
            goal_amount=DRAFT_PROJECT["goal"] * 100,
            fundraising_starts_at=now + datetime.timedelta(days=7),
            fundraising_ends_at=now + datetime.timedelta(days=97),
            region=DRAFT_PROJECT["region"],
            beneficiary_groups=DRAFT_PROJECT["groups"],
        )
