from django.urls import path

from . import donor_views, views

app_name = "charity"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("give/<int:project_id>/", views.donate, name="donate"),
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
    path("donations/<str:token>/", donor_views.donation_detail, name="donation_detail"),
    path("donations/<str:token>/thanks/", donor_views.donation_thanks, name="donation_thanks"),
    path("donations/<str:token>/receipt/", donor_views.donation_receipt, name="donation_receipt"),
    path(
        "donations/<str:token>/stop-monthly/",
        donor_views.donation_stop_monthly,
        name="donation_stop_monthly",
    ),
    path("me/donations/", donor_views.my_donations, name="my_donations"),
    path(
        "me/donations/monthly/<int:gift_id>/stop/",
        donor_views.my_monthly_gift_stop,
        name="my_monthly_gift_stop",
    ),
]
