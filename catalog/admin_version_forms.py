"""Forms of a plan or add-on version's page: its own fields, its entitlements and its price points.

The inline forms run the services' validators (``validate_feature_entitlement``, ``validate_credit_entitlement``)
so mistakes show next to the row; ``charges_input`` rebuilds the whole ``Charges`` input from the price rows for
``package_update``, which validates and replaces the version's pricing as the API's PATCH does.
"""

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from catalog import enums
from catalog.admin_forms import (
    CommaSeparatedField,
    as_validation_error,
    clean_metadata,
    clean_reset_anchor,
    reset_anchor_field,
    reset_configuration,
    serializer_data,
)
from catalog.apis import inputs
from catalog.errors import InvalidCatalogInput
from catalog.models import Package, PackageEntitlement, PackageVersion, Price
from catalog.services.entitlements import (
    CREDIT_FIELDS,
    FEATURE_FIELDS,
    validate_credit_entitlement,
    validate_feature_entitlement,
)
from config.errors import DomainError

TRIAL_FIELDS = [
    "trial_duration",
    "trial_units",
    "trial_end_behavior",
    "trial_budget_limit",
    "trial_budget_has_soft_limit",
]
PRICING_FIELDS = ["pricing_type", "overage_billing_period", "minimum_spend"]


class PackageVersionForm(forms.ModelForm):
    """A draft version's own fields; ``service_changes`` is what ``package_update`` gets for them."""

    class Meta:
        model = PackageVersion
        fields = [
            "display_name",
            "description",
            "metadata",
            "billing_id",
            "parent_plan",
            "compatible_addons",
            *TRIAL_FIELDS,
            "max_quantity",
            "dependencies",
            *PRICING_FIELDS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        package = self.instance.package if self.instance.package_id else None
        if package is None:
            return
        same_product = Package.objects.filter(product=package.product_id).exclude(pk=package.pk).order_by("ref_id")
        choices = (
            ("parent_plan", enums.PackageKind.PLAN),
            ("compatible_addons", enums.PackageKind.ADDON),
            ("dependencies", enums.PackageKind.ADDON),
        )
        for name, kind in choices:
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = same_product.filter(kind=kind)

    def clean_metadata(self) -> dict[str, str]:
        return clean_metadata(self.cleaned_data.get("metadata"))

    def clean_minimum_spend(self) -> list[dict] | None:
        value = self.cleaned_data.get("minimum_spend")
        if value in (None, [], ""):
            return None
        minimum_spend_input(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("trial_duration") is not None and not data.get("trial_units"):
            self.add_error("trial_units", "Required when a trial duration is set.")
        if data.get("trial_budget_limit") is not None and data.get("trial_duration") is None:
            self.add_error("trial_budget_limit", "A trial budget needs a trial duration.")
        return data

    @property
    def pricing_changed(self) -> bool:
        return bool(set(PRICING_FIELDS) & set(self.changed_data))

    def service_changes(self, kind: str) -> dict[str, Any]:
        data, changed = self.cleaned_data, set(self.changed_data)
        names = {"display_name", "description", "metadata", "billing_id"}
        if kind == enums.PackageKind.ADDON:
            names.add("max_quantity")
        changes: dict[str, Any] = {name: data[name] for name in names & changed}
        if kind == enums.PackageKind.PLAN:
            if "parent_plan" in changed:
                changes["parent_plan_ref_id"] = data["parent_plan"].ref_id if data["parent_plan"] else None
            if "compatible_addons" in changed:
                changes["compatible_addon_ref_ids"] = [addon.ref_id for addon in data["compatible_addons"]]
            if set(TRIAL_FIELDS) & changed:
                changes["default_trial_config"] = self._trial_config()
        elif "dependencies" in changed:
            changes["dependency_ref_ids"] = [addon.ref_id for addon in data["dependencies"]]
        return changes

    def _trial_config(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("trial_duration") is None:
            return None
        budget = None
        if data.get("trial_budget_limit") is not None:
            budget = {
                "limit": data["trial_budget_limit"],
                "has_soft_limit": bool(data.get("trial_budget_has_soft_limit")),
            }
        return {
            "duration": Decimal(data["trial_duration"]),
            "units": data["trial_units"],
            "trial_end_behavior": data.get("trial_end_behavior") or None,
            "budget": budget,
        }


def minimum_spend_input(stored: list[Any]) -> list[dict[str, Any]]:
    """The stored ``[{"billingPeriod", "amount", "currency"}]`` as the services' ``minimum_spend`` input."""
    if not isinstance(stored, list) or not all(isinstance(item, dict) for item in stored):
        raise ValidationError('Minimum spend must be a list like [{"billingPeriod": "MONTHLY", "amount": "100"}].')
    wire = [
        {"billingPeriod": item.get("billingPeriod"), "minimum": {"amount": item.get("amount"), **_currency(item)}}
        for item in stored
    ]
    return list(serializer_data(inputs.MinimumSpendInput(data=wire, many=True), label="minimum spend"))


def _currency(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"currency": item["currency"]} if item.get("currency") else {}


def tiers_input(stored: Any) -> list[dict[str, Any]] | None:
    """Stored tiers (``upTo``, ``unitPrice``, ``flatPrice`` with decimal strings) as the services' tier input."""
    if stored in (None, []):
        return None
    if not isinstance(stored, list):
        raise ValidationError('Tiers must be a list like [{"upTo": 10, "unitPrice": {"amount": "2"}}].')
    return [dict(tier) for tier in serializer_data(inputs.TierInput(data=stored, many=True), label="tiers")]


# Entitlements --------------------------------------------------------------------------------------------------


class EntitlementInlineForm(forms.ModelForm):
    """One entitlement of a draft version, validated by the same functions ``entitlements_create`` runs."""

    enum_values = CommaSeparatedField(required=False, help_text="ENUM features: values, comma separated.")
    hidden_from_widgets = forms.MultipleChoiceField(
        choices=enums.WidgetType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    reset_anchor = reset_anchor_field()

    class Meta:
        model = PackageEntitlement
        fields = [
            "type",
            "feature",
            "currency",
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
        widgets = {"description": forms.TextInput(attrs={"size": 20})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The identity of a saved entitlement, before the operator's edits: what the services look it up by.
        self.saved_target_ref_id = self.instance.target_ref_id if self.instance.pk else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        entitlement_type, feature, currency = data.get("type"), data.get("feature"), data.get("currency")
        if self.instance.pk and (
            entitlement_type != self.instance.type
            or feature != self.instance.feature
            or currency != self.instance.currency
        ):
            raise ValidationError("An entitlement's type and target cannot change: delete it and add a new one.")
        clean_reset_anchor(data.get("reset_period"), data.get("reset_anchor"))
        candidate = copy.copy(self.instance)
        for name, value in data.items():
            if name in (self._meta.fields or ()):
                setattr(candidate, name, value)
        try:
            if entitlement_type == enums.EntitlementType.FEATURE:
                if feature is None or currency is not None:
                    raise ValidationError({"feature": "A FEATURE entitlement names a feature and no currency."})
                validate_feature_entitlement(feature, candidate)
            else:
                if currency is None or feature is not None:
                    raise ValidationError({"currency": "A CREDIT entitlement names a currency and no feature."})
                validate_credit_entitlement(candidate)
        except DomainError as error:
            raise as_validation_error(error) from error
        return data

    def _fields(self) -> set[str]:
        return FEATURE_FIELDS if self.cleaned_data["type"] == enums.EntitlementType.FEATURE else CREDIT_FIELDS

    def service_item(self) -> dict[str, Any]:
        """The item ``entitlements_create`` takes (the API's ``EntitlementCreateItemInput`` data)."""
        data = self.cleaned_data
        target = data["feature"] or data["currency"]
        item = {"type": data["type"], "target_ref_id": target.ref_id}
        item |= {name: data[name] for name in self._fields() if name in data}
        item["reset_configuration"] = reset_configuration(data.get("reset_period"), data.get("reset_anchor"))
        if data.get("dependency_feature"):
            item["dependency_feature_ref_id"] = data["dependency_feature"].ref_id
        return item

    def service_changes(self) -> dict[str, Any]:
        """What ``entitlement_update`` gets for the edited fields."""
        data, changed = self.cleaned_data, set(self.changed_data)
        changes = {name: data[name] for name in self._fields() & changed}
        if {"reset_period", "reset_anchor"} & changed and data["type"] == enums.EntitlementType.FEATURE:
            changes["reset_period"] = data.get("reset_period")
            changes["reset_configuration"] = reset_configuration(data.get("reset_period"), data.get("reset_anchor"))
        if "dependency_feature" in changed:
            dependency = data.get("dependency_feature")
            changes["dependency_feature_ref_id"] = dependency.ref_id if dependency else None
        return changes


# Prices --------------------------------------------------------------------------------------------------------


class PriceInlineForm(forms.ModelForm):
    """One price point of a draft version. The version's prices are saved together, as a whole ``Charges``."""

    reset_anchor = reset_anchor_field()

    class Meta:
        model = Price
        fields = [
            "pricing_model_index",
            "is_overage",
            "billing_model",
            "billing_cadence",
            "feature",
            "billing_period",
            "billing_country_code",
            "currency",
            "amount",
            "min_unit_quantity",
            "max_unit_quantity",
            "block_size",
            "tiers_mode",
            "tiers",
            "reset_period",
            "reset_anchor",
            "top_up_currency",
            "credit_grant_cadence",
            "credit_rate_amount",
            "credit_rate_currency",
            "credit_rate_cost_formula",
            "overage_entitlement",
        ]
        widgets = {"billing_country_code": forms.TextInput(attrs={"size": 4})}

    def clean_tiers(self) -> Any:
        value = self.cleaned_data.get("tiers")
        if value in (None, [], ""):
            return None
        tiers_input(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        clean_reset_anchor(data.get("reset_period"), data.get("reset_anchor"))
        if data.get("credit_rate_amount") is not None and data.get("credit_rate_currency") is None:
            self.add_error("credit_rate_currency", "Required with a credit rate amount.")
        return data


def _pricing_model(price: Price) -> dict[str, Any]:
    """The fields every price point of one pricing model shares, as the services' pricing-model input."""
    shared: dict[str, Any] = {
        "feature_id": price.feature.ref_id if price.feature else None,
        "reset_period": price.reset_period,
        "reset_configuration": reset_configuration(price.reset_period, price.reset_anchor),
    }
    if price.is_overage:
        return shared | {"entitlement": price.overage_entitlement}
    return shared | {
        "billing_model": price.billing_model,
        "billing_cadence": price.billing_cadence,
        "min_unit_quantity": price.min_unit_quantity,
        "max_unit_quantity": price.max_unit_quantity,
        "tiers_mode": price.tiers_mode,
        "top_up_custom_currency_id": price.top_up_currency.ref_id if price.top_up_currency else None,
    }


def _price_period(price: Price) -> dict[str, Any]:
    period: dict[str, Any] = {
        "billing_period": price.billing_period,
        "billing_country_code": price.billing_country_code or None,
        "block_size": price.block_size,
        "tiers": tiers_input(price.tiers),
    }
    if price.amount is not None:
        period["price"] = {"amount": price.amount, "currency": price.currency}
    if price.credit_grant_cadence:
        period["credit_grant_cadence"] = price.credit_grant_cadence
    if price.credit_rate_amount is not None:
        period["credit_rate"] = {
            "amount": price.credit_rate_amount,
            "currency_id": price.credit_rate_currency.ref_id if price.credit_rate_currency else "",
            "cost_formula": price.credit_rate_cost_formula,
        }
    return period


def charges_input(version: PackageVersion, prices: list[Price]) -> dict[str, Any]:
    """Rebuild the whole ``Charges`` input (as ``ChargesInput`` produces it) from a version and its price rows.

    Rows with the same ``is_overage`` and ``pricing_model_index`` form one pricing model and must agree on what a
    pricing model holds once; the service validates the rest and renumbers the models.
    """
    if version.pricing_type is None and (prices or version.minimum_spend or version.overage_billing_period):
        raise InvalidCatalogInput("is required to set prices", field="pricingType")
    models: dict[tuple[bool, int], dict[str, Any]] = {}
    for price in sorted(prices, key=lambda row: (row.is_overage, row.pricing_model_index)):
        key = (price.is_overage, price.pricing_model_index)
        shared = _pricing_model(price)
        model = models.setdefault(key, shared | {"price_periods": []})
        if {name: model[name] for name in shared} != shared:
            kind = "overage pricing model" if price.is_overage else "pricing model"
            raise InvalidCatalogInput(
                f"the price rows of {kind} {price.pricing_model_index} disagree on billing model, feature, "
                "quantities, tiers mode, reset or top-up currency; give each pricing model its own index"
            )
        model["price_periods"].append(_price_period(price))
    charges: dict[str, Any] = {
        "pricing_type": version.pricing_type,
        "pricing_models": [model for (is_overage, _), model in sorted(models.items()) if not is_overage],
        "overage_pricing_models": [model for (is_overage, _), model in sorted(models.items()) if is_overage],
        "minimum_spend": minimum_spend_input(version.minimum_spend) if version.minimum_spend else None,
    }
    if version.overage_billing_period:
        charges["overage_billing_period"] = version.overage_billing_period
    return charges
