"""``/v1/webhooks``: endpoints and deliveries (mounted under /v1/ by config/urls.py)."""

from django.urls import path

from extractions.webhooks import views

urlpatterns = [
    path("webhooks", views.WebhookCollectionView.as_view(), name="webhooks"),
    # Fixed paths before <webhook_id> (public ids never collide with them: they start whk_).
    path(
        "webhooks/deliveries",
        views.OrganizationDeliveryListView.as_view(),
        name="webhook-deliveries-all",
    ),
    path(
        "webhooks/deliveries/<str:delivery_id>/resend",
        views.OrganizationDeliveryResendView.as_view(),
        name="webhook-delivery-resend-any",
    ),
    path(
        "webhooks/signing-secret",
        views.SigningSecretView.as_view(),
        name="webhook-signing-secret",
    ),
    path("webhooks/<str:webhook_id>", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<str:webhook_id>/rotate-secret",
        views.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries",
        views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/resend",
        views.WebhookDeliveryResendView.as_view(),
        name="webhook-delivery-resend",
    ),
]
