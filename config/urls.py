from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from charity import open_data
from charity.webhooks import stripe_webhook
from cms.feeds import ProjectUpdatesFeed
from cms.sitemaps import AllLanguagesSitemap
from cms.views import robots_txt


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("open-data/<slug:name>.csv", open_data.dataset_csv, name="open_data_csv"),
    path("open-data/<slug:name>.json", open_data.dataset_json, name="open_data_json"),
    path(
        "open-data/reports/<int:pk>.<slug:fmt>",
        open_data.report_download,
        name="open_data_report",
    ),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": AllLanguagesSitemap}}, name="sitemap"),
    path("django-admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.STRIPE_TEST_GATEWAY:
    from charity import test_gateway_views

    urlpatterns.append(
        path(
            "test-gateway/checkout/<str:session_id>/",
            test_gateway_views.checkout,
            name="test_gateway_checkout",
        )
    )

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("feeds/updates/", ProjectUpdatesFeed(), name="updates_feed"),
    path("open-data/", open_data.index, name="open_data"),
    path("", include("charity.urls")),
    path("", include("volunteers.urls")),
    path("volunteer/", include("volunteers.urls_matching")),
    path("", include("cms.urls")),
    prefix_default_language=True,
)
