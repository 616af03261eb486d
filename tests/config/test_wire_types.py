"""Every answer of every REST operation the official client uses has the wire types the client's models declare,
strictly (``tests/strict_wire.py``): the client itself parses leniently, so ``"hasUnlimitedUsage": 0`` or
``"usageLimit": "5"`` would pass it unnoticed.

The official ``stigg`` client drives each operation once against the live server, in the fuzz tests' seeded world
(the demo catalog, two customers, a paid subscription, a credit grant) plus usage, events, a promotion and a credit
consumption, so the answers carry numbers and booleans rather than nulls. Every body is recorded as sent, with the
model the client casts it to, and checked after the calls; no operation of our schema that the client has a method for
may go unchecked (those it has none for: the paywall, an update's preview, setting auto-recharge).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import stigg
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from stigg._base_client import BaseClient
from stigg.types.v1.customer_check_entitlement_response import CustomerCheckEntitlementResponse

from tests.fuzz_world import CUSTOMER, SUBSCRIPTION
from tests.strict_wire import strict_mismatches

CLIENT_RESOURCES = [Path(stigg.__file__).parent / "resources" / version for version in ("v1", "v2")]
CLIENT_REQUESTS = {"_get": "GET", "_get_api_list": "GET", "_post": "POST", "_patch": "PATCH", "_put": "PUT"}
CLIENT_REQUESTS["_delete"] = "DELETE"


@dataclass(frozen=True)
class Answer:
    """One answer as the client received it: the operation, the model the client casts it to and the raw body."""

    method: str
    path: str
    model: Any
    body: bytes


@contextmanager
def answers_recorded() -> Iterator[list[Answer]]:
    """Record every successful answer the client parses (its ``_process_response_data`` receives the decoded body
    and the model it casts to), then let the client go on as usual."""
    answers: list[Answer] = []
    parse = BaseClient._process_response_data

    def recording(self: BaseClient[Any, Any], *, data: object, cast_to: Any, response: Any) -> Any:
        request = response.request
        answers.append(Answer(request.method, request.url.path, cast_to, response.content))
        return parse(self, data=data, cast_to=cast_to, response=response)

    with mock.patch.object(BaseClient, "_process_response_data", recording):
        yield answers


def _normalized(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def client_operations() -> set[tuple[str, str]]:
    """``(method, path)`` of every v1 and v2 operation the client has a method for, read from its resources'
    source (each method calls ``self._get("/api/v1/...")``, ``self._post(path_template("/api/v1/.../{id}", ...))``
    and so on)."""
    operations = set()
    for source in (path for resources in CLIENT_RESOURCES for path in resources.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            if node.func.attr not in CLIENT_REQUESTS:
                continue
            path = node.args[0]
            if isinstance(path, ast.Call) and path.args:
                path = path.args[0]
            if isinstance(path, ast.Constant) and isinstance(path.value, str):
                operations.add((CLIENT_REQUESTS[node.func.attr], _normalized(path.value)))
    return operations


def served_operations() -> set[tuple[str, str]]:
    """``(method, path)`` of every operation of our OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), _normalized(path)) for path, items in schema["paths"].items() for method in items}


def _operation_of(answer: Answer, operations: set[tuple[str, str]]) -> tuple[str, str]:
    for method, path in operations:
        pattern = "^" + re.escape(path).replace(r"\{\}", "[^/]+") + "$"
        if method == answer.method and re.match(pattern, answer.path):
            return method, path
    raise AssertionError(f"{answer.method} {answer.path} matches no operation of the schema")


def _catalog_calls(client: stigg.Stigg) -> None:
    v1 = client.v1
    v1.products.list_products()
    v1.products.create_product(id="wire-product", display_name="Wire", multiple_subscriptions=True)
    v1.products.update_product("wire-product", description="Changed")
    v1.products.duplicate_product("wire-product", target_id="wire-product-copy")
    v1.products.archive_product("wire-product-copy")
    v1.products.unarchive_product("wire-product-copy")

    v1.features.list_features()
    v1.features.retrieve_feature("api-calls")
    v1.features.create_feature(id="wire-flag", display_name="Flag", feature_type="BOOLEAN")
    v1.features.update_feature("wire-flag", description="Changed")
    v1.features.archive_feature("wire-flag")
    v1.features.unarchive_feature("wire-flag")

    v1.credits.custom_currencies.list()
    v1.credits.custom_currencies.list_associated_entities("ai-tokens")
    v1.credits.custom_currencies.create(id="wire-coins", display_name="Coins", units={"singular": "c", "plural": "cs"})
    v1.credits.custom_currencies.update("wire-coins", description="Changed")
    v1.credits.custom_currencies.archive("wire-coins")
    v1.credits.custom_currencies.unarchive("wire-coins")

    for plan in ("free", "pro", "enterprise"):
        v1.plans.retrieve(plan)
        v1.plans.entitlements.list(plan)
        v1.plans.list_charges(plan)
        v1.plans.list_overage_charges(plan)
    v1.plans.list()
    # A plan of a product with multiple subscriptions per customer, for the transfer between resources.
    v1.plans.create(id="wire-plan", display_name="Wire plan", product_id="wire-product", pricing_type="FREE")
    v1.plans.update("wire-plan", description="Changed")
    created = v1.plans.entitlements.create(
        "wire-plan",
        entitlements=[
            {"type": "FEATURE", "id": "api-calls", "usage_limit": 10, "has_soft_limit": True, "reset_period": "MONTH"},
            {"type": "FEATURE", "id": "max-projects", "has_unlimited_usage": True},
            {"type": "FEATURE", "id": "sso"},
            {"type": "CREDIT", "id": "ai-tokens", "amount": 5, "cadence": "MONTH"},
        ],
    )
    entitlement_id = created.data[0].id
    v1.plans.entitlements.update(entitlement_id, plan_id="wire-plan", type="FEATURE", usage_limit=20)
    v1.plans.entitlements.delete(created.data[2].id, plan_id="wire-plan")
    v1.plans.publish("wire-plan", migration_type="NEW_CUSTOMERS")
    v1.plans.create_draft("wire-plan")
    v1.plans.remove_draft("wire-plan")
    v1.plans.create(id="wire-plan-old", display_name="Old plan", product_id="wire-product", pricing_type="FREE")
    v1.plans.archive("wire-plan-old")

    v1.addons.retrieve("extra-projects")
    v1.addons.list()
    v1.addons.list_charges("extra-projects")
    v1.addons.entitlements.list("extra-projects")
    v1.addons.create(id="wire-addon", display_name="Wire add-on", product_id="revvenu", max_quantity=3)
    v1.addons.update("wire-addon", description="Changed")
    created = v1.addons.entitlements.create(
        "wire-addon", entitlements=[{"type": "FEATURE", "id": "max-projects", "usage_limit": 5}]
    )
    entitlement_id = created.data[0].id
    v1.addons.entitlements.update(entitlement_id, addon_id="wire-addon", type="FEATURE", usage_limit=6)
    v1.addons.entitlements.delete(entitlement_id, addon_id="wire-addon")
    v1.addons.publish("wire-addon", migration_type="NEW_CUSTOMERS")
    v1.addons.create_draft("wire-addon")
    v1.addons.remove_draft("wire-addon")
    v1.addons.archive("wire-addon")

    v1.coupons.list()
    v1.coupons.retrieve("launch-20")
    v1.coupons.create(
        id="wire-coupon",
        amounts_off=[{"amount": 5, "currency": "usd"}],
        description=None,
        duration_in_months=2,
        metadata=None,
        name="Five off",
        percent_off=None,
    )
    v1.coupons.update_coupon("wire-coupon", name="Renamed")
    v1.coupons.archive_coupon("wire-coupon")


def promotion(feature_id: str, *, period: str, **fields: Any) -> dict[str, Any]:
    """A promotional grant as the client sends it: every key present, the nullable ones ``None``."""
    keys = ("custom_end_date", "enum_values", "has_soft_limit", "has_unlimited_usage", "is_visible", "usage_limit")
    configurations = ("monthly", "weekly", "yearly")
    empty = dict.fromkeys([*keys, "reset_period", *(f"{name}_reset_period_configuration" for name in configurations)])
    return {**empty, "feature_id": feature_id, "period": period, **fields}


def _customer_calls(client: stigg.Stigg) -> None:
    v1 = client.v1
    v1.customers.provision(
        id="wire-customer",
        name="Wire",
        email="wire@example.test",
        metadata={"tier": "gold"},
        default_payment_method={
            "billing_id": "pm_1",
            "card_expiry_month": 12,
            "card_expiry_year": 2030,
            "card_last4_digits": "4242",
            "type": "CARD",
        },
    )
    v1.customers.retrieve(CUSTOMER)
    v1.customers.retrieve("wire-customer")
    v1.customers.list()
    v1.customers.update("wire-customer", name="Renamed")
    v1.customers.list_resources(CUSTOMER)
    v1.customers.archive("fuzz-customer-2")
    v1.customers.unarchive("fuzz-customer-2")
    v1.customers.promotional_entitlements.create(
        CUSTOMER,
        promotional_entitlements=[
            promotion("sso", period="1 month"),
            promotion("api-calls", period="lifetime", usage_limit=7, has_soft_limit=False, reset_period="MONTH"),
        ],
    )
    v1.customers.promotional_entitlements.list(CUSTOMER)
    v1.customers.promotional_entitlements.revoke("sso", id=CUSTOMER)


def _metering_calls(client: stigg.Stigg) -> None:
    v1 = client.v1
    now = timezone.now()
    v1.events.report(
        events=[{"customer_id": CUSTOMER, "event_name": "api_call", "idempotency_key": "wire-1", "dimensions": {}}]
    )
    v1.usage.report(usages=[{"customer_id": CUSTOMER, "feature_id": "seats", "value": 2}])
    client.v2.usage.report(usages=[{"customer_id": CUSTOMER, "feature_id": "seats", "value": 1.5}])
    v1.usage.history("api-calls", customer_id=CUSTOMER, start_date=now - timedelta(days=1), end_date=now)


def _entitlement_calls(client: stigg.Stigg) -> None:
    v1 = client.v1
    v1.customers.retrieve_entitlements(CUSTOMER)
    for feature in ("api-calls", "max-projects", "support-tier", "sso", "seats", "unknown-feature"):
        v1.customers.check_entitlement(CUSTOMER, feature_id=feature, requested_usage=1)
    v1.customers.check_entitlement(CUSTOMER, feature_id="support-tier", requested_values=["email"])
    v1.customers.check_entitlement(CUSTOMER, currency_id="ai-tokens", requested_usage=1)


def _credit_calls(client: stigg.Stigg, grant: str) -> None:
    v1 = client.v1
    v1.credits.grants.create(
        amount=12.5,
        currency_id="ai-tokens",
        customer_id=CUSTOMER,
        display_name="Top-up",
        grant_type="PAID",
        cost={"amount": 3, "currency": "usd"},
        priority=2,
        payment_collection_method="NONE",
    )
    v1.credits.grants.list(customer_id=CUSTOMER, currency_id="ai-tokens")
    v1.credits.consumption.consume(
        amount=2.5, currency_id="ai-tokens", customer_id=CUSTOMER, idempotency_key="wire-consume"
    )
    v1.credits.consumption.consume_async(
        consumptions=[
            {"amount": 1, "currency_id": "ai-tokens", "customer_id": CUSTOMER, "idempotency_key": "wire-async"}
        ]
    )
    v1.credits.get_usage(customer_id=CUSTOMER, currency_id="ai-tokens")
    v1.credits.list_ledger(customer_id=CUSTOMER, currency_id="ai-tokens")
    v1.credits.get_auto_recharge(customer_id=CUSTOMER, currency_id="ai-tokens")
    v1.credits.grants.void(grant)


def _subscription_calls(client: stigg.Stigg) -> None:
    v1 = client.v1
    v1.subscriptions.retrieve(SUBSCRIPTION)
    v1.subscriptions.list(customer_id=CUSTOMER)
    v1.subscriptions.preview(customer_id="wire-customer", plan_id="pro", billing_period="MONTHLY", unit_quantity=2)
    v1.subscriptions.provision(
        customer_id="wire-customer",
        plan_id="pro",
        id="wire-subscription",
        billing_period="MONTHLY",
        unit_quantity=2,
        addons=[{"id": "extra-projects", "quantity": 1}],
        trial_override_configuration={"is_trial": False},
    )
    v1.subscriptions.update(
        "wire-subscription", charges=[{"id": "seats", "quantity": 4, "type": "FEATURE"}], metadata={"k": "v"}
    )
    v1.subscriptions.future_update.cancel_schedule("wire-subscription")
    v1.subscriptions.future_update.cancel_pending_payment("wire-subscription")
    v1.subscriptions.invoice.mark_as_paid("wire-subscription")
    v1.subscriptions.migrate("wire-subscription", subscription_migration_time="IMMEDIATE")
    v1.subscriptions.delegate("wire-subscription", target_customer_id="fuzz-customer-2")
    v1.subscriptions.provision(
        customer_id="wire-customer", plan_id="free", id="wire-free", trial_override_configuration={"is_trial": False}
    )
    v1.subscriptions.cancel("wire-free", cancellation_time="IMMEDIATE")
    v1.subscriptions.provision(
        customer_id="wire-customer",
        plan_id="wire-plan",
        id="wire-site",
        resource_id="site-1",
        trial_override_configuration={"is_trial": False},
    )
    v1.subscriptions.transfer("wire-site", destination_resource_id="site-2")


def _every_operation(client: stigg.Stigg, grant: str) -> None:
    _catalog_calls(client)
    _customer_calls(client)
    _metering_calls(client)
    _entitlement_calls(client)
    _credit_calls(client, grant)
    _subscription_calls(client)


def test_every_answer_of_every_client_operation_has_the_types_the_client_models_declare(
    world: dict[str, str], stigg_client: stigg.Stigg
) -> None:
    with answers_recorded() as answers:
        _every_operation(stigg_client, world["grant"])
    served = served_operations()
    unchecked = (served & client_operations()) - {_operation_of(answer, served) for answer in answers}
    mismatches = {
        f"{answer.method} {answer.path} as {getattr(answer.model, '__name__', answer.model)}": found
        for answer in answers
        if (found := strict_mismatches(answer.model, answer.body))
    }

    assert (unchecked, mismatches) == (set(), {})


@pytest.mark.parametrize(
    ("sent", "mismatches"),
    [
        ({"usageLimit": 5, "currentUsage": 1.5, "usagePeriodEnd": "2026-01-01T00:00:00Z", "validUntil": None}, []),
        ({"hasUnlimitedUsage": 0}, ["data.DataFeature.hasUnlimitedUsage: Input should be a valid boolean (sent 0)"]),
        ({"isGranted": "true"}, ['data.DataFeature.isGranted: Input should be a valid boolean (sent "true")']),
        ({"usageLimit": "5"}, ['data.DataFeature.usageLimit: Input should be a valid number (sent "5")']),
        ({"currentUsage": True}, ["data.DataFeature.currentUsage: Input should be a valid number (sent true)"]),
        (
            {"usagePeriodEnd": 1767225600},
            ["data.DataFeature.usagePeriodEnd: Input should be a valid datetime (sent 1767225600)"],
        ),
        (
            {"feature": {"id": 7, "displayName": "Seats", "featureStatus": "ACTIVE", "featureType": "NUMBER"}},
            ["data.DataFeature.feature.id: Input should be a valid string (sent 7)"],
        ),
    ],
    ids=[
        "exact",
        "zero-for-false",
        "string-for-true",
        "string-for-number",
        "boolean-for-number",
        "number-for-datetime",
        "nested-number-for-string",
    ],
)
def test_a_value_of_another_json_type_than_the_model_declares_is_a_mismatch(
    sent: dict[str, Any], mismatches: list[str]
) -> None:
    body = {"data": {"type": "FEATURE", "isGranted": True, "hasUnlimitedUsage": False, **sent}}

    assert strict_mismatches(CustomerCheckEntitlementResponse, json.dumps(body)) == mismatches
