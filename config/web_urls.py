"""Dashboard routes (server-rendered pages). Views live in each app's ``web`` module."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import web as accounts_web
from billing import web as billing_web
from extractions.exports import web as exports_web
from extractions.web import home as home_web
from extractions.web import progress as progress_web
from extractions.web import review as review_web
from extractions.web import submit as submit_web
from parsers.web import classifiers as classifiers_web
from parsers.web import parsers as parsers_web

app_name = "web"

urlpatterns = [
    path("", home_web.home, name="home"),
    # Sign up, log in, password reset
    path("signup/", accounts_web.signup, name="signup"),
    path("signup/sent/", accounts_web.signup_sent, name="signup-sent"),
    path("verify/<uidb64>/<token>/", accounts_web.verify_email, name="verify-email"),
    path("verify/resend/", accounts_web.resend_verification, name="verify-email-resend"),
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
    # Parsers and classifiers
    path("parsers/", parsers_web.parser_list, name="parsers"),
    path("parsers/new/", parsers_web.parser_new, name="parser-new"),
    path("parsers/validate/", parsers_web.schema_validate, name="schema-validate"),
    path("parsers/suggest/", parsers_web.schema_suggest, name="schema-suggest"),
    path("parsers/try/", parsers_web.schema_try, name="schema-try"),
    path("parsers/<str:parser_id>/", parsers_web.parser_detail, name="parser-detail"),
    path("parsers/<str:parser_id>/versions/", parsers_web.parser_versions, name="parser-versions"),
    path("parsers/<str:parser_id>/delete/", parsers_web.parser_delete, name="parser-delete"),
    path("classifiers/", classifiers_web.classifier_list, name="classifiers"),
    path("classifiers/new/", classifiers_web.classifier_new, name="classifier-new"),
    path(
        "classifiers/<str:classifier_id>/",
        classifiers_web.classifier_detail,
        name="classifier-detail",
    ),
    path(
        "classifiers/<str:classifier_id>/delete/",
        classifiers_web.classifier_delete,
        name="classifier-delete",
    ),
    # Extract, extractions, review
    path("extract/", submit_web.extract_page, name="extract"),
    path("extract/files/", submit_web.stage_file, name="extract-stage"),
    path("extract/quote/", submit_web.quote, name="extract-quote"),
    path("extractions/", progress_web.extraction_list, name="extractions"),
    path("extractions/export/", exports_web.export_list, name="extractions-export"),
    path(
        "extractions/<str:extraction_id>/",
        progress_web.extraction_detail,
        name="extraction-detail",
    ),
    path(
        "extractions/<str:extraction_id>/progress/",
        progress_web.extraction_progress,
        name="extraction-progress",
    ),
    path(
        "extractions/<str:extraction_id>/export/",
        exports_web.export_extraction,
        name="extraction-export",
    ),
    path(
        "extractions/<str:extraction_id>/cancel/",
        progress_web.extraction_cancel,
        name="extraction-cancel",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/",
        review_web.document_review,
        name="document-review",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/pages/<int:page>.png",
        review_web.page_image,
        name="document-page",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/result.json",
        review_web.download_json,
        name="document-json",
    ),
    path(
        "extractions/<str:extraction_id>/documents/<str:document_id>/result.csv",
        review_web.download_csv,
        name="document-csv",
    ),
    path("review/", review_web.review_queue, name="review-queue"),
    path("review/start/", review_web.review_queue_start, name="review-queue-start"),
    path("review/automation/", review_web.automation, name="automation"),
    # Billing
    path("billing/", billing_web.billing, name="billing"),
    path("billing/checkout/", billing_web.checkout, name="checkout"),
    path("usage/", billing_web.usage, name="usage"),
]
