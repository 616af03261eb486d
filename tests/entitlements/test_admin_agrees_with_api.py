"""The console's effective-entitlements page and the API's C8 give the same answer for the same customer.

For customers with a plan, add-ons, promotions, metered usage (within and over the limit) and credit wallets,
the page's tables (parsed, through Django's test client as a superuser) must list exactly the features and wallets
``GET /api/v1/customers/{id}/entitlements`` answers (through the official client against the live server), each
with the same grant or denial reason, usage and limit.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
import stigg
from django.test import Client
from django.utils import timezone

from catalog.services.currencies import custom_currency_create
from customers.selectors import customer_get
from customers.services import customer_archive
from entitlements import services
from entitlements.admin import effective_entitlements_url
from metering.services import UsageReport, usage_report
from tests.credits.builders import consume, grant
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

NO_VALUE = "—"


@dataclass
class Table:
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class Tables(HTMLParser):
    """The text of every cell of the page's tables that have an ``id``, by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, Table] = {}
        self.notes: list[str] = []
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._in_note = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = self.tables.setdefault(str(attributes["id"]), Table())
        elif self._table is not None and tag == "tr":
            self._table.rows.append([])
        elif self._table is not None and tag in {"td", "th"}:
            self._cell = []
        elif tag == "p" and "errornote" in (attributes.get("class") or ""):
            self._in_note = True
            self.notes.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif self._table is not None and tag in {"td", "th"} and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if tag == "th":
                self._table.headers.append(text)
            else:
                self._table.rows[-1].append(text)
            self._cell = None
        elif tag == "p":
            self._in_note = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_note:
            self.notes[-1] += data

    def records(self, table_id: str) -> list[dict[str, str]]:
        """The table's rows by header, without its header row and its "No entitlements." row."""
        table = self.tables.get(table_id, Table())
        rows = [row for row in table.rows if row and row != ["No entitlements."]]
        return [dict(zip(table.headers, row, strict=True)) for row in rows]


def _granted(cell: str) -> tuple[bool, str | None]:
    """``yes`` or ``no (Reason)``."""
    if cell == "yes":
        return True, None
    assert cell.startswith("no (") and cell.endswith(")"), cell
    return False, cell[len("no (") : -1]


def _limit(cell: str) -> tuple[int | None, bool]:
    """(usage limit, unlimited): a number, ``unlimited``, or enum values / ``—`` (no limit to state)."""
    if cell == "unlimited":
        return None, True
    return (int(cell), False) if cell.isdigit() else (None, False)


def page_answer(admin_client: Client, customer_ref_id: str) -> dict[str, Any]:
    response = admin_client.get(effective_entitlements_url(customer_ref_id))
    assert response.status_code == 200
    page = Tables()
    page.feed(response.content.decode())
    denials = [note.removeprefix("Access denied: ").strip() for note in page.notes]
    features = [
        (row["feature"], *_granted(row["granted"]), Decimal(row["usage"]), *_limit(row["limit"]))
        for row in page.records("effective-entitlements")
    ]
    credits = [
        (row["currency"], *_granted(row["granted"]), Decimal(row["usage"]), Decimal(row["limit"]))
        for row in page.records("effective-credits")
    ]
    return {"accessDeniedReason": denials[0] if denials else None, "features": features, "credits": credits}


def api_answer(stigg_client: stigg.Stigg, customer_ref_id: str) -> dict[str, Any]:
    response = stigg_client.v1.customers.with_raw_response.retrieve_entitlements(customer_ref_id)
    body = json.loads(response.text(), parse_float=Decimal)["data"]
    items = body["entitlements"]
    features = [
        (
            item["feature"]["id"],
            item["isGranted"],
            item["accessDeniedReason"],
            Decimal(str(item["currentUsage"])),
            item["usageLimit"],
            item["hasUnlimitedUsage"],
        )
        for item in items
        if item["type"] == "FEATURE"
    ]
    credits = [
        (
            item["currency"]["currencyId"],
            item["isGranted"],
            item["accessDeniedReason"],
            Decimal(str(item["currentUsage"])),
            Decimal(str(item["usageLimit"])),
        )
        for item in items
        if item["type"] == "CREDIT"
    ]
    assert len(features) + len(credits) == len(items)
    return {"accessDeniedReason": body["accessDeniedReason"], "features": features, "credits": credits}


def promote(customer_ref_id: str, feature_ref_id: str, **fields: Any) -> None:
    services.promotional_entitlements_grant(
        customer=customer_get(customer_ref_id),
        grants=[services.PromotionGrant(feature_ref_id, "lifetime", **fields)],
        now=timezone.now(),
        actor="test",
    )


def report(customer_ref_id: str, feature_ref_id: str, value: int) -> None:
    usage_report(items=[UsageReport(customer_ref_id, feature_ref_id, Decimal(value))], now=timezone.now())


@pytest.fixture
def customers(db: None) -> list[str]:
    """Five customers whose answers differ in every column the page shows, and one that does not exist."""
    now = timezone.now()
    catalog_for_entitlements()
    custom_currency_create(ref_id="tokens", display_name="Tokens", unit_plural="tokens", now=now)
    custom_currency_create(ref_id="gems", display_name="Gems", unit_plural="gems", now=now)
    for ref_id in ["customer-1", "customer-2", "customer-3", "customer-4", "customer-5"]:
        customer(ref_id)

    # A plan, add-ons, a promotion on top of the plan, usage within the limits, and two wallets (one used up).
    provision("plan-pro", now=now - timedelta(days=3), addons=[("addon-seats", 2)])
    promote("customer-1", "storage", has_unlimited_usage=True)
    report("customer-1", "api-calls", 400)
    report("customer-1", "storage", 7)
    grant(100, now=now)
    consume(30, "first", now=now)
    grant(20, currency_ref_id="gems", now=now)
    consume(20, "all-gems", currency_ref_id="gems", now=now)

    # Usage at and over the limits (denied), a promoted feature the plan lacks, a wallet.
    provision("plan-basic", now=now - timedelta(days=1), customer_ref_id="customer-2")
    promote("customer-2", "sso")
    promote("customer-2", "seats", usage_limit=8)
    report("customer-2", "api-calls", 1000)
    report("customer-2", "storage", 12)
    grant(5, customer_ref_id="customer-2", now=now)

    # An add-on that overrides the plan's limit, usage past the plan's limit but within the add-on's.
    provision("plan-pro", now=now - timedelta(days=2), customer_ref_id="customer-3", addons=[("addon-calls", 1)])
    report("customer-3", "api-calls", 1500)

    # Only a promotion, no subscription.
    promote("customer-4", "sso")

    # Archived.
    provision("plan-basic", now=now - timedelta(days=1), customer_ref_id="customer-5")
    customer_archive(customer=customer_get("customer-5"), now=now)
    return ["customer-1", "customer-2", "customer-3", "customer-4", "customer-5", "nobody"]


def test_the_console_shows_for_every_feature_and_wallet_what_the_api_answers(
    admin_client: Client, stigg_client: stigg.Stigg, customers: list[str]
) -> None:
    answers = {ref_id: api_answer(stigg_client, ref_id) for ref_id in customers}

    for ref_id in customers:
        shown = page_answer(admin_client, ref_id)
        api = answers[ref_id]
        assert shown["accessDeniedReason"] == api["accessDeniedReason"], ref_id
        assert shown["features"] == api["features"], ref_id
        assert shown["credits"] == api["credits"], ref_id

    # The world is what the comparison needs it to be: usage, denials, wallets and whole-customer denials.
    first = {item[0]: item for item in answers["customer-1"]["features"]}
    assert first["api-calls"] == ("api-calls", True, None, Decimal(400), 1000, False)
    assert first["storage"] == ("storage", True, None, Decimal(7), None, True)
    assert first["seats"][4] == 30
    assert answers["customer-1"]["credits"] == [
        ("gems", False, "InsufficientCredits", Decimal(20), Decimal(20)),
        ("tokens", True, None, Decimal(30), Decimal(100)),
    ]
    second = {item[0]: item[1:3] for item in answers["customer-2"]["features"]}
    assert second["api-calls"] == (False, "RequestedUsageExceedingLimit")
    assert second["storage"] == (False, "RequestedUsageExceedingLimit")
    assert second["sso"] == (True, None)
    third = {item[0]: item for item in answers["customer-3"]["features"]}
    assert third["api-calls"] == ("api-calls", True, None, Decimal(1500), 5000, False)
    assert [item[0] for item in answers["customer-4"]["features"]] == ["sso"]
    assert answers["customer-5"]["accessDeniedReason"] == "CustomerIsArchived"
    assert answers["nobody"] == {"accessDeniedReason": "CustomerNotFound", "features": [], "credits": []}
