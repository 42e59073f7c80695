from django.apps import AppConfig


class ParsersConfig(AppConfig):
    name = "parsers"
    default_auto_field = "django.db.models.BigAutoField"
