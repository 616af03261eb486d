"""The credit object types resolved from our models: ``CreditGrant`` (``CreditGrant``), ``CreditGrantInvoice``
(``CreditInvoice``), ``CreditLedgerEvent`` (``LedgerEntry``), and the enums Stigg spells differently from us.

Lists load their grants and entries with what these resolvers read (``grant_list`` and ``ledger_list`` join the
wallet, customer, currency, invoice, grant and consumption), so a field here never queries per item."""

from __future__ import annotations

from typing import Any

from ariadne import EnumType, ObjectType
from graphql import GraphQLResolveInfo

from config.wire import iso, number
from credits.enums import GrantExpirationPeriod, ThresholdType
from credits.models import CreditGrant, CreditInvoice, LedgerEntry
from credits.selectors import grant_status

credit_grant = ObjectType("CreditGrant")
credit_grant_invoice = ObjectType("CreditGrantInvoice")
credit_ledger_event = ObjectType("CreditLedgerEvent")

threshold_type = EnumType(
    "ThresholdType", {"CreditAmount": ThresholdType.CREDIT_AMOUNT, "DollarAmount": ThresholdType.DOLLAR_AMOUNT}
)
grant_expiration_period = EnumType(
    "GrantExpirationPeriod",
    {"OneMonth": GrantExpirationPeriod.ONE_MONTH, "OneYear": GrantExpirationPeriod.ONE_YEAR},
)


def _invoice(grant: CreditGrant) -> CreditInvoice | None:
    # A grant without an invoice raises a subclass of AttributeError: getattr answers None.
    return getattr(grant, "invoice", None)


@credit_grant.field("grantId")
def resolve_grant_id(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return str(grant.ref_id)


@credit_grant.field("amount")
def resolve_grant_amount(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return number(grant.amount)


@credit_grant.field("consumedAmount")
def resolve_grant_consumed_amount(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return number(grant.consumed_amount)


@credit_grant.field("cost")
def resolve_grant_cost(grant: CreditGrant, _: GraphQLResolveInfo) -> dict[str, Any]:
    # ``Money`` has no model; the ``Currency`` enum's names are uppercase ISO codes, ours lowercase.
    return {"amount": number(grant.cost_amount), "currency": grant.cost_currency.upper()}


@credit_grant.field("currencyId")
def resolve_grant_currency_id(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return grant.balance.currency.ref_id


@credit_grant.field("customerId")
def resolve_grant_customer_id(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return grant.balance.customer.ref_id


@credit_grant.field("resourceId")
def resolve_grant_resource_id(grant: CreditGrant, _: GraphQLResolveInfo) -> str | None:
    return grant.balance.resource_key or None


@credit_grant.field("displayName")
def resolve_grant_display_name(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return grant.display_name


@credit_grant.field("effectiveAt")
def resolve_grant_effective_at(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return grant.effective_at


@credit_grant.field("expireAt")
def resolve_grant_expire_at(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return grant.expire_at


@credit_grant.field("voidedAt")
def resolve_grant_voided_at(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return grant.voided_at


@credit_grant.field("createdAt")
def resolve_grant_created_at(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return grant.created_at


@credit_grant.field("updatedAt")
def resolve_grant_updated_at(grant: CreditGrant, _: GraphQLResolveInfo) -> Any:
    return grant.updated_at


@credit_grant.field("grantType")
def resolve_grant_type(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return grant.grant_type


@credit_grant.field("priority")
def resolve_grant_priority(grant: CreditGrant, _: GraphQLResolveInfo) -> int:
    return grant.priority


@credit_grant.field("comment")
def resolve_grant_comment(grant: CreditGrant, _: GraphQLResolveInfo) -> str | None:
    return grant.comment


@credit_grant.field("additionalMetaData")
def resolve_grant_metadata(grant: CreditGrant, _: GraphQLResolveInfo) -> dict[str, Any]:
    return dict(grant.metadata)


@credit_grant.field("automaticRechargeConfigurationId")
def resolve_grant_recharge_configuration_id(*_: Any) -> None:
    # Stigg's settings ids are UUIDs; ours are integers, and no client reads a recharge grant's settings by it.
    return None


@credit_grant.field("status")
def resolve_grant_status(grant: CreditGrant, info: GraphQLResolveInfo) -> str:
    return grant_status(grant, now=info.context.now)


@credit_grant.field("paymentCollection")
def resolve_grant_payment_collection(grant: CreditGrant, _: GraphQLResolveInfo) -> str:
    return grant.payment_collection


@credit_grant.field("invoiceId")
def resolve_grant_invoice_id(grant: CreditGrant, _: GraphQLResolveInfo) -> str | None:
    invoice = _invoice(grant)
    return str(invoice.ref_id) if invoice else None


@credit_grant.field("latestInvoice")
def resolve_grant_latest_invoice(grant: CreditGrant, _: GraphQLResolveInfo) -> CreditInvoice | None:
    return _invoice(grant)


# --- CreditGrantInvoice -----------------------------------------------------------------------------------------------


@credit_grant_invoice.field("billingId")
def resolve_invoice_billing_id(invoice: CreditInvoice, _: GraphQLResolveInfo) -> str:
    return str(invoice.ref_id)


@credit_grant_invoice.field("billingReason")
def resolve_invoice_billing_reason(*_: Any) -> str:
    # A grant's invoice is raised by the grant itself, as REST v1 answers it.
    return "MANUAL"


@credit_grant_invoice.field("status")
def resolve_invoice_status(invoice: CreditInvoice, _: GraphQLResolveInfo) -> str:
    return invoice.status


@credit_grant_invoice.field("currency")
def resolve_invoice_currency(invoice: CreditInvoice, _: GraphQLResolveInfo) -> str:
    return invoice.currency


@credit_grant_invoice.field("createdAt")
def resolve_invoice_created_at(invoice: CreditInvoice, _: GraphQLResolveInfo) -> Any:
    return invoice.created_at


@credit_grant_invoice.field("updatedAt")
def resolve_invoice_updated_at(invoice: CreditInvoice, _: GraphQLResolveInfo) -> Any:
    return invoice.updated_at


@credit_grant_invoice.field("errorMessage")
def resolve_invoice_error_message(invoice: CreditInvoice, _: GraphQLResolveInfo) -> str | None:
    return invoice.collection_error or None


@credit_grant_invoice.field("requiresAction")
def resolve_invoice_requires_action(*_: Any) -> bool:
    return False


@credit_grant_invoice.field("attemptCount")
def resolve_invoice_attempt_count(invoice: CreditInvoice, _: GraphQLResolveInfo) -> int:
    # A grant's invoice is collected at most once (``credit_invoice_collect``).
    return 1 if invoice.collection_attempted_at is not None else 0


def _invoice_total(invoice: CreditInvoice, _: GraphQLResolveInfo) -> Any:
    return number(invoice.total)


def _invoice_amount_due(invoice: CreditInvoice, _: GraphQLResolveInfo) -> Any:
    return number(invoice.amount_due)


def _zero(*_: Any) -> int:
    return 0


for _name in ("subTotal", "subTotalExcludingTax", "total", "totalExcludingTax"):
    # No tax is added to a grant's invoice: every total is the same.
    credit_grant_invoice.set_field(_name, _invoice_total)
credit_grant_invoice.set_field("amountDue", _invoice_amount_due)
credit_grant_invoice.set_field("tax", _zero)
# ``dueDate``, ``paymentSecret``, ``paymentUrl`` and ``pdfUrl``: no billing provider issues them here (null).


# --- CreditLedgerEvent ------------------------------------------------------------------------------------------------


@credit_ledger_event.field("amount")
def resolve_entry_amount(entry: LedgerEntry, _: GraphQLResolveInfo) -> Any:
    return number(entry.amount)


@credit_ledger_event.field("creditCurrencyId")
def resolve_entry_currency_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str:
    return entry.balance.currency.ref_id


@credit_ledger_event.field("creditGrantId")
def resolve_entry_grant_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str:
    return str(entry.grant.ref_id)


@credit_ledger_event.field("customerId")
def resolve_entry_customer_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str:
    return entry.balance.customer.ref_id


@credit_ledger_event.field("resourceId")
def resolve_entry_resource_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str | None:
    return entry.balance.resource_key or None


@credit_ledger_event.field("eventType")
def resolve_entry_event_type(entry: LedgerEntry, _: GraphQLResolveInfo) -> str:
    return entry.event_type


@credit_ledger_event.field("timestamp")
def resolve_entry_timestamp(entry: LedgerEntry, _: GraphQLResolveInfo) -> str | None:
    # A ``String`` in Stigg's schema, not a ``DateTime``: the ISO text.
    return iso(entry.timestamp)


@credit_ledger_event.field("eventId")
def resolve_entry_event_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str | None:
    return str(entry.consumption.ref_id) if entry.consumption else None


@credit_ledger_event.field("featureId")
def resolve_entry_feature_id(entry: LedgerEntry, _: GraphQLResolveInfo) -> str | None:
    return entry.consumption.feature_ref_id if entry.consumption else None


bindables: list[object] = [
    credit_grant,
    credit_grant_invoice,
    credit_ledger_event,
    threshold_type,
    grant_expiration_period,
]
