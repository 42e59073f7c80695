"""``/v1/files``: staged files for batches (mounted under /v1/ by config/urls.py)."""

from django.urls import path

from extractions.files import views

urlpatterns = [
    path("files", views.FileCollectionView.as_view(), name="files"),
    path("files/<str:file_id>", views.FileDetailView.as_view(), name="file-detail"),
]
