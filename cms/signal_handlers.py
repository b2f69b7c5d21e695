"""Keeping the CMS in step with other changes: caches, and organizations' workspaces.

No business rules live here; the receivers call cms services.
"""

from wagtail.signals import page_published, page_unpublished

from charity.signals import membership_changed, organization_unverified, organization_verified

from .context_processors import clear_navigation_cache


def _page_changed(sender, **kwargs):
    clear_navigation_cache()


def _organization_changed(sender, organization, **kwargs):
    from .workspaces import organization_workspace_sync

    organization_workspace_sync(organization=organization)


def register() -> None:
    page_published.connect(_page_changed, dispatch_uid="cms_nav_published")
    page_unpublished.connect(_page_changed, dispatch_uid="cms_nav_unpublished")
    for signal in (organization_verified, organization_unverified, membership_changed):
        signal.connect(_organization_changed, dispatch_uid=f"cms_workspace_{id(signal)}")
