"""The rule that only drafts change, in one place."""

from catalog import enums
from catalog.errors import NoDraftVersion, PackageArchived
from catalog.models import Package, PackageVersion


def lock_draft_version(package: Package) -> PackageVersion:
    """Lock the package row, then return its draft version for editing.

    Locking the package (not just the version) serialises edits with publish, create-draft and archive.
    Raises ``PackageArchived`` or ``NoDraftVersion`` (409): published versions are immutable.
    """
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.archived_at is not None:
        raise PackageArchived(f"{package.ref_id} is archived")
    draft = package.versions.filter(status=enums.PackageStatus.DRAFT).first()
    if draft is None:
        raise NoDraftVersion(
            f"{package.ref_id} has no draft: published versions are immutable; create a draft first "
            f"(POST .../{package.ref_id}/draft)"
        )
    draft.package = package
    return draft
