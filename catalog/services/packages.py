"""Plans and add-ons as versioned packages: create (as a draft), edit the draft, publish, new draft, archive."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from catalog import enums
from catalog.errors import CannotPublish, InUse, InvalidCatalogInput, NoDraftVersion, PackageArchived
from catalog.models import Package, PackageVersion, Product
from catalog.selectors import package_get, product_get
from catalog.services.charges import charges_replace, copy_prices
from catalog.services.common import create_unique
from catalog.services.drafts import lock_draft_version
from catalog.services.entitlements import copy_entitlements
from catalog.services.features import features_activate
from config.decision_cache import invalidate_all
from config.ids import validate_external_id

VERSION_FIELDS = {"display_name", "description", "metadata", "billing_id", "max_quantity"}
PLAN_ONLY = {"parent_plan_ref_id", "compatible_addon_ref_ids", "default_trial_config"}
ADDON_ONLY = {"max_quantity", "dependency_ref_ids"}


def _label(kind: str) -> str:
    return "Plan" if kind == enums.PackageKind.PLAN else "Add-on"


def _set_trial(version: PackageVersion, trial: Mapping[str, Any] | None) -> None:
    if trial is None:
        version.trial_duration = version.trial_units = version.trial_end_behavior = None
        version.trial_budget_limit = version.trial_budget_has_soft_limit = None
        return
    duration = trial["duration"]
    if duration <= 0 or duration != int(duration):
        raise InvalidCatalogInput("must be a positive whole number", field="defaultTrialConfig.duration")
    budget = trial.get("budget")
    if budget is not None and budget["limit"] < 0:
        raise InvalidCatalogInput("must be 0 or more", field="defaultTrialConfig.budget.limit")
    version.trial_duration = int(duration)
    version.trial_units = trial["units"]
    version.trial_end_behavior = trial.get("trial_end_behavior") or enums.TrialEndBehavior.CONVERT_TO_PAID
    version.trial_budget_limit = budget["limit"] if budget else None
    version.trial_budget_has_soft_limit = budget["has_soft_limit"] if budget else None


def _set_parent_plan(version: PackageVersion, parent_ref_id: str | None) -> None:
    if not parent_ref_id:
        version.parent_plan = None
        return
    parent = package_get(enums.PackageKind.PLAN, parent_ref_id, field="parentPlanId")
    package = version.package
    if parent.pk == package.pk:
        raise InvalidCatalogInput("a plan cannot inherit from itself", field="parentPlanId")
    if parent.product_id != package.product_id:
        raise InvalidCatalogInput("must be a plan of the same product", field="parentPlanId")
    ancestor: Package | None = parent
    seen = {package.pk}
    while ancestor is not None:
        if ancestor.pk in seen:
            raise InvalidCatalogInput("would make an inheritance cycle", field="parentPlanId")
        seen.add(ancestor.pk)
        newest = ancestor.versions.order_by("-version_number").first()
        ancestor = newest.parent_plan if newest else None
    version.parent_plan = parent


def _addons_of_product(package: Package, ref_ids: list[str], *, field: str) -> list[Package]:
    addons = []
    for index, ref_id in enumerate(ref_ids):
        addon = package_get(enums.PackageKind.ADDON, ref_id, field=f"{field}[{index}]")
        if addon.product_id != package.product_id:
            raise InvalidCatalogInput(f"add-on {ref_id} belongs to another product", field=f"{field}[{index}]")
        if addon.pk == package.pk:
            raise InvalidCatalogInput("an add-on cannot depend on itself", field=f"{field}[{index}]")
        addons.append(addon)
    return addons


def _refuse_dependency_cycle(package: Package, dependencies: list[Package]) -> None:
    """Walk the newest versions' dependencies from each new dependency; reaching ``package`` means a cycle."""
    pending = list(dependencies)
    seen: set[int] = set()
    while pending:
        addon = pending.pop()
        if addon.pk == package.pk:
            raise InvalidCatalogInput("would make a dependency cycle between add-ons", field="dependencies")
        if addon.pk in seen:
            continue
        seen.add(addon.pk)
        newest = addon.versions.order_by("-version_number").first()
        if newest is not None:
            pending.extend(newest.dependencies.all())


def _apply(version: PackageVersion, changes: Mapping[str, Any], *, now: datetime) -> None:
    kind = version.package.kind
    forbidden = ADDON_ONLY if kind == enums.PackageKind.PLAN else PLAN_ONLY
    for name in changes:
        if name in forbidden:
            raise InvalidCatalogInput(f"does not apply to a {_label(kind).lower()}", field=name)
    for name in VERSION_FIELDS & set(changes):
        value = changes[name]
        setattr(version, name, {} if name == "metadata" and value is None else value)
    if "default_trial_config" in changes:
        _set_trial(version, changes["default_trial_config"])
    if "parent_plan_ref_id" in changes:
        _set_parent_plan(version, changes["parent_plan_ref_id"])
    if "pricing_type" in changes and changes["pricing_type"] is not None:
        version.pricing_type = changes["pricing_type"]
    version.updated_at = now
    version.save()
    if "compatible_addon_ref_ids" in changes:
        version.compatible_addons.set(
            _addons_of_product(version.package, changes["compatible_addon_ref_ids"] or [], field="compatibleAddonIds")
        )
    if "dependency_ref_ids" in changes:
        dependencies = _addons_of_product(version.package, changes["dependency_ref_ids"] or [], field="dependencies")
        _refuse_dependency_cycle(version.package, dependencies)
        version.dependencies.set(dependencies)
    if "charges" in changes:
        charges_replace(version=version, charges=changes["charges"], now=now)
        version.save()


@transaction.atomic
def package_create(
    *,
    kind: str,
    ref_id: str,
    product_ref_id: str,
    display_name: str,
    now: datetime,
    status: str | None = None,
    **fields: Any,
) -> PackageVersion:
    """Create a plan or add-on with version 1 as a draft (published at once if ``status`` is PUBLISHED)."""
    validate_external_id(ref_id)
    product = product_get(product_ref_id)
    if product.status == enums.ProductStatus.ARCHIVED:
        raise InvalidCatalogInput(f"product {product_ref_id} is archived", field="productId")
    if status == enums.PackageStatus.ARCHIVED:
        raise InvalidCatalogInput("a new package cannot be ARCHIVED", field="status")
    package = create_unique(
        lambda: Package.objects.create(kind=kind, ref_id=ref_id, product=product, created_at=now),
        label=_label(kind),
        ref_id=ref_id,
    )
    version = PackageVersion(
        package=package,
        version_number=1,
        status=enums.PackageStatus.DRAFT,
        display_name=display_name,
        created_at=now,
        updated_at=now,
    )
    version.save()
    _apply(version, fields, now=now)
    if status == enums.PackageStatus.PUBLISHED:
        package_publish(package=package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=now)
        version.refresh_from_db()
    return version


@transaction.atomic
def package_update(*, package: Package, changes: Mapping[str, Any], now: datetime) -> PackageVersion:
    """Edit the draft version. 409 ``NO_DRAFT_VERSION`` when there is none: published versions never change."""
    version = lock_draft_version(package)
    _apply(version, changes, now=now)
    return version


@transaction.atomic
def package_patch(*, package: Package, changes: Mapping[str, Any], now: datetime) -> Package:
    """The API's PATCH: edit the draft, then apply a ``status`` of PUBLISHED (publish, for new customers) or
    ARCHIVED (archive). One transaction, so a refused status change leaves the field edits unapplied too."""
    changes = dict(changes)
    status = changes.pop("status", None)
    if changes:
        package_update(package=package, changes=changes, now=now)
    if status == enums.PackageStatus.PUBLISHED:
        package_publish(package=package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=now)
    elif status == enums.PackageStatus.ARCHIVED:
        package_archive(package=package, now=now)
    return package


def _validate_publishable(version: PackageVersion) -> None:
    package = version.package
    has_prices = version.prices.filter(is_overage=False).exists()
    if version.pricing_type == enums.PricingType.PAID and not has_prices:
        raise CannotPublish(f"PAID {_label(package.kind).lower()} {package.ref_id} has no charges", field="charges")
    if version.parent_plan is not None:
        parent = version.parent_plan
        if parent.archived_at is not None or not parent.versions.filter(is_latest=True).exists():
            raise CannotPublish(f"parent plan {parent.ref_id} must be published first", field="parentPlanId")
    related = list(version.compatible_addons.all()) + list(version.dependencies.all())
    for addon in related:
        if addon.archived_at is not None:
            raise CannotPublish(f"add-on {addon.ref_id} is archived")
    archived_features = [
        entitlement.feature.ref_id
        for entitlement in version.entitlements.select_related("feature")
        if entitlement.feature is not None and entitlement.feature.archived_at is not None
    ]
    if archived_features:
        raise CannotPublish(f"entitlements use archived feature(s) {', '.join(archived_features)}")


# Publishing with ALL_CUSTOMERS moves existing subscribers to the new version, which is the subscriptions app's job;
# catalog must not import that app (dependencies point catalog <- customers <- subscriptions). So the subscriptions
# app registers its starter here when it loads (``SubscriptionsConfig.ready``). The starter is called inside the
# publish transaction (a publish that rolls back starts nothing), queues its work with ``transaction.on_commit``
# and returns the job's id, the API's ``taskId``.
SubscriberMigrationStarter = Callable[[PackageVersion, datetime], str]
_subscriber_migration_starter: list[SubscriberMigrationStarter] = []


def register_subscriber_migration_starter(starter: SubscriberMigrationStarter) -> None:
    """Install the function that starts moving a package's subscribers to a newly published version. Registering
    again replaces it (an app's ``ready()`` may run more than once)."""
    _subscriber_migration_starter[:] = [starter]


@dataclass(frozen=True)
class Publication:
    version: PackageVersion
    # The job moving existing subscribers to ``version`` (ALL_CUSTOMERS), or None.
    task_id: str | None


def package_publish(*, package: Package, migration_type: str, now: datetime) -> PackageVersion:
    """Publish the draft; see ``package_publish_with_task``, which also returns the migration job's id."""
    return package_publish_with_task(package=package, migration_type=migration_type, now=now).version


@transaction.atomic
def package_publish_with_task(*, package: Package, migration_type: str, now: datetime) -> Publication:
    """Make the draft the latest published version.

    ``NEW_CUSTOMERS``: older versions stay as they are for their subscribers. ``ALL_CUSTOMERS``: also starts the
    registered job moving subscribers of older versions to this one (after commit); its id is returned.
    Locks the package row. 409 when there is no draft or the draft is not publishable.
    """
    version = lock_draft_version(package)
    _validate_publishable(version)
    version.package.versions.filter(is_latest=True).update(is_latest=False)
    version.status = enums.PackageStatus.PUBLISHED
    version.is_latest = True
    version.published_at = now
    version.updated_at = now
    version.save(update_fields=["status", "is_latest", "published_at", "updated_at"])
    feature_ids = {pk for pk in version.entitlements.values_list("feature_id", flat=True) if pk}
    feature_ids |= {pk for pk in version.prices.values_list("feature_id", flat=True) if pk}
    features_activate(feature_ids, now=now)
    invalidate_all()
    task_id = None
    if migration_type == enums.MigrationType.ALL_CUSTOMERS and _subscriber_migration_starter:
        task_id = _subscriber_migration_starter[0](version, now)
    return Publication(version=version, task_id=task_id)


@transaction.atomic
def package_create_draft(*, package: Package, now: datetime) -> PackageVersion:
    """Start a new draft from the latest published version. Returns the existing draft if there is one."""
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.archived_at is not None:
        raise PackageArchived(f"{package.ref_id} is archived")
    draft = package.versions.filter(status=enums.PackageStatus.DRAFT).first()
    if draft is not None:
        return draft
    source = package.versions.get(is_latest=True)
    next_number = (package.versions.aggregate(highest=Max("version_number"))["highest"] or 0) + 1
    compatible_addons = list(source.compatible_addons.all())
    dependencies = list(source.dependencies.all())
    original_pk = source.pk
    draft = source
    draft.pk = None
    draft.id = None
    draft._state.adding = True
    draft.version_number = next_number
    draft.status = enums.PackageStatus.DRAFT
    draft.is_latest = False
    draft.published_at = None
    draft.created_at = draft.updated_at = now
    draft.save()
    draft.compatible_addons.set(compatible_addons)
    draft.dependencies.set(dependencies)
    source = PackageVersion.objects.get(pk=original_pk)
    copy_entitlements(source, draft, now=now)
    copy_prices(source, draft, now=now)
    return draft


@transaction.atomic
def package_remove_draft(*, package: Package, now: datetime) -> Package:
    """Discard the draft. A package whose only version is its draft is archived instead, not emptied."""
    draft = lock_draft_version(package)
    if not package.versions.exclude(pk=draft.pk).exists():
        raise NoDraftVersion(
            f"{package.ref_id} has never been published: archive it instead of removing its only version"
        )
    draft.delete()
    return package


@transaction.atomic
def package_archive(*, package: Package, now: datetime) -> Package:
    """Archive a plan or add-on and all its versions. Idempotent. 409 while a product's journey points at it."""
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.archived_at is not None:
        return package
    journey_use = Product.objects.filter(downgrade_plan=package) | Product.objects.filter(
        subscription_start_plan=package
    )
    if journey_use.exclude(status=enums.ProductStatus.ARCHIVED).exists():
        raise InUse(f"{package.ref_id} is a product's start or downgrade plan; change the product's settings first")
    children = PackageVersion.objects.filter(
        Q(status=enums.PackageStatus.DRAFT) | Q(is_latest=True), parent_plan=package, package__archived_at__isnull=True
    )
    child_ids = sorted({child.package.ref_id for child in children.select_related("package")})
    if child_ids:
        raise InUse(f"{package.ref_id} is the parent plan of {', '.join(child_ids)}; archive or re-parent them first")
    package.archived_at = now
    package.save(update_fields=["archived_at"])
    package.versions.update(status=enums.PackageStatus.ARCHIVED, updated_at=now)
    invalidate_all()
    return package
