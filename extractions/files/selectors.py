"""Reading staged files: the one way to load a tenant's staged file."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Organization
from accounts.tenancy import get_for_org
from extractions.files.services import visible_staged_files_q
from extractions.models import StoredFile


def staged_files_of(*, organization: Organization) -> QuerySet[StoredFile]:
    """The organization's staged files that are still usable (newest first when paginated)."""
    return StoredFile.objects.for_org(organization).filter(visible_staged_files_q())


def get_staged_file(*, organization: Organization, file_id: str) -> StoredFile:
    """404 FILE_NOT_FOUND for another organization's file, a purged or an expired one alike."""
    return get_for_org(
        StoredFile.objects.filter(visible_staged_files_q()),
        organization,
        file_id,
        not_found_code="FILE_NOT_FOUND",
        label="File",
    )


def staged_files_by_id(
    *, organization: Organization, file_ids: Iterable[str]
) -> dict[str, StoredFile]:
    """The organization's usable staged files among ``file_ids``, in one query (for batches).

    Ids that are missing from the result are unknown, another organization's, purged or expired.
    """
    ids = list(dict.fromkeys(file_ids))
    rows = StoredFile.objects.for_org(organization).filter(
        visible_staged_files_q(), public_id__in=ids
    )
    return {row.public_id: row for row in rows}
