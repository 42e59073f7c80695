from django.urls import path

from accounts import views

urlpatterns = [
    path("auth/token", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh", views.TokenRefresh.as_view(), name="auth-token-refresh"),
    path("api-keys", views.APIKeyListView.as_view(), name="api-keys"),
    path("api-keys/<str:key_id>/revoke", views.APIKeyRevokeView.as_view(), name="api-key-revoke"),
]
