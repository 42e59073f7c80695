from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("parsers.urls")),
    path("", include("extractions.exports.urls")),
    path("", include("extractions.urls")),
    path("", include("extractions.file_urls")),
    path("", include("extractions.webhook_urls")),
    path("", include("billing.urls")),
    # Public documents: credentials sent along are ignored (not answered with a YAML/HTML 401).
    path(
        "schema",
        SpectacularAPIView.as_view(authentication_classes=[]),
        name="openapi-schema",
    ),
    # Swagger UI's start-up script comes from its own URL (?script): the CSP forbids inline
    # scripts. Its files are drf-spectacular-sidecar's static files, not a CDN's.
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="openapi-schema", authentication_classes=[]),
        name="api-docs",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("config.web_urls")),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
