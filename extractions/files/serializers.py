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
    upload_url = serializers.CharField(read_only=True)
    upload_method = serializers.CharField(read_only=True, default="PUT")
    upload_headers = serializers.DictField(child=serializers.CharField(), read_only=True)
    upload_url_expires_at = serializers.DateTimeField(read_only=True)

    class Meta(StagedFileSerializer.Meta):
        fields = [
            *StagedFileSerializer.Meta.fields,
            "upload_url",
            "upload_method",
            "upload_headers",
            "upload_url_expires_at",
        ]
        read_only_fields = fields
