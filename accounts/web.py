"""Dashboard pages of the accounts app: sign-up, log in, organizations, members, API keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.http import require_POST

from accounts import onboarding, selectors, services
from accounts.forms import (
    APIKeyForm,
    InvitationSignUpForm,
    InviteForm,
    LoginForm,
    NewOrganizationForm,
    OrganizationForm,
    RoleForm,
    SignUpForm,
)
from accounts.models import SCOPE_HELP, APIKey, Invitation, KeyScope, Membership, User
from accounts.web_tenancy import (
    SESSION_ORG_KEY,
    get_or_404,
    org_view,
    render_problem,
    resolve_tenant,
    switch_organization,
)
from config.errors import APIError
from support.selectors import support_actions_for

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Sign up, log in, log out --------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _send_verification(request: HttpRequest, user: User) -> None:
    """The sign-up link: verifies the address, signs in, grants the sign-up credits."""
    url = request.build_absolute_uri(
        reverse(
            "web:verify-email",
            args=[
                urlsafe_base64_encode(force_bytes(user.pk)),
                onboarding.email_verification_tokens.make_token(user),
            ],
        )
    )
    context = {"url": url, "credits": settings.PP_SIGNUP_FREE_CREDITS}
    send_mail(
        subject="Confirm your email address for PerfectParser",
        message=render_to_string("accounts/email/verify.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = onboarding.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                organization_name=form.cleaned_data["organization_name"],
            )
        except APIError as exc:
            form.add_error("password" if exc.code == "WEAK_PASSWORD" else None, exc.message)
        else:
            # The same answer whether the address had an account or not: only its mailbox
            # learns which (a link to finish, or a note that the account exists).
            user = outcome.user
            if outcome.created or user.email_verified_at is None:
                _send_verification(request, user)
            else:
                send_mail(
                    subject="You already have a PerfectParser account",
                    message=render_to_string(
                        "accounts/email/account_exists.txt",
                        {
                            "login": request.build_absolute_uri(reverse("web:login")),
                            "reset": request.build_absolute_uri(reverse("web:password_reset")),
                        },
                    ),
                    from_email=None,
                    recipient_list=[user.email],
                )
            return redirect("web:signup-sent")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "free_credits": settings.PP_SIGNUP_FREE_CREDITS},
    )


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/signup_sent.html", {"free_credits": settings.PP_SIGNUP_FREE_CREDITS}
    )


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not onboarding.email_verification_tokens.check_token(user, token):
        # Like an invalid password-reset link: a page that says so, and nothing happens.
        return render(request, "accounts/verify_invalid.html")
    credits = onboarding.verify_email(user=user)
    if request.user != user:
        login(request, user, backend=MODEL_BACKEND)
    organization = onboarding.signup_organization(user)
    if organization is not None:
        request.session[SESSION_ORG_KEY] = organization.public_id
    if credits:
        messages.success(
            request,
            f"Email address confirmed. Welcome to PerfectParser! {organization.name} starts "
            f"with {credits} free credits.",
        )
    else:
        messages.success(request, "Email address confirmed.")
    return redirect("web:home")


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    if request.user.email_verified_at is None:
        _send_verification(request, request.user)
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("web:home")


def no_organization(request: HttpRequest) -> HttpResponse:
    """A signed-in person who belongs to no organization (removed from their last one)."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    if resolve_tenant(request) is not None:
        return redirect("web:home")
    form = NewOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(
            name=form.cleaned_data["name"], owner=request.user
        )
        request.session[SESSION_ORG_KEY] = organization.public_id
        return redirect("web:home")
    return render(request, "accounts/no_organization.html", {"form": form})


# --- Organizations ---------------------------------------------------------------------------


@require_POST
@org_view
def switch_org(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("organization", "")
    if wanted == "__new__":
        return redirect("web:organization-new")
    membership = switch_organization(request, wanted)
    messages.info(request, f"Switched to {membership.organization.name}.")
    return redirect(_safe_next(request, reverse("web:home")))


@org_view
def new_organization(request: HttpRequest) -> HttpResponse:
    form = NewOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Free credits come with sign-up only: more organizations start empty.
        organization = services.create_organization(
            name=form.cleaned_data["name"], owner=request.user
        )
        request.session[SESSION_ORG_KEY] = organization.public_id
        messages.success(request, f"Created {organization.name}. You are its owner.")
        return redirect("web:home")
    return render(request, "accounts/new_organization.html", {"form": form})


@org_view(manage=True)
def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = request.tenant.organization
    form = OrganizationForm(
        request.POST or None,
        initial={
            "name": organization.name,
            "review_confidence_threshold": organization.review_confidence_threshold,
        },
    )
    if request.method == "POST" and form.is_valid():
        onboarding.update_organization(
            organization=organization,
            name=form.cleaned_data["name"],
            review_confidence_threshold=form.cleaned_data["review_confidence_threshold"],
        )
        messages.success(request, "Settings saved.")
        return redirect("web:organization-settings")
    context: dict[str, Any] = {"form": form, "section": "settings"}
    if request.tenant.is_owner:
        # Owners audit what PerfectParser support did in their organization.
        context["support_actions"] = support_actions_for(organization=organization)
    return render(request, "accounts/organization.html", context)


# --- Members ---------------------------------------------------------------------------------


def _send_invitation(request: HttpRequest, new: onboarding.NewInvitation) -> None:
    invitation = new.invitation
    url = request.build_absolute_uri(reverse("web:accept-invitation", args=[new.token]))
    context = {"invitation": invitation, "url": url, "inviter": request.user}
    send_mail(
        subject=f"Join {invitation.organization.name} on PerfectParser",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@org_view
def members(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    roles = onboarding.assignable_roles(actor_role=tenant.role)
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST":
        if not tenant.can_manage:
            raise PermissionDenied("Only owners and admins can invite members.")
        if form.is_valid():
            try:
                new = onboarding.invite_member(
                    organization=tenant.organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    actor_role=tenant.role,
                )
            except APIError as exc:
                form.add_error("email" if exc.code == "ALREADY_MEMBER" else None, exc.message)
            else:
                _send_invitation(request, new)
                messages.success(request, f"Invitation sent to {new.invitation.email}.")
                return redirect("web:members")
    invitations = (
        Invitation.objects.for_org(tenant.organization)
        .filter(accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "accounts/members.html",
        {
            "form": form,
            "memberships": selectors.members_of(organization=tenant.organization),
            "invitations": invitations,
            "assignable": roles,
            "section": "members",
        },
    )


def _membership_or_404(request: HttpRequest, membership_id: int) -> Membership:
    membership = (
        Membership.objects.for_org(request.tenant.organization)
        .select_related("user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise Http404("Member not found.")
    return membership


@require_POST
@org_view(manage=True)
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("web:members")
    try:
        onboarding.set_member_role(
            membership=membership, role=form.cleaned_data["role"], actor_role=request.tenant.role
        )
    except APIError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{membership.user.email} is now {membership.get_role_display()}."
        )
    return redirect("web:members")


@require_POST
@org_view(manage=True)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    try:
        onboarding.remove_member_as(membership=membership, actor_role=request.tenant.role)
    except APIError as exc:
        messages.error(request, exc.message)
        return redirect("web:members")
    messages.success(request, f"Removed {membership.user.email}.")
    if membership.user_id == request.user.pk:
        return redirect("web:home")
    return redirect("web:members")


@require_POST
@org_view(manage=True)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = (
        Invitation.objects.for_org(request.tenant.organization).filter(pk=invitation_id).first()
    )
    if invitation is None:
        raise Http404("Invitation not found.")
    onboarding.revoke_invitation(invitation=invitation)
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("web:members")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: join with the signed-in account, or create one."""
    invitation = onboarding.pending_invitation(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = InvitationSignUpForm(request.POST or None)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = onboarding.accept_invitation(token=token, user=request.user)
            elif has_account:
                return redirect(f"{reverse('web:login')}?next={request.path}")
            elif form.is_valid():
                user, membership = onboarding.sign_up_with_invitation(
                    token=token, password=form.cleaned_data["password"]
                )
                login(request, user, backend=MODEL_BACKEND)
            else:
                membership = None
        except APIError as exc:
            if exc.code == "WEAK_PASSWORD":
                form.add_error("password", exc.message)
                membership = None
            else:
                return render_problem(request, exc)
        if membership is not None:
            request.session[SESSION_ORG_KEY] = membership.organization.public_id
            messages.success(request, f"You joined {membership.organization.name}.")
            return redirect("web:home")
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
    )


# --- API keys --------------------------------------------------------------------------------


@org_view(manage=True)
def api_keys(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = APIKeyForm(request.POST or None)
    created: Any = None
    if request.method == "POST" and form.is_valid():
        # Rendered in the POST response itself, never stored: the secret is shown once.
        created = services.create_api_key(
            organization=tenant.organization,
            name=form.cleaned_data["name"],
            created_by=request.user,
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
        form = APIKeyForm()
    return render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "created": created,
            "keys": selectors.api_keys_of(organization=tenant.organization),
            "scopes": [(scope, scope.label, SCOPE_HELP[scope]) for scope in KeyScope],
            "section": "api-keys",
        },
    )


@require_POST
@org_view(manage=True)
def api_key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    api_key = get_or_404(APIKey, request.tenant, key_id, label="API key")
    services.revoke_api_key(api_key=api_key)
    messages.success(request, f"Revoked {api_key.name} ({api_key.prefix}…).")
    return redirect("web:api-keys")


# --- Password reset (Django's views, our templates) ----------------------------------------

password_reset = auth_views.PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    success_url=reverse_lazy("web:password_reset_done"),
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)
