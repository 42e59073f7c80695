from django.apps import AppConfig


class ExtractionsConfig(AppConfig):
    name = "extractions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Celery autodiscovers only ``<app>.tasks``; these task modules live elsewhere.
        from extractions import retention_tasks  # noqa: F401
        from extractions.webhooks import tasks as webhook_tasks  # noqa: F401
