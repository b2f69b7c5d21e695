from django.urls import path

from . import views

app_name = "charity"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("orgs/new/", views.organization_register, name="organization_register"),
    path("orgs/<slug:slug>/members/", views.organization_members, name="organization_members"),
    path(
        "orgs/<slug:slug>/members/<int:membership_id>/role/",
        views.membership_change_role,
        name="membership_change_role",
    ),
    path(
        "orgs/<slug:slug>/members/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "orgs/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
