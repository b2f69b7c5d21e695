from django.urls import path

from . import certificate_views, day_views, views

app_name = "volunteers"

urlpatterns = [
    # Finding and signing up for shifts; the volunteer's own pages and calendar.
    path("volunteer/", views.opportunities, name="opportunities"),
    path("volunteer/shifts/<int:shift_id>/", views.shift_detail, name="shift_detail"),
    path("volunteer/shifts/<int:shift_id>/sign-up/", views.shift_signup, name="shift_signup"),
    path("volunteer/sign-ups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("volunteer/me/", views.dashboard, name="dashboard"),
    path("volunteer/me/profile/", views.profile_edit, name="profile"),
    path("volunteer/me/certificates/", views.certificate_add, name="certificate_add"),
    path(
        "volunteer/me/certificates/<int:certificate_id>/remove/",
        views.certificate_remove,
        name="certificate_remove",
    ),
    path("volunteer/me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("volunteer/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    # On the day: the coordinator's roster, QR check-in, hours.
    path("volunteer/roster/<int:shift_id>/", day_views.roster, name="roster"),
    path(
        "volunteer/roster/<int:shift_id>/<int:signup_id>/hours/",
        day_views.hours_approve,
        name="hours_approve",
    ),
    path(
        "volunteer/roster/<int:shift_id>/<int:signup_id>/certificate/",
        day_views.certificate_for_signup,
        name="certificate_for_signup",
    ),
    path(
        "volunteer/roster/<int:shift_id>/<int:signup_id>/<slug:action>/",
        day_views.roster_action,
        name="roster_action",
    ),
    path("volunteer/check-in/<str:token>/", day_views.check_in, name="check_in"),
    # Service certificates and their public verification.
    path(
        "volunteer/certificates/",
        certificate_views.my_certificates,
        name="my_certificates",
    ),
    path(
        "volunteer/certificates/<int:pk>/",
        certificate_views.certificate_detail,
        name="certificate_detail",
    ),
    path(
        "volunteer/certificates/<int:pk>/pdf/",
        certificate_views.certificate_pdf_download,
        name="certificate_pdf",
    ),
    path(
        "volunteer/certificates/<int:pk>/revoke/",
        certificate_views.certificate_revoke,
        name="certificate_revoke",
    ),
    path(
        "certificates/verify/<str:code>/",
        certificate_views.certificate_verify,
        name="certificate_verify",
    ),
]
