"""Dashboard routes (server-rendered pages). Views live in each app's ``web`` module."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import web as accounts_web
from extractions.web import home as home_web

urlpatterns = [
    path("", home_web.home, name="home"),
    # Sign up, log in, password reset
    path("signup/", accounts_web.signup, name="signup"),
    path("login/", accounts_web.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", accounts_web.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts_web.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts_web.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        accounts_web.password_reset_complete,
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", accounts_web.accept_invitation, name="accept-invitation"),
    # Organizations, members, API keys
    path("organizations/switch/", accounts_web.switch_org, name="switch-org"),
    path("organizations/new/", accounts_web.new_organization, name="organization-new"),
    path("organizations/none/", accounts_web.no_organization, name="no-organization"),
    path("settings/", accounts_web.organization_settings, name="organization-settings"),
    path("members/", accounts_web.members, name="members"),
    path("members/<int:membership_id>/role/", accounts_web.member_role, name="member-role"),
    path("members/<int:membership_id>/remove/", accounts_web.member_remove, name="member-remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        accounts_web.invitation_revoke,
        name="invitation-revoke",
    ),
    path("api-keys/", accounts_web.api_keys, name="api-keys"),
    path("api-keys/<str:key_id>/revoke/", accounts_web.api_key_revoke, name="api-key-revoke"),
]
