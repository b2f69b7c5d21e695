"""Each verified organization's own corner of the CMS.

An organization's OrganizationPage (in every language) is the root of the subtree its staff work
in. Its editors may add and edit pages there and nowhere else; what they write goes live only
through a workflow that the organization's owners approve. Images and documents live in the
organization's own collection. Wagtail enforces all of it through ordinary groups and
permissions, which this module keeps in step with charity's memberships.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from charity.models import Membership, Organization, Role

from .models import HomePage, OrganizationIndexPage, OrganizationPage, ProjectIndexPage

EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
OWNER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


@dataclass
class Workspace:
    organization: Organization
    pages: list[OrganizationPage]
    owners: Group
    editors: Group
    staff: Group
    collection: Collection
    workflow: Workflow


def _group_name(organization: Organization, kind: str) -> str:
    return f"{organization.slug}: {kind}"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _organization_pages(organization: Organization) -> list[OrganizationPage]:
    """The organization's page in every language, created (with a project index) if missing."""
    home = HomePage.objects.filter(depth=2).order_by("path").first()
    if home is None:
        raise RuntimeError("The site has no home page; run seed_demo or create one first.")
    original = OrganizationPage.objects.filter(
        organization=organization, locale=home.locale
    ).first()
    if original is None:
        index = OrganizationIndexPage.objects.child_of(home).first()
        if index is None:
            index = OrganizationIndexPage(title="Organizations", slug="organizations")
            home.add_child(instance=index)
            index.save_revision().publish()
        original = OrganizationPage(
            title=organization.name,
            slug=organization.slug,
            organization=organization,
            intro=organization.description,
        )
        index.add_child(instance=original)
        original.save_revision().publish()
        with translation.override(home.locale.language_code):
            projects = ProjectIndexPage(title=gettext("Projects"), slug="projects")
        original.add_child(instance=projects)
        projects.save_revision().publish()
    pages = [original]
    for locale in Locale.objects.exclude(pk=original.locale_id):
        translated = original.get_translation_or_none(locale)
        if translated is None:
            translated = original.copy_for_translation(locale, copy_parents=True)
            translated.save_revision().publish()
        for child in original.get_children().type(ProjectIndexPage):
            if child.get_translation_or_none(locale) is None:
                child_translation = child.specific.copy_for_translation(locale)
                with translation.override(locale.language_code):
                    child_translation.title = gettext("Projects")
                child_translation.save_revision().publish()
        # Read after its children were added: publishing a stale copy (as seed_demo does when it
        # sets the introduction) would write back numchild=0 and break the next add_child.
        pages.append(OrganizationPage.objects.get(pk=translated.pk))
    return pages


def _set_page_permissions(group: Group, pages, codenames) -> None:
    """Exactly these permissions on exactly these pages for `group`."""
    permission_ids = [_permission("wagtailcore", codename).pk for codename in codenames]
    wanted = {(page.pk, permission_id) for page in pages for permission_id in permission_ids}
    current = {
        (row.page_id, row.permission_id): row.pk
        for row in GroupPagePermission.objects.filter(group=group)
    }
    stale = [pk for key, pk in current.items() if key not in wanted]
    GroupPagePermission.objects.filter(pk__in=stale).delete()
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(group=group, page_id=page_id, permission_id=permission_id)
        for page_id, permission_id in wanted - current.keys()
    )


def _collection(organization: Organization) -> Collection:
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=organization.name).first()
    if collection is None:
        collection = root.add_child(name=organization.name)
    return collection


def _workflow(organization: Organization, owners: Group, pages) -> Workflow:
    name = f"{organization.name}: owner approval"
    workflow, _ = Workflow.objects.get_or_create(name=name)
    task = GroupApprovalTask.objects.filter(name=name).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=name)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    task.groups.set([owners])
    for page in pages:
        WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def organization_workspace_sync(*, organization: Organization) -> Workspace | None:
    """Create or update the organization's workspace; returns None while it is unverified.

    Idempotent: run it after verification and after every membership change. An organization
    whose verification is withdrawn keeps its pages but its owners can no longer publish.
    """
    has_workspace = OrganizationPage.objects.filter(organization=organization).exists()
    if not organization.is_verified and not has_workspace:
        return None
    pages = _organization_pages(organization)
    owners, _ = Group.objects.get_or_create(name=_group_name(organization, "owners"))
    editors, _ = Group.objects.get_or_create(name=_group_name(organization, "editors"))
    # Every member reaches the admin: finance and coordinators manage their domain objects there.
    staff, _ = Group.objects.get_or_create(name=_group_name(organization, "staff"))
    staff.permissions.add(_permission("wagtailadmin", "access_admin"))

    owner_codenames = OWNER_PAGE_PERMISSIONS
    if not organization.is_verified:
        owner_codenames = tuple(c for c in OWNER_PAGE_PERMISSIONS if c != "publish_page")
    _set_page_permissions(owners, pages, owner_codenames)
    _set_page_permissions(editors, pages, EDITOR_PAGE_PERMISSIONS)

    collection = _collection(organization)
    for group in (owners, editors):
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(app_label, codename)
            )
    workflow = _workflow(organization, owners, pages)

    members = Membership.objects.filter(organization=organization).select_related("user")
    by_group = {owners: set(), editors: set(), staff: set()}
    for membership in members:
        by_group[staff].add(membership.user)
        if membership.role == Role.OWNER:
            by_group[owners].add(membership.user)
        elif membership.role == Role.EDITOR:
            by_group[editors].add(membership.user)
    for group, users in by_group.items():
        group.user_set.set(users)
    return Workspace(organization, pages, owners, editors, staff, collection, workflow)
