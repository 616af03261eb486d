"""Credit grants and balances through the Node SDK 3.95 (``grantCredits``, ``getCreditBalance``,
``getCreditGrants``, ``voidCreditGrant``: all it has of credits), and its answers for an unknown customer or
grant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from config.wire import iso
from credits.models import CreditGrant, LedgerEntry
from tests.credits.builders import assert_wallet_consistent, balance_of, wallet_setup
from tests.graphql.credits_answers import balance_answer, grant_answer
from tests.sdk.runners import NodeSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wallet(db: None) -> None:
    wallet_setup()


# The Node SDK's ``CreditGrantFragment`` selects fewer fields than the Python SDK's.
NODE_GRANT_FIELDS = (
    *("grantId", "amount", "comment", "currencyId", "customerId", "displayName", "effectiveAt", "expireAt"),
    *("grantType", "priority", "consumedAmount", "cost", "createdAt", "updatedAt", "resourceId", "additionalMetaData"),
)
# Apollo adds ``__typename`` to every object: dropped, so answers compare with the fragments' fields.
NODE_PLAIN = """
const plain = (value) => Array.isArray(value) ? value.map(plain) : (value && typeof value === 'object')
  ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== '__typename')
      .map(([key, item]) => [key, plain(item)]))
  : value;
"""


def node_grant_answer(stored: CreditGrant, **changes: Any) -> dict[str, Any]:
    answer = grant_answer(stored, **changes)
    return {name: answer[name] for name in NODE_GRANT_FIELDS}


NODE_GRANT_SCENARIO = (
    NODE_PLAIN
    + """
const granted = await stigg.grantCredits(input.grant);
const balance = await stigg.getCreditBalance({ customerId: 'customer-1', currencyId: 'tokens' });
const grants = await stigg.getCreditGrants({ customerId: 'customer-1' });
const voided = await stigg.voidCreditGrant({ id: granted.grantId });
const after = await stigg.getCreditBalance({ customerId: 'customer-1' });
return plain({ granted, balance, grants, voided, after });
"""
)


def test_node_sdk_grants_reads_and_voids_credits(node_sdk: NodeSdk, wallet: None) -> None:
    expire_at = timezone.now().replace(microsecond=0) + timedelta(days=400)
    result = node_sdk.run(
        NODE_GRANT_SCENARIO,
        {
            "grant": {
                "customerId": "customer-1",
                "currencyId": "tokens",
                "amount": 120.5,
                "displayName": "Welcome credits",
                "grantType": "PROMOTIONAL",
                "priority": 10,
                "comment": "for trying us out",
                "expireAt": expire_at.isoformat(),
                "additionalMetaData": {"campaign": "spring"},
            }
        },
    )

    stored = CreditGrant.objects.get()
    assert result["voided"] == node_grant_answer(stored)
    assert stored.voided_at is not None and stored.expire_at == expire_at
    granted = node_grant_answer(stored, updatedAt=iso(stored.created_at))
    assert result["granted"] == granted
    assert result["grants"]["data"] == [granted]
    assert result["grants"]["totalCount"] == 1
    assert result["grants"]["pageInfo"]["hasNextPage"] is False
    assert result["grants"]["pageInfo"]["hasPreviousPage"] is False
    valid_until = int(expire_at.timestamp() * 1000)
    assert result["balance"] == {
        "customerId": "customer-1",
        "balances": [balance_answer(120.5, 0, 120.5, valid_until)],
    }
    # A voided grant counts no more: nothing is left, nothing is granted.
    assert result["after"] == {"customerId": "customer-1", "balances": [balance_answer(0, 0, 0)]}
    assert [entry.event_type for entry in LedgerEntry.objects.order_by("pk")] == ["CREDITS_GRANTED", "CREDITS_VOIDED"]
    assert_wallet_consistent(balance_of(), now=timezone.now())


def test_node_sdk_unknown_customer_and_unknown_grant_are_coded_errors(node_sdk: NodeSdk, wallet: None) -> None:
    result = node_sdk.run(
        """
        const outcome = async (call) => {
          try { await call(); return 'no error'; }
          catch (error) { return { code: error.errorCode, message: error.message }; }
        };
        return {
          balance: await outcome(() => stigg.getCreditBalance({ customerId: 'nobody' })),
          grants: await outcome(() => stigg.getCreditGrants({ customerId: 'nobody' })),
          grant: await outcome(() => stigg.grantCredits({ customerId: 'nobody', currencyId: 'tokens', amount: 5,
                                                         displayName: 'x', grantType: 'PROMOTIONAL' })),
          void: await outcome(() => stigg.voidCreditGrant({ id: '00000000-0000-0000-0000-000000000000' })),
        };
        """
    )

    assert result == {
        "balance": {
            "code": "CUSTOMER_NOT_FOUND",
            "message": "Failed to get credit balance: customerId: no customer nobody",
        },
        "grants": {
            "code": "CUSTOMER_NOT_FOUND",
            "message": "Failed to get credit grants: customerId: no customer nobody",
        },
        "grant": {"code": "CUSTOMER_NOT_FOUND", "message": "Failed to grant credits: customerId: no customer nobody"},
        "void": {
            "code": "CREDIT_GRANT_NOT_FOUND",
            "message": "Failed to void credit grant: no credit grant 00000000-0000-0000-0000-000000000000",
        },
    }
    assert not CreditGrant.objects.exists()
