"""The OpenAPI document: what drf-spectacular cannot work out on its own."""

from __future__ import annotations


def preload_schema_extensions() -> None:
    """Resolve every drf-spectacular extension's target class now, once, in one thread.

    drf-spectacular resolves them lazily on the first schema generation, and that is not
    thread-safe: two first requests for /v1/schema in a threaded server (Swagger UI fetching
    it while someone else does) raced on an optional extension whose package is not installed
    and one of them answered 500.
    """
    import drf_spectacular.openapi  # noqa: F401  (registers drf-spectacular's contrib extensions)
    from drf_spectacular.extensions import (
        OpenApiAuthenticationExtension,
        OpenApiFilterExtension,
        OpenApiSerializerExtension,
        OpenApiSerializerFieldExtension,
        OpenApiViewExtension,
    )

    for base in (
        OpenApiAuthenticationExtension,
        OpenApiFilterExtension,
        OpenApiSerializerExtension,
        OpenApiSerializerFieldExtension,
        OpenApiViewExtension,
    ):
        for extension in list(base._registry):
            if isinstance(extension.target_class, str):
                extension._load_class()
