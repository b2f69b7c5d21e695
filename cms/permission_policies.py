"""Who may manage charity's domain objects in the Wagtail admin: charity.permissions decides."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies.base import BasePermissionPolicy

from charity.models import Organization, Project
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


class ProjectPermissionPolicy(BasePermissionPolicy):
    """Staff with project.edit in an organization add, view and change its projects.

    Projects are never deleted from the admin: money may already be recorded against them;
    closing them is a status change.
    """

    ACTION = "project.edit"
    ALLOWED = {"add", "change", "view"}

    def user_has_permission(self, user, action):
        return action in self.ALLOWED and organizations_where(user, self.ACTION).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return action in self.ALLOWED and can(user, self.ACTION, instance.organization)

    def instances_user_has_permission_for(self, user, action):
        if action not in self.ALLOWED:
            return Project.objects.none()
        return Project.objects.filter(organization__in=organizations_where(user, self.ACTION))

    def users_with_permission(self, action):
        if action not in self.ALLOWED:
            return get_user_model().objects.none()
        roles = ACTIONS[self.ACTION].roles
        return get_user_model().objects.filter(
            is_active=True, memberships__role__in=roles
        ).distinct() | get_user_model().objects.filter(is_active=True, is_superuser=True)
