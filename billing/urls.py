"""API routes of this app, mounted under /v1/ by config/urls.py."""

from django.urls import path

from billing import views

urlpatterns = [
    path("credits", views.CreditsView.as_view(), name="credits"),
    path("credits/ledger", views.CreditLedgerView.as_view(), name="credits-ledger"),
    path("billing/packs", views.CreditPackListView.as_view(), name="billing-packs"),
    path("billing/payments", views.PaymentListView.as_view(), name="billing-payments"),
    path("billing/checkout", views.CheckoutView.as_view(), name="billing-checkout"),
    path(
        "billing/stripe/webhook", views.StripeWebhookView.as_view(), name="billing-stripe-webhook"
    ),
]
