"""Custom credit currencies through the official Stigg client against the live server (contract §3.10 CC1-CC6)."""

import threading
from datetime import timedelta
from typing import Any

import pytest
import stigg
from rest_framework.test import APIClient

from catalog.models import CustomCurrency
from tests.wire_shapes import domain_error, validation_error, wire

ID_RULE = "must be 1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"


def currency_ids(client: stigg.Stigg, **filters: Any) -> list[str]:
    return [currency.id for currency in client.v1.credits.custom_currencies.list(limit=100, **filters)]


def get_currency(client: stigg.Stigg, ref_id: str) -> Any:
    """There is no retrieve endpoint: read the active currency from the list."""
    matches = [item for item in client.v1.credits.custom_currencies.list(limit=100) if item.id == ref_id]
    assert len(matches) == 1
    return matches[0]


def create_plan_granting_credits(client: stigg.Stigg, currency_id: str, *, plan_id: str = "basic") -> None:
    if not client.v1.products.list_products(id="product").data:
        client.v1.products.create_product(id="product", display_name="Product")
    client.v1.plans.create(id=plan_id, display_name=plan_id.title(), product_id="product")
    client.v1.plans.entitlements.create(
        plan_id, entitlements=[{"id": currency_id, "type": "CREDIT", "amount": 100, "cadence": "MONTH"}]
    )


# --- create and read ---------------------------------------------------------------------------------------------


def test_create_returns_the_currency_and_list_reads_it_back(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.credits.custom_currencies.create(
        id="tokens",
        display_name="Tokens",
        description="AI tokens",
        metadata={"team": "ai"},
        symbol="T",
        units={"singular": "token", "plural": "tokens"},
    )

    listed = get_currency(stigg_client, "tokens")

    expected = {
        "id": "tokens",
        "displayName": "Tokens",
        "description": "AI tokens",
        "metadata": {"team": "ai"},
        "symbol": "T",
        "units": {"singular": "token", "plural": "tokens"},
        "archivedAt": None,
    }
    assert wire(created.data) == expected
    assert wire(listed) == expected
    assert listed.created_at == created.data.created_at
    assert listed.created_at.tzinfo is not None
    assert listed.created_at.utcoffset() == timedelta(0)
    assert listed.updated_at == listed.created_at
    assert listed.units is not None
    assert listed.units.plural == "tokens"


def test_create_with_only_the_required_fields(stigg_client: stigg.Stigg) -> None:
    created = stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens")

    assert wire(created.data) == {
        "id": "tokens",
        "displayName": "Tokens",
        "description": None,
        "metadata": {},
        "symbol": None,
        "units": None,
        "archivedAt": None,
    }


# --- update (PATCH) ----------------------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(
        id="tokens",
        display_name="Tokens",
        description="AI tokens",
        metadata={"a": "1", "b": "2"},
        symbol="T",
        units={"singular": "token", "plural": "tokens"},
    )

    updated = currencies.update("tokens", display_name="Credits")

    assert wire(updated.data) == {
        "id": "tokens",
        "displayName": "Credits",
        "description": "AI tokens",
        "metadata": {"a": "1", "b": "2"},
        "symbol": "T",
        "units": {"singular": "token", "plural": "tokens"},
        "archivedAt": None,
    }
    assert updated.data.updated_at > updated.data.created_at
    assert wire(get_currency(stigg_client, "tokens")) == wire(updated.data)


def test_update_replaces_metadata_and_units_wholesale_and_null_clears(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(
        id="tokens",
        display_name="Tokens",
        description="AI tokens",
        metadata={"a": "1", "b": "2"},
        symbol="T",
        units={"singular": "token", "plural": "tokens"},
    )

    replaced = currencies.update(
        "tokens", metadata={"c": "3"}, units={"singular": "credit", "plural": "credits"}, description=None, symbol=None
    )

    assert wire(replaced.data) == {
        "id": "tokens",
        "displayName": "Tokens",
        "description": None,
        "metadata": {"c": "3"},
        "symbol": None,
        "units": {"singular": "credit", "plural": "credits"},
        "archivedAt": None,
    }
    cleared = currencies.update("tokens", metadata=None, units=None)  # type: ignore[arg-type]
    assert cleared.data.metadata == {}
    assert cleared.data.units is None
    assert wire(get_currency(stigg_client, "tokens")) == wire(cleared.data)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"units": {"plural": "credits"}}, {"units.singular": ["This field is required."]}),
        ({"units": {"singular": "credit", "plural": None}}, {"units.plural": ["This field may not be null."]}),
        ({"display_name": None}, {"displayName": ["This field may not be null."]}),
        ({"metadata": {"a": None}}, {"metadata.a": ["This field may not be null."]}),
    ],
)
def test_update_with_malformed_fields_is_400_and_changes_nothing(
    stigg_client: stigg.Stigg, changes: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    stigg_client.v1.credits.custom_currencies.create(
        id="tokens", display_name="Tokens", units={"singular": "token", "plural": "tokens"}
    )
    before = get_currency(stigg_client, "tokens").to_dict()

    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.credits.custom_currencies.update("tokens", description="Changed", **changes)

    assert caught.value.body == validation_error(fields)
    assert get_currency(stigg_client, "tokens").to_dict() == before


# --- list: paging and filters ------------------------------------------------------------------------------------


def test_list_pages_through_more_than_one_page(stigg_client: stigg.Stigg) -> None:
    expected = [f"currency-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.credits.custom_currencies.create(id=ref_id, display_name=ref_id)

    first_page = stigg_client.v1.credits.custom_currencies.list(limit=10)

    assert [currency.id for currency in first_page.data] == expected[:10]
    assert first_page.has_next_page() is True
    pages = list(first_page.iter_pages())
    assert [len(page.data) for page in pages] == [10, 10, 5]
    assert pages[-1].has_next_page() is False
    assert [currency.id for currency in stigg_client.v1.credits.custom_currencies.list(limit=10)] == expected


def test_before_cursor_pages_backwards(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    path = "/api/v1/credits/custom-currencies"
    expected = [f"currency-{number:02d}" for number in range(25)]
    for ref_id in expected:
        stigg_client.v1.credits.custom_currencies.create(id=ref_id, display_name=ref_id)
    first = api_client.get(path, {"limit": 10}).json()
    middle = api_client.get(path, {"limit": 10, "after": first["pagination"]["next"]}).json()
    last = api_client.get(path, {"limit": 10, "after": middle["pagination"]["next"]}).json()
    assert [item["id"] for item in last["data"]] == expected[20:]
    assert last["pagination"]["next"] is None

    back = api_client.get(path, {"limit": 10, "before": last["pagination"]["prev"]}).json()

    assert [item["id"] for item in back["data"]] == expected[10:20]
    start = api_client.get(path, {"limit": 10, "before": back["pagination"]["prev"]}).json()
    assert [item["id"] for item in start["data"]] == expected[:10]
    assert start["pagination"]["prev"] is None
    backwards = stigg_client.v1.credits.custom_currencies.list(limit=10, before=last["pagination"]["prev"])
    assert [currency.id for currency in backwards] == expected[10:20] + expected[:10]


def test_list_shows_active_currencies_unless_asked_for_archived_ones(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    for ref_id in ("tokens", "gems", "coins"):
        currencies.create(id=ref_id, display_name=ref_id.title())
    currencies.archive("gems")

    assert currency_ids(stigg_client) == ["tokens", "coins"]
    assert currency_ids(stigg_client, status=["ACTIVE"]) == ["tokens", "coins"]
    assert currency_ids(stigg_client, status=["ARCHIVED"]) == ["gems"]
    assert currency_ids(stigg_client, status=["ACTIVE", "ARCHIVED"]) == ["tokens", "gems", "coins"]


def test_list_with_an_unknown_status_is_400_naming_the_parameter(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.credits.custom_currencies.list(status=["ACTIVE", "DELETED"])  # type: ignore[list-item]

    assert caught.value.body == domain_error(
        "VALIDATION_ERROR", "unknown value(s) DELETED; expected any of ACTIVE, ARCHIVED", field="status"
    )


# --- archive, unarchive, associated entities ---------------------------------------------------------------------


def test_archive_and_unarchive(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Tokens")

    archived = currencies.archive("tokens")
    archived_again = currencies.archive("tokens")

    assert archived.data.archived_at is not None
    assert archived.data.archived_at.tzinfo is not None
    assert archived_again.data.to_dict() == archived.data.to_dict()
    assert currency_ids(stigg_client) == []
    assert currency_ids(stigg_client, status=["ARCHIVED"]) == ["tokens"]

    unarchived = currencies.unarchive("tokens")
    unarchived_again = currencies.unarchive("tokens")

    assert unarchived.data.archived_at is None
    assert unarchived_again.data.to_dict() == unarchived.data.to_dict()
    assert currency_ids(stigg_client) == ["tokens"]
    assert CustomCurrency.objects.count() == 1


def test_archived_currency_is_not_updatable(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Tokens")
    currencies.archive("tokens")

    with pytest.raises(stigg.NotFoundError) as caught:
        currencies.update("tokens", display_name="Renamed")

    assert caught.value.body == domain_error("CUSTOM_CURRENCY_NOT_FOUND", "Custom currency tokens not found")
    assert CustomCurrency.objects.get().display_name == "Tokens"


def test_archived_id_can_be_reused_and_then_the_old_one_cannot_be_unarchived(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Old tokens")
    currencies.archive("tokens")

    reused = currencies.create(id="tokens", display_name="New tokens")

    assert reused.data.display_name == "New tokens"
    assert [(item.id, item.display_name) for item in currencies.list(status=["ACTIVE", "ARCHIVED"])] == [
        ("tokens", "Old tokens"),
        ("tokens", "New tokens"),
    ]
    with pytest.raises(stigg.ConflictError) as caught:
        currencies.unarchive("tokens")
    assert caught.value.body == domain_error(
        "DUPLICATE_ID", "An active custom currency already has the id tokens", field="id"
    )
    assert [(item.id, item.archived_at is None) for item in currencies.list(status=["ACTIVE", "ARCHIVED"])] == [
        ("tokens", False),
        ("tokens", True),
    ]


def test_archive_is_refused_while_a_live_plan_grants_it(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Tokens")
    create_plan_granting_credits(stigg_client, "tokens")

    with pytest.raises(stigg.ConflictError) as caught:
        currencies.archive("tokens")

    assert caught.value.body == domain_error("IN_USE", "Custom currency tokens is used by basic")
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert currency_ids(stigg_client) == ["tokens"]
    assert CustomCurrency.objects.get().archived_at is None

    stigg_client.v1.plans.archive("basic")
    archived = currencies.archive("tokens")

    assert archived.data.archived_at is not None


def test_associated_entities_lists_the_live_plans_using_the_currency(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Tokens")
    currencies.create(id="gems", display_name="Gems")
    create_plan_granting_credits(stigg_client, "tokens", plan_id="basic")
    create_plan_granting_credits(stigg_client, "tokens", plan_id="pro")
    create_plan_granting_credits(stigg_client, "gems", plan_id="gold")

    associated = currencies.list_associated_entities("tokens")

    assert sorted((item.id, item.display_name, item.type) for item in associated.data) == [
        ("basic", "Basic", "Plan"),
        ("pro", "Pro", "Plan"),
    ]
    stigg_client.v1.plans.archive("pro")
    assert [item.to_dict() for item in currencies.list_associated_entities("tokens").data] == [
        {"id": "basic", "displayName": "Basic", "type": "Plan"}
    ]
    assert currencies.list_associated_entities("gems").data[0].id == "gold"


def test_archive_is_refused_while_a_live_addon_grants_it_and_the_addon_is_associated(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    currencies.create(id="tokens", display_name="Tokens")
    stigg_client.v1.products.create_product(id="product", display_name="Product")
    stigg_client.v1.addons.create(id="boost", display_name="Boost", product_id="product")
    stigg_client.v1.addons.entitlements.create(
        "boost", entitlements=[{"id": "tokens", "type": "CREDIT", "amount": 10, "cadence": "YEAR"}]
    )

    with pytest.raises(stigg.ConflictError) as caught:
        currencies.archive("tokens")
    associated = currencies.list_associated_entities("tokens")

    assert caught.value.body == domain_error("IN_USE", "Custom currency tokens is used by boost")
    assert [item.to_dict() for item in associated.data] == [{"id": "boost", "displayName": "Boost", "type": "Addon"}]
    assert CustomCurrency.objects.get().archived_at is None
    stigg_client.v1.addons.archive("boost")
    assert currencies.archive("tokens").data.archived_at is not None
    assert currencies.list_associated_entities("tokens").data == []


def test_associated_entities_name_a_plan_by_its_newest_version(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens")
    create_plan_granting_credits(stigg_client, "tokens")
    stigg_client.v1.plans.publish("basic", migration_type="NEW_CUSTOMERS")
    stigg_client.v1.plans.create_draft("basic")
    stigg_client.v1.plans.update("basic", display_name="Basic v2")

    associated = stigg_client.v1.credits.custom_currencies.list_associated_entities("tokens")

    assert [item.to_dict() for item in associated.data] == [{"id": "basic", "displayName": "Basic v2", "type": "Plan"}]
    assert stigg_client.v1.plans.retrieve("basic").data.display_name == "Basic v2"


def test_associated_entities_of_an_unused_currency_is_empty(stigg_client: stigg.Stigg) -> None:
    stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens")

    assert stigg_client.v1.credits.custom_currencies.list_associated_entities("tokens").data == []


# --- errors ------------------------------------------------------------------------------------------------------


def test_duplicate_id_is_409_and_keeps_the_first(stigg_client: stigg.Stigg, api_client: APIClient) -> None:
    stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens")

    with pytest.raises(stigg.ConflictError) as caught:
        stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Other")

    assert caught.value.body == domain_error(
        "DUPLICATE_ID", "Custom currency with id tokens already exists", field="id"
    )
    raw = api_client.post("/api/v1/credits/custom-currencies", {"id": "tokens", "displayName": "Other"}, format="json")
    assert raw.status_code == 409
    assert raw["x-should-retry"] == "false"
    assert raw.json() == caught.value.body
    assert CustomCurrency.objects.count() == 1
    assert get_currency(stigg_client, "tokens").display_name == "Tokens"


def test_concurrent_creates_of_one_id_make_one_currency_and_409s(stigg_client: stigg.Stigg) -> None:
    """The partial unique index on active ids decides; the losers get a coded 409, never a 500."""
    threads = 6
    barrier = threading.Barrier(threads)
    outcomes: list[tuple[int, str]] = []

    def create() -> None:
        barrier.wait()
        try:
            stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens")
            outcomes.append((200, "created"))
        except stigg.APIStatusError as error:
            outcomes.append((error.status_code, error.body["error"]["code"]))

    workers = [threading.Thread(target=create) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(outcomes) == [(200, "created")] + [(409, "DUPLICATE_ID")] * (threads - 1)
    assert CustomCurrency.objects.count() == 1


def test_unknown_id_is_404_on_every_operation(stigg_client: stigg.Stigg) -> None:
    currencies = stigg_client.v1.credits.custom_currencies
    operations = [
        lambda: currencies.update("nope", display_name="Nope"),
        lambda: currencies.archive("nope"),
        lambda: currencies.unarchive("nope"),
        lambda: currencies.list_associated_entities("nope"),
    ]
    for operation in operations:
        with pytest.raises(stigg.NotFoundError) as caught:
            operation()
        assert caught.value.body == domain_error("CUSTOM_CURRENCY_NOT_FOUND", "Custom currency nope not found")
    assert CustomCurrency.objects.count() == 0


@pytest.mark.parametrize("ref_id", ["two words", "a/b", "_hidden"])
def test_invalid_id_is_400_and_writes_nothing(stigg_client: stigg.Stigg, ref_id: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.credits.custom_currencies.create(id=ref_id, display_name="Currency")

    assert caught.value.body == domain_error("VALIDATION_ERROR", ID_RULE, field="id")
    assert CustomCurrency.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({"display_name": None}, {"displayName": ["This field may not be null."]}),
        ({"units": {"singular": "token"}}, {"units.plural": ["This field is required."]}),
        ({"metadata": ["a"]}, {"metadata": ['Expected a dictionary of items but got type "list".']}),
    ],
)
def test_malformed_fields_are_400_naming_the_field_and_write_nothing(
    stigg_client: stigg.Stigg, arguments: dict[str, Any], fields: dict[str, list[str]]
) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.credits.custom_currencies.create(id="tokens", **{"display_name": "Tokens", **arguments})

    assert caught.value.body == validation_error(fields)
    assert CustomCurrency.objects.count() == 0


def test_over_long_symbol_is_400_and_writes_nothing(stigg_client: stigg.Stigg) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        stigg_client.v1.credits.custom_currencies.create(id="tokens", display_name="Tokens", symbol="x" * 17)

    assert caught.value.body == validation_error({"symbol": ["Ensure this field has no more than 16 characters."]})
    assert CustomCurrency.objects.count() == 0


def test_malformed_json_body_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/credits/custom-currencies", data='{"id": "tokens", "displayName": }', content_type="application/json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "MALFORMED_REQUEST"
    assert body["error"]["message"].startswith("Malformed JSON body: ")
    assert body["error"]["details"] == {}
    assert CustomCurrency.objects.count() == 0
