from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The API's authentication classes register their schema extensions on import.
        import accounts.authentication  # noqa: F401
        from accounts.support import ensure_support_group
        from config.openapi import preload_schema_extensions

        # After every app's migrations, when all permissions exist.
        post_migrate.connect(ensure_support_group, dispatch_uid="accounts.support_group")
        preload_schema_extensions()
        # Every way a password changes (reset link, admin, the user model's set_password)
        # ends in User.save: a signal is the one hook they all pass.
        post_save.connect(
            _revoke_tokens_on_password_change,
            sender="accounts.User",
            dispatch_uid="accounts.revoke_tokens_on_password_change",
        )


def _revoke_tokens_on_password_change(
    sender: type, instance: object, created: bool, **_: object
) -> None:
    """A new password revokes every refresh token issued with the old one. (Django keeps the
    raw new password in ``_password`` from set_password until save has sent post_save.)"""
    if created or getattr(instance, "_password", None) is None:
        return
    from accounts.tokens import revoke_refresh_tokens

    revoke_refresh_tokens(user=instance)
