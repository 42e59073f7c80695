from django.apps import AppConfig


class ExtractionsConfig(AppConfig):
    name = "extractions"
    default_auto_field = "django.db.models.BigAutoField"
