"""API routes of this app, mounted under /v1/ by config/urls.py."""

from django.urls import path

from parsers import template_views, views

urlpatterns = [
    path("parsers", views.ParserListView.as_view(), name="parsers"),
    path("parsers/<str:parser_id>", views.ParserDetailView.as_view(), name="parser"),
    path(
        "parsers/<str:parser_id>/versions",
        views.ParserVersionListView.as_view(),
        name="parser-versions",
    ),
    path(
        "parsers/<str:parser_id>/versions/<int:number>",
        views.ParserVersionDetailView.as_view(),
        name="parser-version",
    ),
    path(
        "parser-templates",
        template_views.ParserTemplateListView.as_view(),
        name="parser-templates",
    ),
    path("schemas/validate", views.SchemaValidateView.as_view(), name="schemas-validate"),
    path("schemas/suggest", views.SchemaSuggestView.as_view(), name="schemas-suggest"),
    path("classifiers", views.ClassifierListView.as_view(), name="classifiers"),
    path(
        "classifiers/<str:classifier_id>",
        views.ClassifierDetailView.as_view(),
        name="classifier",
    ),
]
