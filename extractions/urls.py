"""API routes of this app, mounted under /v1/ by config/urls.py."""

from django.urls import path

from extractions import views

urlpatterns = [
    path("extractions", views.ExtractionCollectionView.as_view(), name="extractions"),
    path(
        "extractions/<str:extraction_id>",
        views.ExtractionDetailView.as_view(),
        name="extraction-detail",
    ),
    path(
        "extractions/<str:extraction_id>/cancel",
        views.ExtractionCancelView.as_view(),
        name="extraction-cancel",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>",
        views.DocumentDetailView.as_view(),
        name="document-detail",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/review",
        views.DocumentReviewView.as_view(),
        name="document-review",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/file",
        views.DocumentFileView.as_view(),
        name="document-file",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/pages/<int:page>.png",
        views.DocumentPageImageView.as_view(),
        name="document-page-image",
    ),
    path("extract", views.SyncExtractView.as_view(), name="extract-sync"),
]
