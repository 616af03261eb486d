"""Spreadsheet import and export of the catalog (django-import-export), used by ``catalog.admin``.

Exports are plain reads. Imports write every row through the catalog services, inside django-import-export's
transaction (its preview is a dry run that is rolled back): a service's refusal marks the row invalid with the
service's message, and the import as a whole is not applied while any row is invalid.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import timezone
from import_export import fields, resources, widgets

from catalog import admin_forms, enums
from catalog.models import Coupon, Feature, PackageEntitlement, PackageVersion
from catalog.money import Currency
from catalog.selectors import package_get
from catalog.services import coupons as coupon_services
from catalog.services import entitlements as entitlement_services
from catalog.services import features as feature_services
from config.errors import DomainError

SERVICE_SET_FIELDS = ["created_at", "updated_at"]


def readonly(attribute: str) -> fields.Field:
    """A column that is exported but ignored on import: the services own it."""
    return fields.Field(attribute=attribute, column_name=attribute, readonly=True)


class ServiceResource(resources.ModelResource):
    """Rows are saved by ``save_through_service``; a ``DomainError`` becomes the row's validation error."""

    # Fields the service fills in; the model check before saving skips them.
    service_owned_fields: tuple[str, ...] = tuple(SERVICE_SET_FIELDS)

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # All or nothing: one invalid row rolls back the rows before it too.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def validate_instance(
        self, instance: Model, import_validation_errors: dict | None = None, validate_unique: bool = True
    ) -> None:
        errors = dict(import_validation_errors or {})
        try:
            # Choices, lengths and digits, as the admin's forms check them; uniqueness is the service's business.
            instance.full_clean(
                exclude=[*errors, *self.service_owned_fields], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Model, is_create: bool, row: dict, **kwargs: Any) -> None:
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return  # a dry run without a transaction to roll back must write nothing
        try:
            saved = self.save_through_service(instance, is_create, row, now=timezone.now())
        except DomainError as error:
            raise admin_forms.as_validation_error(error) from error
        admin_forms.adopt(instance, saved)

    def save_through_service(self, instance: Any, is_create: bool, row: dict, *, now: datetime) -> Model:
        raise NotImplementedError

    def save_m2m(self, instance: Model, row: dict, **kwargs: Any) -> None:
        pass  # no many-to-many columns; never write around the services


class FeatureResource(ServiceResource):
    status = readonly("status")
    archived_at = readonly("archived_at")
    created_at = readonly("created_at")
    updated_at = readonly("updated_at")

    class Meta:
        model = Feature
        import_id_fields = ["ref_id"]
        fields = [
            "ref_id",
            "display_name",
            "description",
            "feature_type",
            "meter_type",
            "feature_units",
            "feature_units_plural",
            "metadata",
            "enum_configuration",
            "meter",
            "unit_transformation",
            "status",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        export_order = fields

    service_owned_fields = ("status", "archived_at", *SERVICE_SET_FIELDS)

    def save_through_service(self, instance: Feature, is_create: bool, row: dict, *, now: datetime) -> Model:
        values: dict[str, Any] = {
            "metadata": admin_forms.clean_metadata(instance.metadata),
            "enum_configuration": admin_forms.clean_enum_configuration(instance.enum_configuration),
            "meter": admin_forms.clean_meter(instance.meter),
            "unit_transformation": admin_forms.clean_unit_transformation(instance.unit_transformation),
        }
        values |= {
            name: getattr(instance, name)
            for name in ("display_name", "description", "feature_units", "feature_units_plural")
        }
        if is_create:
            return feature_services.feature_create(
                ref_id=instance.ref_id,
                feature_type=instance.feature_type,
                meter_type=instance.meter_type or enums.MeterType.NONE,
                now=now,
                **values,
            )
        saved = Feature.objects.get(pk=instance.pk)
        for name in ("feature_type", "meter_type"):
            if getattr(instance, name) != getattr(saved, name):
                raise ValidationError({name: f"cannot change once the feature exists (it is {getattr(saved, name)})"})
        return feature_services.feature_update(feature=saved, changes=values, now=now)


def parse_amounts_off(text: str | None) -> list[dict[str, Any]]:
    """``"usd 10; eur 9.50"`` as the services' ``amounts_off``."""
    amounts = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        try:
            currency, amount = part.split()
            amounts.append({"currency": currency.lower(), "amount": Decimal(amount)})
        except (ValueError, InvalidOperation) as error:
            raise ValidationError({"amounts_off": f'"{part.strip()}" is not "<currency> <amount>"'}) from error
        if currency.lower() not in Currency.values:
            raise ValidationError({"amounts_off": f"{currency} is not a supported currency"})
    return amounts


def format_amounts_off(coupon: Coupon) -> str:
    return "; ".join(f"{item.currency} {item.amount.normalize():f}" for item in coupon.amounts_off.order_by("currency"))


class CouponResource(ServiceResource):
    amounts_off = fields.Field(column_name="amounts_off")
    type = readonly("type")
    status = readonly("status")
    source = readonly("source")
    created_at = readonly("created_at")
    updated_at = readonly("updated_at")

    class Meta:
        model = Coupon
        import_id_fields = ["ref_id"]
        fields = [
            "ref_id",
            "name",
            "description",
            "metadata",
            "type",
            "percent_off",
            "amounts_off",
            "duration_in_months",
            "status",
            "source",
            "created_at",
            "updated_at",
        ]
        export_order = fields

    service_owned_fields = ("type", "status", "source", *SERVICE_SET_FIELDS)

    def dehydrate_amounts_off(self, coupon: Coupon) -> str:
        return format_amounts_off(coupon)

    def save_through_service(self, instance: Coupon, is_create: bool, row: dict, *, now: datetime) -> Model:
        amounts_off = parse_amounts_off(row.get("amounts_off"))
        metadata = admin_forms.clean_metadata(instance.metadata)
        if is_create:
            return coupon_services.coupon_create(
                ref_id=instance.ref_id,
                name=instance.name,
                now=now,
                percent_off=instance.percent_off,
                amounts_off=amounts_off or None,
                description=instance.description,
                duration_in_months=instance.duration_in_months,
                metadata=metadata,
            )
        saved = Coupon.objects.get(pk=instance.pk)
        same_discount = (
            instance.percent_off == saved.percent_off
            and instance.duration_in_months == saved.duration_in_months
            and sorted((item["currency"], item["amount"]) for item in amounts_off)
            == sorted((item.currency, item.amount) for item in saved.amounts_off.all())
        )
        if not same_discount:
            raise ValidationError("the discount of an existing coupon cannot change: create a new coupon instead")
        changes = {"name": instance.name, "description": instance.description, "metadata": metadata}
        return coupon_services.coupon_update(coupon=saved, changes=changes, now=now)


# Entitlement fields that cannot be null: an empty cell keeps the model default rather than clearing them.
NOT_NULL_ENTITLEMENT_FIELDS = {"behavior", "is_granted", "has_unlimited_usage", "has_soft_limit", "is_custom"}


class PackageEntitlementResource(ServiceResource):
    """Entitlements of plan (or add-on) versions, one row each, addressed by package id, version number and target.

    Rows may only name a draft version: published versions are immutable, so importing into one is refused.
    """

    kind = fields.Field(column_name="kind")
    package = fields.Field(column_name="package")
    version = fields.Field(column_name="version")
    target = fields.Field(column_name="target")
    dependency_feature = fields.Field(column_name="dependency_feature")
    hidden_from_widgets = fields.Field(
        attribute="hidden_from_widgets", column_name="hidden_from_widgets", widget=widgets.JSONWidget(), default=list
    )

    class Meta:
        model = PackageEntitlement
        import_id_fields = ["package", "version", "target"]
        fields = [
            "kind",
            "package",
            "version",
            "type",
            "target",
            "usage_limit",
            "has_unlimited_usage",
            "has_soft_limit",
            "reset_period",
            "reset_anchor",
            "enum_values",
            "amount",
            "cadence",
            "dependency_feature",
            "behavior",
            "is_granted",
            "hidden_from_widgets",
            "display_name_override",
            "description",
            "is_custom",
            "order",
        ]
        export_order = fields

    def dehydrate_kind(self, entitlement: PackageEntitlement) -> str:
        return entitlement.version.package.kind

    def dehydrate_package(self, entitlement: PackageEntitlement) -> str:
        return entitlement.version.package.ref_id

    def dehydrate_version(self, entitlement: PackageEntitlement) -> int:
        return entitlement.version.version_number

    def dehydrate_target(self, entitlement: PackageEntitlement) -> str:
        return entitlement.target_ref_id

    def dehydrate_dependency_feature(self, entitlement: PackageEntitlement) -> str:
        return entitlement.dependency_feature.ref_id if entitlement.dependency_feature else ""

    def draft_version(self, row: dict) -> PackageVersion:
        """The version a row names, which must be a draft."""
        kind = str(row.get("kind") or enums.PackageKind.PLAN).strip().upper()
        if kind not in enums.PackageKind.values:
            raise ValidationError({"kind": f"must be one of {', '.join(enums.PackageKind.values)}"})
        try:
            package = package_get(kind, str(row.get("package") or "").strip(), field="package")
            number = int(row.get("version") or 0)
        except DomainError as error:
            raise admin_forms.as_validation_error(error) from error
        except ValueError as error:
            raise ValidationError({"version": "must be a version number"}) from error
        version = package.versions.filter(version_number=number).first()
        if version is None:
            raise ValidationError({"version": f"{package.ref_id} has no version {number}"})
        if not version.is_draft:
            raise ValidationError(
                f"{package.ref_id} v{number} is {version.status}: published versions are immutable, "
                "so only a draft version's entitlements can be imported (create a draft first)"
            )
        return version

    def get_instance(self, instance_loader: Any, row: dict) -> PackageEntitlement | None:
        self.row_version = self.draft_version(row)
        target = str(row.get("target") or "").strip()
        return (
            self.row_version.entitlements.select_related("version__package", "feature", "currency")
            .filter(Q(feature__ref_id=target) | Q(currency__ref_id=target))
            .first()
        )

    def init_instance(self, row: dict | None = None) -> PackageEntitlement:
        return PackageEntitlement(version=self.row_version)

    def save_through_service(self, instance: PackageEntitlement, is_create: bool, row: dict, *, now: datetime) -> Model:
        package = instance.version.package
        admin_forms.clean_reset_anchor(instance.reset_period, instance.reset_anchor)
        is_feature = instance.type == enums.EntitlementType.FEATURE
        names = entitlement_services.FEATURE_FIELDS if is_feature else entitlement_services.CREDIT_FIELDS
        values = {name: getattr(instance, name) for name in names}
        dependency_ref_id = str(row.get("dependency_feature") or "").strip() or None
        reset = admin_forms.reset_configuration(instance.reset_period, instance.reset_anchor)
        if is_create:
            item = {
                "type": instance.type,
                "target_ref_id": str(row.get("target") or "").strip(),
                "reset_configuration": reset,
                "dependency_feature_ref_id": dependency_ref_id,
            }
            item |= {name: value for name, value in values.items() if value is not None}
            (created,) = entitlement_services.entitlements_create(package=package, items=[item], now=now)
            return created
        saved = PackageEntitlement.objects.select_related("feature", "currency").get(pk=instance.pk)
        if instance.type != saved.type:
            raise ValidationError({"type": f"is {saved.type} for {saved.target_ref_id} and cannot change"})
        changes: dict[str, Any] = {
            name: value
            for name, value in values.items()
            if value is not None or name not in NOT_NULL_ENTITLEMENT_FIELDS
        }
        if is_feature:
            changes["reset_configuration"] = reset
        else:
            changes["dependency_feature_ref_id"] = dependency_ref_id
        return entitlement_services.entitlement_update(
            package=package, target_ref_id=saved.target_ref_id, changes=changes, now=now
        )
