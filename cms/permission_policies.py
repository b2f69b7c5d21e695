"""Who may manage charity's domain objects in the Wagtail admin: charity.permissions decides."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies.base import BasePermissionPolicy

from charity.models import Organization
from charity.permissions import ACTIONS, can


def organizations_where(user, action: str):
    """Organizations for which `user` may perform `action` (every one for a superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    candidates = Organization.objects.filter(memberships__user=user)
    return Organization.objects.filter(
        pk__in=[org.pk for org in candidates if can(user, action, org)]
    )


class OrganizationScopedPolicy(BasePermissionPolicy):
    """Wagtail admin permissions for a model that belongs to an organization.

    `actions` maps each admin action ("add", "change", "view", ...) to the charity.permissions
    action it needs in the object's organization; actions not listed are never allowed.
    """

    actions: dict[str, str] = {}

    def user_has_permission(self, user, action):
        needed = self.actions.get(action)
        return needed is not None and organizations_where(user, needed).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        needed = self.actions.get(action)
        return needed is not None and can(user, needed, instance.organization)

    def instances_user_has_permission_for(self, user, action):
        needed = self.actions.get(action)
        if needed is None:
            return self.model.objects.none()
        return self.model.objects.filter(organization__in=organizations_where(user, needed))

    def users_with_permission(self, action):
        users = get_user_model().objects.filter(is_active=True)
        needed = self.actions.get(action)
        if needed is None:
            return users.none()
        roles = ACTIONS[needed].roles
        return users.filter(memberships__role__in=roles).distinct() | users.filter(
            is_superuser=True
        )


class ProjectPermissionPolicy(OrganizationScopedPolicy):
    """Staff with project.edit in an organization add, view and change its projects.

    Projects are never deleted from the admin: money may already be recorded against them;
    closing them is a status change.
    """

    actions = {"add": "project.edit", "change": "project.edit", "view": "project.edit"}
