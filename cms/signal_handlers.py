"""Keeping the CMS in step with other changes: caches, and organizations' workspaces.

No business rules live here; the receivers call cms services.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from charity.models import Organization, Project
from charity.signals import (
    membership_changed,
    organization_unverified,
    organization_verified,
    project_money_changed,
)
from volunteers.models import ReliefTask, Shift, ShiftSignup, SignupStatus

from . import page_cache
from .context_processors import clear_navigation_cache
from .routing import forget_sites


def _page_changed(sender, **kwargs):
    clear_navigation_cache()
    page_cache.invalidate(page_cache.SITE)


def _site_changed(sender, **kwargs):
    page_cache.invalidate(page_cache.SITE)


def _project_changed(sender, instance, **kwargs):
    page_cache.invalidate(page_cache.PROJECTS, page_cache.project_tag(instance.pk))


def _money_moved(sender, organization_id, project_ids, **kwargs):
    # Listings and home totals always; a general-fund gift changes no project's page.
    page_cache.invalidate(page_cache.PROJECTS, *map(page_cache.project_tag, project_ids))


def _project_groups_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Project):
        _project_changed(sender, instance)


def _volunteering_changed(sender, instance, **kwargs):
    """A project page lists its upcoming shifts with their places taken: any change to a task, a
    shift or a sign-up of the project's tasks makes it stale."""
    if isinstance(instance, ReliefTask):
        project_id = instance.project_id
    else:
        tasks = (
            ReliefTask.objects.filter(shifts=instance.shift_id)
            if isinstance(instance, ShiftSignup)
            else ReliefTask.objects.filter(pk=instance.task_id)
        )
        project_id = tasks.values_list("project_id", flat=True).first()
    tags = [page_cache.project_tag(project_id)] if project_id else []
    if isinstance(instance, ShiftSignup) and instance.status == SignupStatus.COMPLETED:
        tags.append(page_cache.PROJECTS)  # approved hours: the home page's platform totals
    if tags:
        page_cache.invalidate(*tags)


def _organization_changed(sender, organization, **kwargs):
    from .workspaces import organization_workspace_sync

    organization_workspace_sync(organization=organization)


def register() -> None:
    page_published.connect(_page_changed, dispatch_uid="cms_nav_published")
    page_unpublished.connect(_page_changed, dispatch_uid="cms_nav_unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="cms_page_moved")
    # Deleting a page deletes its specific row first; the base Page row covers every type.
    post_delete.connect(_page_changed, sender=Page, dispatch_uid="cms_page_deleted")
    for model in (Organization, Site):
        post_save.connect(_site_changed, sender=model, dispatch_uid=f"cms_cache_{model.__name__}")
        post_delete.connect(
            _site_changed, sender=model, dispatch_uid=f"cms_cache_d{model.__name__}"
        )
    post_save.connect(forget_sites, sender=Site, dispatch_uid="cms_routing_sites")
    post_delete.connect(forget_sites, sender=Site, dispatch_uid="cms_routing_sites_d")
    project_money_changed.connect(_money_moved, dispatch_uid="cms_cache_money")
    post_save.connect(_project_changed, sender=Project, dispatch_uid="cms_cache_project")
    post_delete.connect(_project_changed, sender=Project, dispatch_uid="cms_cache_project_d")
    m2m_changed.connect(
        _project_groups_changed,
        sender=Project.beneficiary_groups.through,
        dispatch_uid="cms_cache_project_groups",
    )
    for model in (ReliefTask, Shift, ShiftSignup):
        post_save.connect(
            _volunteering_changed, sender=model, dispatch_uid=f"cms_cache_{model.__name__}"
        )
        post_delete.connect(
            _volunteering_changed, sender=model, dispatch_uid=f"cms_cache_d{model.__name__}"
        )
    for signal in (organization_verified, organization_unverified, membership_changed):
        signal.connect(_organization_changed, dispatch_uid=f"cms_workspace_{id(signal)}")
