from django.urls import path

from . import certificate_views, day_views

app_name = "volunteers"

urlpatterns = [
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
    path("volunteer/certificates/", certificate_views.my_certificates, name="my_certificates"),
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
