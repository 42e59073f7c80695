from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
