from __future__ import annotations

from rest_framework import serializers

from extractions.models import StoredFile


class StagedFileSerializer(serializers.ModelSerializer):
    file_id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = StoredFile
        fields = [
            "file_id",
            "filename",
            "size",
            "media_type",
            "page_count",
            "sha256",
            "upload_status",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields


class PresignedUploadRequestSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=1000)
    size = serializers.IntegerField(min_value=1)
    content_type = serializers.CharField(
        max_length=200, required=False, default="application/octet-stream"
    )


class PresignedUploadSerializer(StagedFileSerializer):
    # Only in the answer to a JSON (presigned) request, so not required in the documented 201
    # (read-only fields are always documented as required). Output only: never parses input.
    upload_url = serializers.CharField(required=False)
    upload_method = serializers.CharField(required=False, default="PUT")
    upload_headers = serializers.DictField(child=serializers.CharField(), required=False)
    upload_url_expires_at = serializers.DateTimeField(required=False)

    class Meta(StagedFileSerializer.Meta):
        fields = [
            *StagedFileSerializer.Meta.fields,
            "upload_url",
            "upload_method",
            "upload_headers",
            "upload_url_expires_at",
        ]
        read_only_fields = fields
