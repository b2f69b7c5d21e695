from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.opportunities, name="opportunities"),
    path("shifts/<int:shift_id>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:shift_id>/sign-up/", views.shift_signup, name="shift_signup"),
    path("sign-ups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", views.profile_edit, name="profile"),
    path("me/certificates/", views.certificate_add, name="certificate_add"),
    path(
        "me/certificates/<int:certificate_id>/remove/",
        views.certificate_remove,
        name="certificate_remove",
    ),
    path("me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
