"""Forms of the catalog console.

They check shape and run the services' own validators so the operator sees mistakes next to the fields; every
write still goes through ``catalog.services`` (see ``catalog.admin``). Each form turns its cleaned data into the
keyword arguments or ``changes`` mapping of the service that saves it.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from rest_framework import serializers

from catalog import enums
from catalog.apis import inputs
from catalog.models import Coupon, CustomCurrency, Feature, Package, Product
from catalog.services.features import UPDATABLE_FIELDS as FEATURE_UPDATABLE_FIELDS
from catalog.services.products import PRODUCT_FIELDS, SETTINGS_FIELDS
from config.errors import DomainError

# The inverse of ``catalog.services.entitlements.RESET_CONFIGURATION_PERIOD``: which anchor belongs to a period.
RESET_ANCHORS: dict[str, tuple[str, type[Any]]] = {
    enums.ResetPeriod.MONTH: ("monthly", enums.MonthlyAnchor),
    enums.ResetPeriod.WEEK: ("weekly", enums.WeeklyAnchor),
    enums.ResetPeriod.YEAR: ("yearly", enums.YearlyAnchor),
}
CURRENCY_FIELDS = ["display_name", "description", "metadata", "symbol", "unit_singular", "unit_plural"]


def adopt(target: Model, saved: Model) -> None:
    """Make an unsaved ``target`` the row a service wrote, so the admin logs and redirects with the real row."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding, target._state.db = False, saved._state.db


def as_validation_error(error: DomainError) -> ValidationError:
    """A service's refusal, worded as the service words it, for a form."""
    return ValidationError(error.message, code=error.code.lower())


def serializer_data(serializer: serializers.Serializer, *, label: str) -> Any:
    """Run one of the API's input serializers over a JSON value typed into the console; its errors name ``label``."""
    if not serializer.is_valid():
        raise ValidationError(f"{label}: {serializer.errors}")
    return serializer.validated_data


def clean_metadata(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise ValidationError("Metadata must be a JSON object of strings.")
    return value


def clean_reset_anchor(reset_period: str | None, reset_anchor: str | None) -> None:
    if not reset_anchor:
        return
    if reset_period not in RESET_ANCHORS:
        raise ValidationError({"reset_anchor": "An anchor applies only with a MONTH, WEEK or YEAR reset period."})
    _, anchors = RESET_ANCHORS[reset_period]
    if reset_anchor not in anchors.values:
        raise ValidationError({"reset_anchor": f"Must be one of {', '.join(anchors.values)} for {reset_period}."})


def reset_configuration(reset_period: str | None, reset_anchor: str | None) -> dict[str, str]:
    """The services' ``reset_configuration`` ({"monthly": "SubscriptionStart"}) for a period and its anchor."""
    if not reset_anchor or reset_period not in RESET_ANCHORS:
        return {}
    kind, _ = RESET_ANCHORS[reset_period]
    return {kind: reset_anchor}


def reset_anchor_field() -> forms.TypedChoiceField:
    """The anchors of every period in one list; ``clean_reset_anchor`` checks the anchor fits the period."""
    anchors = dict.fromkeys(value for _, choices in RESET_ANCHORS.values() for value in choices.values)
    return forms.TypedChoiceField(
        choices=[("", "---------"), *((anchor, anchor) for anchor in anchors)],
        required=False,
        empty_value=None,
        help_text="MONTH, WEEK or YEAR resets only; empty means SubscriptionStart.",
    )


class JSONTextField(forms.JSONField):
    """A JSON field that shows nothing, rather than ``null``, when there is no value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "cols": 60}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


class CommaSeparatedField(forms.CharField):
    """A list of strings typed as ``a, b, c``; an empty field is ``None``."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    # The text is a CharField's; the value is a list of its items, deliberately not the str the stubs expect.
    def to_python(self, value: Any) -> list[str] | None:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        items = [item.strip() for item in text.split(",") if item.strip()] if text else []
        return items or None

    def has_changed(self, initial: Any, data: Any) -> bool:
        return (initial or None) != self.to_python(data)


# Products ------------------------------------------------------------------------------------------------------


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "ref_id",
            "display_name",
            "description",
            "metadata",
            "multiple_subscriptions",
            "subscription_start_setup",
            "subscription_start_plan",
            "subscription_end_setup",
            "downgrade_plan",
            "subscription_cancellation_time",
            "prorate_at_end_of_billing_period",
            "usage_reset_behavior",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = [self.instance.subscription_start_plan_id, self.instance.downgrade_plan_id]
        plans = Package.objects.filter(kind=enums.PackageKind.PLAN, product=self.instance.pk).filter(
            Q(archived_at__isnull=True) | Q(pk__in=[pk for pk in current if pk])
        )
        for name in ("subscription_start_plan", "downgrade_plan"):
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = plans.order_by("ref_id")

    def clean_metadata(self) -> dict[str, str]:
        return clean_metadata(self.cleaned_data.get("metadata"))

    def create_kwargs(self) -> dict[str, Any]:
        names = ("ref_id", "display_name", "description", "metadata", "multiple_subscriptions")
        return {name: self.cleaned_data[name] for name in names}

    def service_changes(self) -> dict[str, Any]:
        """``product_update``'s ``changes``: the edited fields, and the whole journey if any part of it changed."""
        data, changed = self.cleaned_data, set(self.changed_data)
        changes: dict[str, Any] = {name: data[name] for name in PRODUCT_FIELDS & changed}
        journey = SETTINGS_FIELDS | {"downgrade_plan", "subscription_start_plan"}
        if journey & changed:
            settings = {name: data[name] for name in SETTINGS_FIELDS}
            settings["downgrade_plan_id"] = data["downgrade_plan"].ref_id if data["downgrade_plan"] else None
            start_plan = data["subscription_start_plan"]
            settings["subscription_start_plan_id"] = start_plan.ref_id if start_plan else None
            changes["product_settings"] = settings
        if "usage_reset_behavior" in changed:
            changes["usage_reset_behavior"] = data["usage_reset_behavior"]
        return changes


# Features and currencies -----------------------------------------------------------------------------------------


def clean_enum_configuration(value: Any) -> list[dict] | None:
    if value in (None, [], ""):
        return None
    data = serializer_data(inputs.EnumConfigurationInput(data=value, many=True), label="enum configuration")
    return [dict(item) for item in data]


def clean_meter(value: Any) -> dict | None:
    if value in (None, {}, ""):
        return None
    serializer_data(inputs.MeterInput(data=value), label="meter")
    return value


def clean_unit_transformation(value: Any) -> dict | None:
    if value in (None, {}, ""):
        return None
    serializer_data(inputs.UnitTransformationInput(data=value), label="unit transformation")
    return value


class FeatureForm(forms.ModelForm):
    """The JSON parts of a feature are checked with the API's own input shapes; the services check the rules."""

    class Meta:
        model = Feature
        fields = ["ref_id", "feature_type", "meter_type", *sorted(FEATURE_UPDATABLE_FIELDS)]

    def clean_metadata(self) -> dict[str, str]:
        return clean_metadata(self.cleaned_data.get("metadata"))

    def clean_enum_configuration(self) -> list[dict] | None:
        return clean_enum_configuration(self.cleaned_data.get("enum_configuration"))

    def clean_meter(self) -> dict | None:
        return clean_meter(self.cleaned_data.get("meter"))

    def clean_unit_transformation(self) -> dict | None:
        return clean_unit_transformation(self.cleaned_data.get("unit_transformation"))

    def create_kwargs(self) -> dict[str, Any]:
        names = {"ref_id", "display_name", "feature_type", "meter_type"} | FEATURE_UPDATABLE_FIELDS
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def service_changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FEATURE_UPDATABLE_FIELDS & set(self.changed_data)}


class CustomCurrencyForm(forms.ModelForm):
    class Meta:
        model = CustomCurrency
        fields = ["ref_id", *CURRENCY_FIELDS]

    def clean_metadata(self) -> dict[str, str]:
        return clean_metadata(self.cleaned_data.get("metadata"))

    def create_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("ref_id", *CURRENCY_FIELDS) if name in self.cleaned_data}

    def service_changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CURRENCY_FIELDS if name in self.changed_data}


# Coupons -------------------------------------------------------------------------------------------------------


class CouponForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = ["ref_id", "name", "description", "metadata", "percent_off", "duration_in_months"]

    def clean_metadata(self) -> dict[str, str]:
        return clean_metadata(self.cleaned_data.get("metadata"))

    def create_kwargs(self, amounts_off: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("ref_id", "name", "description", "metadata", "percent_off", "duration_in_months")
        return {name: data.get(name) for name in names} | {"amounts_off": amounts_off or None}

    def service_changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("name", "description", "metadata") if name in self.changed_data
        }


# Plans and add-ons ---------------------------------------------------------------------------------------------


class PackageCreateForm(forms.ModelForm):
    """A new plan or add-on: the package identity plus what its first (draft) version needs."""

    display_name = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea, required=False)
    pricing_type = forms.ChoiceField(choices=[("", "---------"), *enums.PricingType.choices], required=False)

    class Meta:
        model = Package
        fields = ["kind", "ref_id", "product", "display_name", "description", "pricing_type"]

    def create_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "ref_id": data["ref_id"],
            "product_ref_id": data["product"].ref_id,
            "display_name": data["display_name"],
            "description": data["description"] or None,
            "pricing_type": data["pricing_type"] or None,
        }
