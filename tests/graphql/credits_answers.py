"""What both official SDKs receive for credit grants and balances, and the SDK scenario helpers the credits'
GraphQL tests share (a dump of models, coded errors per call)."""

from typing import Any

from config.wire import iso
from credits.models import CreditGrant


def grant_answer(stored: CreditGrant, **changes: Any) -> dict[str, Any]:
    """``CreditGrantFragment`` as both SDKs receive it, for a grant without an invoice."""
    stored.refresh_from_db()
    return {
        "grantId": str(stored.ref_id),
        "amount": float(stored.amount),
        "comment": stored.comment,
        "currencyId": "tokens",
        "customerId": "customer-1",
        "displayName": stored.display_name,
        "effectiveAt": iso(stored.effective_at),
        "expireAt": iso(stored.expire_at),
        "grantType": stored.grant_type,
        "priority": float(stored.priority),
        "consumedAmount": float(stored.consumed_amount),
        "cost": {"amount": 0.0, "currency": "USD"},
        "createdAt": iso(stored.created_at),
        "updatedAt": iso(stored.updated_at),
        "resourceId": None,
        "additionalMetaData": stored.metadata,
        "automaticRechargeConfigurationId": None,
        "status": "ACTIVE",
        "voidedAt": iso(stored.voided_at),
        "paymentCollection": "NOT_REQUIRED",
        "invoiceId": None,
        "latestInvoice": None,
        **changes,
    }


def balance_answer(current: float, consumed: float, granted: float, valid_until: int | None = None) -> dict[str, Any]:
    return {
        "customerId": "customer-1",
        "currency": {
            "currencyId": "tokens",
            "displayName": "Tokens",
            "symbol": None,
            "units": {"singular": None, "plural": "tokens"},
        },
        "currentBalance": current,
        "totalConsumed": consumed,
        "totalGranted": granted,
        "resourceId": None,
        "validUntil": valid_until,
    }


# ``run_python`` dumps a model or a list of them; scenarios answering several dump them with this first.
PYTHON_DUMP = """
def dump(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    if isinstance(value, list):
        return [dump(item) for item in value]
    return value
"""


def python_errors(call: str) -> str:
    """A scenario calling ``call`` (an expression of ``item``) once per item of ``input``, in one process: the
    coded error of each call (``{"code", "message"}``), or its answer."""
    return (
        PYTHON_DUMP
        + f"""
result = []
for item in input:
    try:
        result.append(dump({call}))
    except generated.GraphQLClientGraphQLMultiError as error:
        result.append({{"code": error.errors[0].extensions["code"], "message": error.errors[0].message}})
"""
    )
