"""Features and their meters."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from catalog import enums
from catalog.errors import InUse, InvalidCatalogInput
from catalog.models import Feature, PackageEntitlement, Price
from catalog.services.common import apply_changes, create_unique
from config.decision_cache import invalidate_all
from config.ids import validate_external_id

VALUE_FREE_OPERATIONS = {enums.FilterOperation.IS_NULL, enums.FilterOperation.IS_NOT_NULL}
FIELDLESS_AGGREGATIONS = {enums.AggregationFunction.COUNT}
UPDATABLE_FIELDS = {
    "display_name",
    "description",
    "enum_configuration",
    "feature_units",
    "feature_units_plural",
    "metadata",
    "meter",
    "unit_transformation",
}


def validate_enum_configuration(feature_type: str, enum_configuration: list[dict] | None) -> None:
    if feature_type == enums.FeatureType.ENUM:
        if not enum_configuration:
            raise InvalidCatalogInput("is required for ENUM features", field="enumConfiguration")
        values = [item["value"] for item in enum_configuration]
        if len(values) != len(set(values)):
            raise InvalidCatalogInput("values must be unique", field="enumConfiguration")
    elif enum_configuration:
        raise InvalidCatalogInput("is allowed only for ENUM features", field="enumConfiguration")


def validate_meter(feature_type: str, meter_type: str, meter: Mapping[str, Any] | None) -> None:
    """A meter turns raw events into usage, so it needs a metered NUMBER feature and a well-formed aggregation."""
    if meter is None:
        return
    if feature_type != enums.FeatureType.NUMBER or meter_type == enums.MeterType.NONE:
        raise InvalidCatalogInput(
            "is allowed only for metered NUMBER features (meterType other than None)", field="meter"
        )
    aggregation = meter["aggregation"]
    if aggregation["function"] not in FIELDLESS_AGGREGATIONS and not aggregation.get("field"):
        raise InvalidCatalogInput(f"is required for {aggregation['function']}", field="meter.aggregation.field")
    for filter_index, meter_filter in enumerate(meter.get("filters") or []):
        if not meter_filter.get("conditions"):
            raise InvalidCatalogInput("needs at least one condition", field=f"meter.filters[{filter_index}].conditions")
        for condition_index, condition in enumerate(meter_filter["conditions"]):
            path = f"meter.filters[{filter_index}].conditions[{condition_index}]"
            operation = condition["operation"]
            if operation == enums.FilterOperation.IN:
                if not condition.get("values"):
                    raise InvalidCatalogInput("is required for IN", field=f"{path}.values")
            elif operation not in VALUE_FREE_OPERATIONS and condition.get("value") is None:
                raise InvalidCatalogInput(f"is required for {operation}", field=f"{path}.value")


def validate_feature_shape(
    *,
    feature_type: str,
    meter_type: str,
    enum_configuration: list | None,
    meter: dict | None,
    unit_transformation: dict | None,
) -> None:
    if feature_type not in enums.FeatureType.values:
        raise InvalidCatalogInput(f"unknown value {feature_type}", field="featureType")
    if meter_type not in enums.MeterType.values:
        raise InvalidCatalogInput(f"unknown value {meter_type}", field="meterType")
    if feature_type != enums.FeatureType.NUMBER and meter_type != enums.MeterType.NONE:
        raise InvalidCatalogInput(f"must be None for {feature_type} features", field="meterType")
    validate_enum_configuration(feature_type, enum_configuration)
    validate_meter(feature_type, meter_type, meter)
    if unit_transformation is not None:
        if feature_type != enums.FeatureType.NUMBER:
            raise InvalidCatalogInput("is allowed only for NUMBER features", field="unitTransformation")
        if unit_transformation["divide"] <= 0:
            raise InvalidCatalogInput("must be greater than 0", field="unitTransformation.divide")


def feature_create(
    *,
    ref_id: str,
    display_name: str,
    feature_type: str,
    now: datetime,
    meter_type: str = enums.MeterType.NONE,
    description: str | None = None,
    feature_status: str | None = None,
    feature_units: str | None = None,
    feature_units_plural: str | None = None,
    metadata: dict[str, str] | None = None,
    enum_configuration: list[dict] | None = None,
    meter: dict | None = None,
    unit_transformation: dict | None = None,
) -> Feature:
    """Create a feature. Raises ``DuplicateCatalogId`` (409) for a taken id, ``InvalidCatalogInput`` for a bad shape."""
    validate_external_id(ref_id)
    validate_feature_shape(
        feature_type=feature_type,
        meter_type=meter_type,
        enum_configuration=enum_configuration,
        meter=meter,
        unit_transformation=unit_transformation,
    )
    # A check of this id may have been answered ``FeatureNotFound``.
    invalidate_all()
    return create_unique(
        lambda: Feature.objects.create(
            ref_id=ref_id,
            display_name=display_name,
            description=description,
            feature_type=feature_type,
            meter_type=meter_type,
            status=feature_status or enums.FeatureStatus.NEW,
            # SUSPENDED is the archived state: keep ``archived_at`` in step so unarchive can restore it.
            archived_at=now if feature_status == enums.FeatureStatus.SUSPENDED else None,
            feature_units=feature_units,
            feature_units_plural=feature_units_plural,
            metadata=metadata or {},
            enum_configuration=enum_configuration,
            meter=meter,
            unit_transformation=unit_transformation,
            created_at=now,
            updated_at=now,
        ),
        label="Feature",
        ref_id=ref_id,
    )


@transaction.atomic
def feature_update(*, feature: Feature, changes: Mapping[str, Any], now: datetime) -> Feature:
    """Change the present fields; type and meter type are fixed at creation."""
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    if "metadata" in changes and changes["metadata"] is None:
        changes = {**changes, "metadata": {}}
    apply_changes(feature, changes, UPDATABLE_FIELDS)
    validate_feature_shape(
        feature_type=feature.feature_type,
        meter_type=feature.meter_type,
        enum_configuration=feature.enum_configuration,
        meter=feature.meter,
        unit_transformation=feature.unit_transformation,
    )
    feature.updated_at = now
    feature.save()
    invalidate_all()
    return feature


def _feature_in_live_use(feature: Feature) -> bool:
    live = ~Q(version__status=enums.PackageStatus.ARCHIVED)
    return (
        PackageEntitlement.objects.filter(live, Q(feature=feature) | Q(dependency_feature=feature)).exists()
        or Price.objects.filter(live, feature=feature).exists()
    )


@transaction.atomic
def feature_archive(*, feature: Feature, now: datetime) -> Feature:
    """Archive (suspend) a feature. Refused with 409 while a non-archived plan or add-on version uses it."""
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    if feature.archived_at is not None:
        return feature
    if _feature_in_live_use(feature):
        raise InUse(f"Feature {feature.ref_id} is used by a plan or add-on that is not archived")
    feature.archived_at = now
    feature.status = enums.FeatureStatus.SUSPENDED
    feature.updated_at = now
    feature.save(update_fields=["archived_at", "status", "updated_at"])
    invalidate_all()
    return feature


@transaction.atomic
def feature_unarchive(*, feature: Feature, now: datetime) -> Feature:
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    if feature.archived_at is None:
        return feature
    feature.archived_at = None
    feature.status = enums.FeatureStatus.ACTIVE
    feature.updated_at = now
    feature.save(update_fields=["archived_at", "status", "updated_at"])
    invalidate_all()
    return feature


def features_activate(feature_ids: set[int], *, now: datetime) -> None:
    """Features become ACTIVE when a published package first uses them."""
    Feature.objects.filter(pk__in=feature_ids, status=enums.FeatureStatus.NEW).update(
        status=enums.FeatureStatus.ACTIVE, updated_at=now
    )
