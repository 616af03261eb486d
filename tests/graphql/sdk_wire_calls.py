"""Runs inside ``tests/sdk/.venv`` (the GraphQL SDK ``stigg-api-client-v2``), never in the project's interpreter:
``tests/graphql/test_wire_types.py`` imports it from a ``python_sdk`` scenario.

``answers_checked`` calls every operation of the SDK once, with the SDK's own input models, against the fuzz
tests' seeded world; every answer is recorded as the server sent it and validated strictly
(``tests/strict_wire.py``) against the result model the SDK parses it with (``generated.<OperationName>``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from strict_wire import strict_mismatches

CUSTOMER = "fuzz-customer"
OTHER_CUSTOMER = "fuzz-customer-2"
SUBSCRIPTION = "fuzz-subscription"
# A plan of a product with a subscription per resource, which the test publishes for the transfers.
SITE_PLAN = "gql-site-plan"


def _every_call(client: Any, g: Any, grant: str) -> list[tuple[str, Callable[[], object]]]:
    """``(operation, call)`` in the order they run: reads and writes of customers, entitlements, usage, credits,
    subscriptions and the catalog, each with inputs that reach a real answer (or the coded refusal of an operation
    this server does not serve)."""
    now = datetime.now(UTC)
    customer = g.GetCustomerByRefIdInput(customer_id=CUSTOMER)
    entitlements = g.FetchEntitlementsQuery(customer_id=CUSTOMER)
    promotion = g.GrantPromotionalEntitlementInput(
        feature_id="api-calls", period="ONE_MONTH", usage_limit=7, reset_period="MONTH"
    )
    return [
        ("GetSdkConfiguration", lambda: client.get_sdk_configuration()),
        ("GetProducts", lambda: client.get_products()),
        ("GetCoupons", lambda: client.get_coupons()),
        ("GetPaywall", lambda: client.get_paywall(g.GetPaywallInput(customer_id=CUSTOMER, product_id="revvenu"))),
        ("GetMockPaywall", lambda: client.get_mock_paywall(g.GetPaywallInput(product_id="revvenu"))),
        (
            "CreateCoupon",
            lambda: client.create_coupon(
                g.CreateCouponInput(ref_id="gql-coupon", name="Ten", percent_off=10, duration_in_months=2)
            ),
        ),
        (
            "ProvisionCustomer",
            lambda: client.provision_customer(
                g.ProvisionCustomerInput(customer_id="gql-customer", name="Gql", email="gql@example.test")
            ),
        ),
        (
            "ImportCustomer",
            lambda: client.import_customer(g.ImportCustomerInput(customer_id="gql-imported", name="Imported")),
        ),
        (
            "ImportCustomerBulk",
            lambda: client.import_customer_bulk(
                g.ImportCustomerBulkInput(customers=[g.ImportCustomerInput(customer_id="gql-bulk", name="Bulk")])
            ),
        ),
        (
            "UpdateCustomer",
            lambda: client.update_customer(g.UpdateCustomerInput(customer_id="gql-customer", name="Renamed")),
        ),
        (
            "DetachCustomerPaymentMethod",
            lambda: client.detach_customer_payment_method(
                g.DetachCustomerPaymentMethodInput(customer_id="gql-customer")
            ),
        ),
        ("ArchiveCustomer", lambda: client.archive_customer(g.ArchiveCustomerInput(customer_id="gql-imported"))),
        ("UnarchiveCustomer", lambda: client.unarchive_customer(g.UnarchiveCustomerInput(customer_id="gql-imported"))),
        ("GetCustomerById", lambda: client.get_customer_by_id(customer)),
        ("GetCustomerStatistics", lambda: client.get_customer_statistics(customer)),
        (
            "GetCustomerPortalByRefId",
            lambda: client.get_customer_portal_by_ref_id(g.CustomerPortalInput(customer_id=CUSTOMER)),
        ),
        (
            "GrantPromotionalEntitlements",
            lambda: client.grant_promotional_entitlements(
                g.GrantPromotionalEntitlementsInput(customer_id=CUSTOMER, promotional_entitlements=[promotion])
            ),
        ),
        (
            "ReportEvent",
            lambda: client.report_event(
                g.UsageEventsReportInput(
                    usage_events=[
                        g.UsageEventReportInput(
                            customer_id=CUSTOMER, event_name="api_call", idempotency_key="gql-event"
                        )
                    ]
                )
            ),
        ),
        (
            "ReportUsage",
            lambda: client.report_usage(g.ReportUsageInput(customer_id=CUSTOMER, feature_id="seats", value=2)),
        ),
        (
            "ReportUsageBulk",
            lambda: client.report_usage_bulk(
                g.ReportUsageBulkInput(
                    usages=[g.ReportUsageBaseInput(customer_id=CUSTOMER, feature_id="seats", value=1)]
                )
            ),
        ),
        (
            "EstimateUsageCost",
            lambda: client.estimate_usage_cost(
                g.EstimateUsageCostInput(customer_id=CUSTOMER, feature_id="seats", value=1)
            ),
        ),
        (
            "EstimateEventCost",
            lambda: client.estimate_event_cost(g.EstimateEventCostInput(customer_id=CUSTOMER, event_name="api_call")),
        ),
        (
            "GetEntitlement",
            lambda: client.get_entitlement(g.FetchEntitlementQuery(customer_id=CUSTOMER, feature_id="api-calls")),
        ),
        (
            "GetEntitlementV2",
            lambda: client.get_entitlement_v_2(g.GetEntitlementV2Input(customer_id=CUSTOMER, currency_id="ai-tokens")),
        ),
        ("GetEntitlements", lambda: client.get_entitlements(entitlements)),
        ("GetEntitlementsState", lambda: client.get_entitlements_state(entitlements)),
        (
            "ReportEntitlementCheckRequested",
            lambda: client.report_entitlement_check_requested(
                g.EntitlementCheckRequested(
                    customer_id=CUSTOMER,
                    feature_id="api-calls",
                    entitlement_check_result=g.EntitlementCheckResult(has_access=True, has_unlimited_usage=False),
                )
            ),
        ),
        (
            "GetUsageHistory",
            lambda: client.get_usage_history(
                g.UsageHistoryInput(
                    customer_ref_id=CUSTOMER, feature_ref_id="api-calls", start_date=now - timedelta(days=1)
                )
            ),
        ),
        (
            "GetUsageHistoryV2",
            lambda: client.get_usage_history_v_2(
                g.UsageHistoryV2Input(customer_id=CUSTOMER, feature_id="api-calls", start_date=now - timedelta(days=1))
            ),
        ),
        (
            "RevokePromotionalEntitlement",
            lambda: client.revoke_promotional_entitlement(
                g.RevokePromotionalEntitlementInput(customer_id=CUSTOMER, feature_id="api-calls")
            ),
        ),
        (
            "GrantCredits",
            lambda: client.grant_credits(
                g.CreditGrantInput(
                    customer_id=CUSTOMER,
                    currency_id="ai-tokens",
                    amount=12.5,
                    display_name="Top-up",
                    grant_type="PAID",
                    payment_collection_method="NONE",
                )
            ),
        ),
        (
            "ConsumeCredits",
            lambda: client.consume_credits(
                g.ConsumeCreditInput(
                    customer_id=CUSTOMER, currency_id="ai-tokens", amount=2.5, idempotency_key="gql-consume"
                )
            ),
        ),
        (
            "ConsumeCreditsAsync",
            lambda: client.consume_credits_async(
                g.ConsumeCreditsAsyncInput(
                    consumptions=[
                        g.ConsumeCreditInput(
                            customer_id=CUSTOMER, currency_id="ai-tokens", amount=1, idempotency_key="gql-async"
                        )
                    ]
                )
            ),
        ),
        (
            "GetCreditBalance",
            lambda: client.get_credit_balance(
                g.CreditBalanceSummaryInput(customer_id=CUSTOMER, currency_id="ai-tokens")
            ),
        ),
        (
            "GetCreditGrants",
            lambda: client.get_credit_grants(g.GetCreditGrantsInput(customer_id=CUSTOMER, currency_id="ai-tokens")),
        ),
        (
            "GetCreditLedger",
            lambda: client.get_credit_ledger(g.CreditLedgerInput(customer_id=CUSTOMER, currency_id="ai-tokens")),
        ),
        (
            "GetCreditUsage",
            lambda: client.get_credit_usage(g.CreditUsageInput(customer_id=CUSTOMER, currency_id="ai-tokens")),
        ),
        (
            "SaveAutomaticRechargeConfiguration",
            lambda: client.save_automatic_recharge_configuration(
                g.SaveAutoRechargeSettingsInput(
                    customer_id=CUSTOMER,
                    currency_id="ai-tokens",
                    is_enabled=True,
                    threshold_type="CreditAmount",
                    threshold_value=10,
                    target_balance=100,
                    max_spend_limit=50,
                )
            ),
        ),
        (
            "GetAutomaticRechargeConfiguration",
            lambda: client.get_automatic_recharge_configuration(
                g.GetAutoRechargeSettingsInput(customer_id=CUSTOMER, currency_id="ai-tokens")
            ),
        ),
        ("VoidCreditGrant", lambda: client.void_credit_grant(g.VoidCreditGrantInput(id=grant))),
        (
            "GrantPromotionalEntitlementsGroup",
            lambda: client.grant_promotional_entitlements_group(
                g.GrantPromotionalEntitlementsGroupInput(
                    customer_id=CUSTOMER, feature_group_id="group-1", promotional_entitlements=[promotion]
                )
            ),
        ),
        (
            "RevokePromotionalEntitlementsGroup",
            lambda: client.revoke_promotional_entitlements_group(
                g.RevokePromotionalEntitlementsGroupInput(customer_id=CUSTOMER, feature_group_id="group-1")
            ),
        ),
        (
            "UnlinkPromotionalEntitlementsGroup",
            lambda: client.unlink_promotional_entitlements_group(
                g.UnlinkPromotionalEntitlementsGroupInput(customer_id=CUSTOMER, feature_group_id="group-1")
            ),
        ),
        ("GetSubscription", lambda: client.get_subscription(g.GetSubscriptionInput(subscription_id=SUBSCRIPTION))),
        ("GetSubscriptions", lambda: client.get_subscriptions()),
        (
            "GetActiveSubscriptions",
            lambda: client.get_active_subscriptions(g.GetActiveSubscriptionsInput(customer_id=CUSTOMER)),
        ),
        (
            "GetActiveSubscriptionsList",
            lambda: client.get_active_subscriptions_list(g.GetActiveSubscriptionsInput(customer_id=CUSTOMER)),
        ),
        (
            "GetCheckoutState",
            lambda: client.get_checkout_state(g.CheckoutStateInput(customer_id="gql-customer", plan_id="pro")),
        ),
        (
            "CreatePaymentSession",
            lambda: client.create_payment_session(g.PaymentSessionInput(customer_id="gql-customer", plan_id="pro")),
        ),
        (
            "EstimateSubscription",
            lambda: client.estimate_subscription(
                g.EstimateSubscriptionInput(
                    customer_id="gql-customer",
                    plan_id="pro",
                    billing_period="MONTHLY",
                    charges=[g.ChargeInput(id="seats", quantity=2, type="FEATURE")],
                )
            ),
        ),
        (
            "PreviewSubscription",
            lambda: client.preview_subscription(
                g.PreviewSubscriptionInput(
                    customer_id="gql-customer",
                    plan_id="pro",
                    billing_period="MONTHLY",
                    charges=[g.ChargeInput(id="seats", quantity=2, type="FEATURE")],
                )
            ),
        ),
        (
            "ProvisionSubscription",
            lambda: client.provision_subscription(
                g.ProvisionSubscriptionInput(
                    customer_id="gql-customer",
                    plan_id="pro",
                    subscription_id="gql-subscription",
                    billing_period="MONTHLY",
                    unit_quantity=2,
                    skip_trial=True,
                )
            ),
        ),
        (
            "EstimateSubscriptionUpdate",
            lambda: client.estimate_subscription_update(
                g.EstimateSubscriptionUpdateInput(subscription_id="gql-subscription", unit_quantity=3)
            ),
        ),
        (
            "PreviewNextInvoice",
            lambda: client.preview_next_invoice(g.PreviewNextInvoiceInput(subscription_id="gql-subscription")),
        ),
        (
            "UpdateSubscription",
            lambda: client.update_subscription(
                g.UpdateSubscriptionInput(subscription_id="gql-subscription", unit_quantity=4)
            ),
        ),
        (
            "CancelSubscriptionUpdates",
            lambda: client.cancel_subscription_updates(
                g.SubscriptionUpdateScheduleCancellationInput(subscription_id="gql-subscription")
            ),
        ),
        (
            "MigrateSubscriptionToLatest",
            lambda: client.migrate_subscription_to_latest(
                g.SubscriptionMigrationInput(subscription_id="gql-subscription")
            ),
        ),
        (
            "DelegateSubscriptionToCustomer",
            lambda: client.delegate_subscription_to_customer(
                g.DelegateSubscriptionToCustomerInput(
                    subscription_id="gql-subscription", destination_customer_id=OTHER_CUSTOMER
                )
            ),
        ),
        (
            "CreateSubscription",
            lambda: client.create_subscription(
                g.SubscriptionInput(customer_id="gql-customer", plan_id="free", ref_id="gql-free")
            ),
        ),
        (
            "CancelSubscription",
            lambda: client.cancel_subscription(
                g.SubscriptionCancellationInput(
                    subscription_ref_id="gql-free", subscription_cancellation_time="IMMEDIATE"
                )
            ),
        ),
        (
            "ImportSubscriptionsBulk",
            lambda: client.import_subscriptions_bulk(
                g.ImportSubscriptionsBulkInput(
                    subscriptions=[
                        g.ImportSubscriptionInput(
                            subscription_id="gql-imported-subscription", customer_id="gql-imported", plan_id="free"
                        )
                    ]
                )
            ),
        ),
        (
            "ProvisionSubscription",
            lambda: client.provision_subscription(
                g.ProvisionSubscriptionInput(
                    customer_id="gql-customer", plan_id=SITE_PLAN, subscription_id="gql-site", resource_id="site-1"
                )
            ),
        ),
        (
            "TransferSubscriptionToResource",
            lambda: client.transfer_subscription_to_resource(
                g.TransferSubscriptionToResourceInput(subscription_id="gql-site", destination_resource_id="site-2")
            ),
        ),
        (
            "TransferSubscription",
            lambda: client.transfer_subscription(
                g.TransferSubscriptionInput(
                    customer_id="gql-customer", source_resource_id="site-2", destination_resource_id="site-3"
                )
            ),
        ),
        (
            "ApplySubscription",
            lambda: client.apply_subscription(g.ApplySubscriptionInput(customer_id="gql-customer", plan_id="free")),
        ),
    ]


def answers_checked(client: Any, generated: Any, grant: str) -> dict[str, Any]:
    """Run every call, recording each raw answer. ``answered``: the operations that answered data; ``refused``:
    those whose call raised (with the message); ``mismatches``: per operation, where the data's types differ from
    its result model; ``data``: the answers themselves, per operation, for the check against our schema."""
    answers: dict[str, list[Any]] = {}
    execute = client.execute

    def recording(query: str, operation_name: str | None = None, **kwargs: Any) -> Any:
        response = execute(query, operation_name, **kwargs)
        answers.setdefault(operation_name or "", []).append(json.loads(response.content).get("data"))
        return response

    client.execute = recording
    refused: dict[str, str] = {}
    for operation, call in _every_call(client, generated, grant):
        try:
            call()
        except Exception as error:
            refused[operation] = f"{type(error).__name__}: {error}"[:300]
    answered = {operation: [data for data in datas if data is not None] for operation, datas in answers.items()}
    mismatches = {
        operation: found
        for operation, datas in answered.items()
        for data in datas
        if (found := strict_mismatches(getattr(generated, operation), json.dumps(data)))
    }
    return {
        "answered": sorted(operation for operation, datas in answered.items() if datas),
        "refused": refused,
        "mismatches": mismatches,
        "data": answered,
    }
