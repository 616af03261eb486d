"""Entitlements of plan and add-on versions. Only a draft version's entitlements change.

Input items use model field names plus ``type``, ``target_ref_id`` (the feature or currency id),
``reset_configuration`` ({"monthly"|"weekly"|"yearly": anchor}) and ``dependency_feature_ref_id``.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import models, transaction

from catalog import enums
from catalog.errors import DuplicateEntitlement, EntitlementNotFound, InvalidCatalogInput
from catalog.models import Feature, Package, PackageEntitlement, PackageVersion
from catalog.selectors import custom_currency_get, feature_get
from catalog.services.drafts import lock_draft_version

ANCHORS_BY_PERIOD: dict[str, list[str]] = {
    enums.ResetPeriod.MONTH: enums.MonthlyAnchor.values,
    enums.ResetPeriod.WEEK: enums.WeeklyAnchor.values,
    enums.ResetPeriod.YEAR: enums.YearlyAnchor.values,
}
RESET_CONFIGURATION_PERIOD = {
    "monthly": enums.ResetPeriod.MONTH,
    "weekly": enums.ResetPeriod.WEEK,
    "yearly": enums.ResetPeriod.YEAR,
}
DEFAULT_ANCHOR = "SubscriptionStart"
FEATURE_FIELDS = {
    "behavior",
    "is_granted",
    "usage_limit",
    "has_unlimited_usage",
    "has_soft_limit",
    "reset_period",
    "enum_values",
    "hidden_from_widgets",
    "display_name_override",
    "description",
    "is_custom",
    "order",
}
CREDIT_FIELDS = {
    "behavior",
    "is_granted",
    "has_soft_limit",
    "hidden_from_widgets",
    "display_name_override",
    "description",
    "is_custom",
    "order",
    "amount",
    "cadence",
}


class EntitlementValues(Protocol):
    """What the validators read: a package entitlement, or a subscription's custom entitlement."""

    usage_limit: int | None
    has_unlimited_usage: bool
    has_soft_limit: bool
    reset_period: str | None
    enum_values: Any
    amount: Decimal | None
    cadence: str | None

    @property  # read-only: a custom entitlement has no dependency (``None`` as a class attribute)
    def dependency_feature(self) -> Feature | None: ...


def resolve_reset_anchor(
    reset_period: str | None, reset_configuration: Mapping[str, str | None], *, path: str
) -> str | None:
    """Pick the anchor matching the period; a configuration for another period is a mistake worth naming."""
    anchor = None
    for kind, value in reset_configuration.items():
        if value is None:
            continue
        if RESET_CONFIGURATION_PERIOD[kind] != reset_period:
            raise InvalidCatalogInput(
                f"applies only with resetPeriod {RESET_CONFIGURATION_PERIOD[kind]}",
                field=f"{path}{kind}ResetPeriodConfiguration",
            )
        if value not in ANCHORS_BY_PERIOD[reset_period]:
            raise InvalidCatalogInput(
                f"accordingTo must be one of {', '.join(ANCHORS_BY_PERIOD[reset_period])}",
                field=f"{path}{kind}ResetPeriodConfiguration",
            )
        anchor = value
    if reset_period in (enums.ResetPeriod.MONTH, enums.ResetPeriod.WEEK, enums.ResetPeriod.YEAR):
        return anchor or DEFAULT_ANCHOR
    return None


def validate_feature_entitlement(feature: Feature, entitlement: EntitlementValues, *, path: str = "") -> None:
    """The one place that says which entitlement values fit which kind of feature."""
    if feature.archived_at is not None:
        raise InvalidCatalogInput(f"feature {feature.ref_id} is archived", field=f"{path}id")
    kind = feature.feature_type
    limit_given = entitlement.usage_limit is not None or entitlement.has_unlimited_usage
    if kind == enums.FeatureType.BOOLEAN:
        for field_name, present in (
            ("usageLimit", entitlement.usage_limit is not None),
            ("hasUnlimitedUsage", entitlement.has_unlimited_usage),
            ("hasSoftLimit", entitlement.has_soft_limit),
            ("resetPeriod", entitlement.reset_period is not None),
            ("enumValues", bool(entitlement.enum_values)),
        ):
            if present:
                raise InvalidCatalogInput(
                    f"is not allowed for BOOLEAN feature {feature.ref_id}", field=path + field_name
                )
        return
    if kind == enums.FeatureType.ENUM:
        allowed = {item["value"] for item in feature.enum_configuration or []}
        if not entitlement.enum_values:
            raise InvalidCatalogInput(f"is required for ENUM feature {feature.ref_id}", field=f"{path}enumValues")
        unknown = [value for value in entitlement.enum_values if value not in allowed]
        if unknown:
            raise InvalidCatalogInput(
                f"unknown value(s) {', '.join(unknown)} for feature {feature.ref_id}", field=f"{path}enumValues"
            )
        if limit_given or entitlement.reset_period:
            raise InvalidCatalogInput(
                f"usage limits do not apply to ENUM feature {feature.ref_id}", field=path + "usageLimit"
            )
        return
    if entitlement.enum_values:
        raise InvalidCatalogInput("is allowed only for ENUM features", field=f"{path}enumValues")
    if entitlement.usage_limit is not None and entitlement.usage_limit < 0:
        raise InvalidCatalogInput("must be 0 or more", field=f"{path}usageLimit")
    if entitlement.has_unlimited_usage and entitlement.usage_limit is not None:
        raise InvalidCatalogInput("must be null when hasUnlimitedUsage is true", field=f"{path}usageLimit")
    if not limit_given:
        raise InvalidCatalogInput(
            f"is required for NUMBER feature {feature.ref_id} unless hasUnlimitedUsage is true",
            field=f"{path}usageLimit",
        )
    if entitlement.reset_period and feature.meter_type != enums.MeterType.INCREMENTAL:
        raise InvalidCatalogInput("applies only to INCREMENTAL metered features", field=f"{path}resetPeriod")


def validate_credit_entitlement(entitlement: EntitlementValues, *, path: str = "") -> None:
    if entitlement.amount is None and entitlement.dependency_feature is None:
        raise InvalidCatalogInput("is required", field=f"{path}amount")
    if entitlement.amount is not None and entitlement.amount <= Decimal(0):
        raise InvalidCatalogInput("must be greater than 0", field=f"{path}amount")
    if not entitlement.cadence:
        raise InvalidCatalogInput("is required", field=f"{path}cadence")
    dependency = entitlement.dependency_feature
    if dependency is not None and dependency.feature_type != enums.FeatureType.NUMBER:
        raise InvalidCatalogInput("must be a NUMBER feature", field=f"{path}dependencyFeatureId")


def _build(version: PackageVersion, item: Mapping[str, Any], *, now: datetime, path: str) -> PackageEntitlement:
    entitlement_type = item["type"]
    if entitlement_type == enums.EntitlementType.FEATURE:
        feature = feature_get(item["target_ref_id"], field=f"{path}id")
        values = {name: item[name] for name in FEATURE_FIELDS if item.get(name) is not None}
        entitlement = PackageEntitlement(version=version, type=entitlement_type, feature=feature, **values)
        entitlement.reset_anchor = resolve_reset_anchor(
            entitlement.reset_period, item.get("reset_configuration") or {}, path=path
        )
        validate_feature_entitlement(feature, entitlement, path=path)
    else:
        currency = custom_currency_get(item["target_ref_id"], field=f"{path}id")
        values = {name: item[name] for name in CREDIT_FIELDS if item.get(name) is not None}
        entitlement = PackageEntitlement(version=version, type=entitlement_type, currency=currency, **values)
        if item.get("dependency_feature_ref_id"):
            entitlement.dependency_feature = feature_get(
                item["dependency_feature_ref_id"], field=f"{path}dependencyFeatureId"
            )
        validate_credit_entitlement(entitlement, path=path)
    entitlement.created_at = entitlement.updated_at = now
    return entitlement


def _target_key(entitlement: PackageEntitlement) -> tuple[str, int | None]:
    return (entitlement.type, entitlement.feature_id or entitlement.currency_id)


@transaction.atomic
def entitlements_create(
    *, package: Package, items: Sequence[Mapping[str, Any]], now: datetime
) -> list[PackageEntitlement]:
    """Add entitlements to the package's draft, all or none. 409 if a feature or currency is already entitled."""
    version = lock_draft_version(package)
    existing = {_target_key(entitlement) for entitlement in version.entitlements.all()}
    created = []
    for index, item in enumerate(items):
        entitlement = _build(version, item, now=now, path=f"entitlements[{index}].")
        key = _target_key(entitlement)
        if key in existing:
            raise DuplicateEntitlement(
                f"{item['target_ref_id']} is already an entitlement of this version", field=f"entitlements[{index}].id"
            )
        existing.add(key)
        created.append(entitlement)
    if not created:
        raise InvalidCatalogInput("must contain at least one entitlement", field="entitlements")
    PackageEntitlement.objects.bulk_create(created)
    version.updated_at = now
    version.save(update_fields=["updated_at"])
    return created


def _find(version: PackageVersion, target_ref_id: str) -> PackageEntitlement:
    entitlement = (
        version.entitlements.select_related("feature", "currency", "dependency_feature")
        .filter(feature__ref_id=target_ref_id)
        .first()
    ) or version.entitlements.select_related("feature", "currency").filter(currency__ref_id=target_ref_id).first()
    if entitlement is None:
        raise EntitlementNotFound(f"No entitlement {target_ref_id} on {version.package.ref_id}")
    return entitlement


def _value_or_default(name: str, value: Any) -> Any:
    """``null`` clears a field: back to its default where the column cannot be empty (e.g. ``isGranted``)."""
    if value is None:
        model_field = PackageEntitlement._meta.get_field(name)
        if isinstance(model_field, models.Field) and not model_field.null:
            return model_field.get_default()
    return value


@transaction.atomic
def entitlement_update(
    *, package: Package, target_ref_id: str, changes: Mapping[str, Any], now: datetime
) -> PackageEntitlement:
    """Change the present fields of one draft entitlement, then re-validate it as a whole."""
    version = lock_draft_version(package)
    entitlement = _find(version, target_ref_id)
    if changes.get("type") and changes["type"] != entitlement.type:
        raise InvalidCatalogInput(f"is {entitlement.type} for this entitlement", field="type")
    allowed = FEATURE_FIELDS if entitlement.type == enums.EntitlementType.FEATURE else CREDIT_FIELDS
    for name, value in changes.items():
        if name in allowed:
            setattr(entitlement, name, _value_or_default(name, value))
    if entitlement.type == enums.EntitlementType.FEATURE:
        if "reset_period" in changes or "reset_configuration" in changes:
            configuration = changes.get("reset_configuration") or {}
            entitlement.reset_anchor = resolve_reset_anchor(entitlement.reset_period, configuration, path="")
        # A FEATURE entitlement names its feature (constraint entitlement_target_matches_type); the column is nullable.
        validate_feature_entitlement(entitlement.feature, entitlement)  # type: ignore[arg-type]
    else:
        if "dependency_feature_ref_id" in changes:
            ref_id = changes["dependency_feature_ref_id"]
            entitlement.dependency_feature = feature_get(ref_id, field="dependencyFeatureId") if ref_id else None
        validate_credit_entitlement(entitlement)
    entitlement.updated_at = now
    entitlement.save()
    return entitlement


@transaction.atomic
def entitlement_delete(*, package: Package, target_ref_id: str, now: datetime) -> PackageEntitlement:
    version = lock_draft_version(package)
    entitlement = _find(version, target_ref_id)
    entitlement.delete()
    entitlement.updated_at = now
    return entitlement


def copy_entitlements(source: PackageVersion, target: PackageVersion, *, now: datetime) -> None:
    copies = []
    # In creation order, so the copies keep the rows' relative order whichever ordering a reader uses.
    for entitlement in source.entitlements.order_by("pk"):
        entitlement.pk = None
        entitlement.version = target
        entitlement.created_at = entitlement.updated_at = now
        copies.append(entitlement)
    PackageEntitlement.objects.bulk_create(copies)
