"""Products and their customer-journey settings."""

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

from catalog import enums
from catalog.errors import InvalidCatalogInput
from catalog.models import Package, PackageVersion, Product
from catalog.selectors import package_get
from catalog.services.charges import copy_prices
from catalog.services.common import create_unique
from catalog.services.entitlements import copy_entitlements
from config.ids import validate_external_id

PRODUCT_FIELDS = {"display_name", "description", "metadata", "multiple_subscriptions"}
SETTINGS_FIELDS = {
    "subscription_cancellation_time",
    "subscription_end_setup",
    "subscription_start_setup",
    "prorate_at_end_of_billing_period",
}


def product_create(
    *,
    ref_id: str,
    display_name: str,
    now: datetime,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    multiple_subscriptions: bool = False,
) -> Product:
    """Create a product (published at once; products have no drafts). 409 on a taken id."""
    validate_external_id(ref_id)
    return create_unique(
        lambda: Product.objects.create(
            ref_id=ref_id,
            display_name=display_name,
            description=description,
            metadata=metadata or {},
            multiple_subscriptions=multiple_subscriptions,
            created_at=now,
            updated_at=now,
        ),
        label="Product",
        ref_id=ref_id,
    )


def _journey_plan(product: Product, ref_id: str | None, *, field: str) -> Package | None:
    if not ref_id:
        return None
    plan = package_get(enums.PackageKind.PLAN, ref_id, field=field)
    if plan.product_id != product.pk:
        raise InvalidCatalogInput(f"plan {ref_id} belongs to another product", field=field)
    if plan.archived_at is not None:
        raise InvalidCatalogInput(f"plan {ref_id} is archived", field=field)
    return plan


def _validate_journey(product: Product) -> None:
    """The journey must name the plans it relies on."""
    if (
        product.subscription_end_setup == enums.SubscriptionEndSetup.DOWNGRADE_TO_FREE
        and product.downgrade_plan is None
    ):
        raise InvalidCatalogInput(
            "is required when subscriptionEndSetup is DOWNGRADE_TO_FREE", field="productSettings.downgradePlanId"
        )
    needs_start_plan = product.subscription_start_setup in (
        enums.SubscriptionStartSetup.FREE_PLAN,
        enums.SubscriptionStartSetup.TRIAL_PERIOD,
    )
    if needs_start_plan and product.subscription_start_plan is None:
        raise InvalidCatalogInput(
            f"is required when subscriptionStartSetup is {product.subscription_start_setup}",
            field="productSettings.subscriptionStartPlanId",
        )


@transaction.atomic
def product_update(*, product: Product, changes: Mapping[str, Any], now: datetime) -> Product:
    """Change the present fields; ``product_settings`` and ``usage_reset_behavior`` are replaced as sent."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    for name in PRODUCT_FIELDS & set(changes):
        value = changes[name]
        setattr(product, name, {} if name == "metadata" and value is None else value)
    settings = changes.get("product_settings")
    if settings is not None:
        for name in SETTINGS_FIELDS & set(settings):
            setattr(product, name, settings[name])
        if "downgrade_plan_id" in settings:
            product.downgrade_plan = _journey_plan(
                product, settings["downgrade_plan_id"], field="productSettings.downgradePlanId"
            )
        if "subscription_start_plan_id" in settings:
            product.subscription_start_plan = _journey_plan(
                product, settings["subscription_start_plan_id"], field="productSettings.subscriptionStartPlanId"
            )
        _validate_journey(product)
    if changes.get("usage_reset_behavior"):
        product.usage_reset_behavior = changes["usage_reset_behavior"]
    product.updated_at = now
    product.save()
    return product


@transaction.atomic
def product_archive(*, product: Product, now: datetime) -> Product:
    """Archive a product with its plans and add-ons (contract PR4). Idempotent."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    packages = Package.objects.filter(product=product, archived_at__isnull=True)
    PackageVersion.objects.filter(package__in=packages).update(status=enums.PackageStatus.ARCHIVED, updated_at=now)
    packages.update(archived_at=now)
    product.status = enums.ProductStatus.ARCHIVED
    product.updated_at = now
    product.save(update_fields=["status", "updated_at"])
    return product


@transaction.atomic
def product_unarchive(*, product: Product, now: datetime) -> Product:
    """Bring a product back with the plans its settings name (its start and downgrade plans), so that it works as
    configured: those could not have been archived on their own while the product was live (``package_archive``
    refuses), so the product's archive is what archived them. Their versions get back the status they had: the
    published ones PUBLISHED, a never-published draft DRAFT. Its other plans and add-ons stay archived: nothing
    records which of them were retired on purpose, and an operator unarchives what should be sold again.
    Idempotent."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    journey_ids = [pk for pk in (product.subscription_start_plan_id, product.downgrade_plan_id) if pk is not None]
    restored_ids = list(
        Package.objects.select_for_update()
        .filter(pk__in=journey_ids, archived_at__isnull=False)
        .values_list("pk", flat=True)
    )
    if restored_ids:
        versions = PackageVersion.objects.filter(package_id__in=restored_ids)
        versions.filter(published_at__isnull=False).update(status=enums.PackageStatus.PUBLISHED, updated_at=now)
        versions.filter(published_at__isnull=True).update(status=enums.PackageStatus.DRAFT, updated_at=now)
        Package.objects.filter(pk__in=restored_ids).update(archived_at=None)
    product.status = enums.ProductStatus.PUBLISHED
    product.updated_at = now
    product.save(update_fields=["status", "updated_at"])
    return product


def _copy_version_as_draft(source: PackageVersion, package: Package, *, now: datetime) -> PackageVersion:
    copy = PackageVersion.objects.get(pk=source.pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    copy.package = package
    copy.version_number = 1
    copy.status = enums.PackageStatus.DRAFT
    copy.is_latest = False
    copy.published_at = None
    copy.created_at = copy.updated_at = now
    copy.save()
    copy_entitlements(source, copy, now=now)
    copy_prices(source, copy, now=now)
    return copy


@transaction.atomic
def product_duplicate(
    *,
    product: Product,
    target_ref_id: str,
    now: datetime,
    display_name: str | None = None,
    description: str | None = None,
) -> Product:
    """Copy a product with its settings, plans and add-ons (as drafts named ``<targetId>-<id>``)."""
    duplicate = product_create(
        ref_id=target_ref_id,
        display_name=display_name or product.display_name,
        now=now,
        description=description if description is not None else product.description,
        metadata=dict(product.metadata),
        multiple_subscriptions=product.multiple_subscriptions,
    )
    copies: dict[int, Package] = {}
    sources: dict[int, PackageVersion] = {}
    for package in Package.objects.filter(product=product, archived_at__isnull=True).order_by("pk"):
        new_ref_id = f"{target_ref_id}-{package.ref_id}"
        validate_external_id(new_ref_id)
        copies[package.pk] = create_unique(
            partial(Package.objects.create, kind=package.kind, ref_id=new_ref_id, product=duplicate, created_at=now),
            label=package.kind.title(),
            ref_id=new_ref_id,
        )
        # A package is created with its first version (package_create), so a latest version exists.
        sources[package.pk] = package.versions.order_by("-version_number").first()  # type: ignore[assignment]
    for old_pk, new_package in copies.items():
        source = sources[old_pk]
        copy = _copy_version_as_draft(source, new_package, now=now)
        copy.parent_plan = copies.get(source.parent_plan_id, source.parent_plan) if source.parent_plan_id else None
        copy.save(update_fields=["parent_plan"])
        copy.compatible_addons.set([copies.get(addon.pk, addon) for addon in source.compatible_addons.all()])
        copy.dependencies.set([copies.get(addon.pk, addon) for addon in source.dependencies.all()])
    for name in SETTINGS_FIELDS | {"usage_reset_behavior"}:
        setattr(duplicate, name, getattr(product, name))
    duplicate.downgrade_plan = copies.get(product.downgrade_plan_id) if product.downgrade_plan_id else None
    duplicate.subscription_start_plan = (
        copies.get(product.subscription_start_plan_id) if product.subscription_start_plan_id else None
    )
    duplicate.save()
    return duplicate
