"""API routes of exports, mounted under /v1/ before extractions.urls (``extractions/export``
is not an extraction id)."""

from django.urls import path

from extractions.exports import views

urlpatterns = [
    path("extractions/export", views.ExtractionListExportView.as_view(), name="extractions-export"),
    path(
        "extractions/<str:extraction_id>/export",
        views.ExtractionExportView.as_view(),
        name="extraction-export",
    ),
]
