from django.urls import path

from . import views_matching as views

app_name = "volunteers_matching"

urlpatterns = [
    path("orgs/<slug:slug>/assignments/", views.assignments, name="assignments"),
    path("orgs/<slug:slug>/assignments/<int:pk>/", views.proposal, name="proposal"),
    path(
        "orgs/<slug:slug>/assignments/<int:pk>/status/",
        views.proposal_status,
        name="proposal_status",
    ),
    path(
        "orgs/<slug:slug>/assignments/<int:pk>/placements/<int:placement_id>/remove/",
        views.placement_remove,
        name="placement_remove",
    ),
    path(
        "orgs/<slug:slug>/assignments/<int:pk>/placements/add/",
        views.placement_add,
        name="placement_add",
    ),
    path(
        "orgs/<slug:slug>/assignments/<int:pk>/confirm/",
        views.proposal_confirm,
        name="proposal_confirm",
    ),
    path(
        "orgs/<slug:slug>/assignments/<int:pk>/discard/",
        views.proposal_discard,
        name="proposal_discard",
    ),
]
