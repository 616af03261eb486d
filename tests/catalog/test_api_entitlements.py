"""Package entitlements (PE1-PE4, AE1-AE4) through the official Stigg client, on plans and add-ons alike."""

from typing import Any

import pytest
import stigg
from django.utils import timezone

from catalog import enums
from catalog.models import Package, PackageEntitlement, Product
from catalog.selectors import feature_get
from catalog.services.features import feature_archive, feature_create
from catalog.services.products import product_create
from tests.support.api_errors import error_code, error_message

KINDS = ["plan", "addon"]
PACKAGE_ID = {"plan": "plan-basic", "addon": "addon-storage"}
METER = {"aggregation": {"function": "COUNT"}, "filters": []}
REGIONS = [
    {"value": "us", "displayName": "United States"},
    {"value": "eu", "displayName": "Europe"},
    {"value": "apac", "displayName": "Asia Pacific"},
]


@pytest.fixture
def catalog(db: None) -> Product:
    """A product and one feature of each kind the entitlement rules tell apart."""
    now = timezone.now()
    product = product_create(ref_id="product-main", display_name="Main product", now=now)
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=now)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=now)
    feature_create(
        ref_id="feature-api-calls",
        display_name="API calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter=METER,
        now=now,
    )
    feature_create(
        ref_id="feature-region", display_name="Region", feature_type="ENUM", enum_configuration=REGIONS, now=now
    )
    return product


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, stigg_client: stigg.Stigg, catalog: Product) -> str:
    """Each test runs against a draft plan and a draft add-on."""
    if request.param == "plan":
        stigg_client.v1.plans.create(id="plan-basic", display_name="Basic", product_id="product-main")
    else:
        stigg_client.v1.addons.create(id="addon-storage", display_name="Storage", product_id="product-main")
    return request.param


@pytest.fixture
def credits_currency(stigg_client: stigg.Stigg, catalog: Product) -> str:
    stigg_client.v1.credits.custom_currencies.create(id="credits", display_name="Credits")
    return "credits"


class Entitlements:
    """The plan or add-on entitlement resource, called the same way for both."""

    def __init__(self, client: stigg.Stigg, kind: str) -> None:
        self.kind = kind
        self.package_id = PACKAGE_ID[kind]
        self.resource = client.v1.plans.entitlements if kind == "plan" else client.v1.addons.entitlements
        self.packages = client.v1.plans if kind == "plan" else client.v1.addons

    def owner(self) -> dict[str, str]:
        return {"plan_id" if self.kind == "plan" else "addon_id": self.package_id}

    def create(self, *items: dict[str, Any]) -> list[Any]:
        return self.resource.create(self.package_id, entitlements=list(items)).data  # type: ignore[arg-type]

    def create_raw(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.resource.with_raw_response.create(self.package_id, entitlements=list(items))  # type: ignore[arg-type]
        return response.http_response.json()["data"]

    def update(self, entitlement_id: str, **changes: Any) -> Any:
        return self.resource.update(entitlement_id, **self.owner(), **changes).data

    def delete(self, entitlement_id: str) -> Any:
        return self.resource.delete(entitlement_id, **self.owner()).data

    def list(self) -> list[Any]:
        return self.resource.list(self.package_id).data


@pytest.fixture
def entitlements(stigg_client: stigg.Stigg, kind: str) -> Entitlements:
    return Entitlements(stigg_client, kind)


def stored(kind: str) -> list[tuple]:
    """The draft's entitlement rows, by target id, in the fields the tests change."""
    package = Package.objects.get(ref_id=PACKAGE_ID[kind])
    rows = PackageEntitlement.objects.filter(version__package=package).select_related("feature", "currency")
    return sorted(
        (row.target_ref_id, row.type, row.usage_limit, row.has_unlimited_usage, row.reset_period, row.reset_anchor)
        for row in rows
    )


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")
    return {key: value for key, value in body.items() if key not in ("createdAt", "updatedAt")}


FEATURE_DEFAULTS = {
    "type": "FEATURE",
    "behavior": "Increment",
    "isGranted": True,
    "hiddenFromWidgets": [],
    "description": None,
    "displayNameOverride": None,
    "hasSoftLimit": False,
    "isCustom": False,
    "order": None,
    "enumValues": None,
    "hasUnlimitedUsage": False,
    "usageLimit": None,
    "resetPeriod": None,
    "resetPeriodConfiguration": None,
}


def test_create_entitlements_of_every_kind(entitlements: Entitlements, kind: str, credits_currency: str) -> None:
    created = entitlements.create_raw(
        {"id": "feature-sso", "type": "FEATURE", "hidden_from_widgets": ["PAYWALL"], "order": 1},
        {"id": "feature-seats", "type": "FEATURE", "usage_limit": 10, "has_soft_limit": True, "order": 2},
        {
            "id": "feature-api-calls",
            "type": "FEATURE",
            "usage_limit": 1000,
            "reset_period": "MONTH",
            "monthly_reset_period_configuration": {"according_to": "StartOfTheMonth"},
            "behavior": "Override",
            "order": 3,
        },
        {
            "id": "feature-region",
            "type": "FEATURE",
            "enum_values": ["us", "eu"],
            "display_name_override": "Regions",
            "description": "Where data lives",
            "order": 4,
        },
        {"id": "credits", "type": "CREDIT", "amount": 250.5, "cadence": "MONTH", "is_custom": True, "order": 5},
    )

    assert [without_times(body) for body in created] == [
        {**FEATURE_DEFAULTS, "id": "feature-sso", "hiddenFromWidgets": ["PAYWALL"], "order": 1},
        {**FEATURE_DEFAULTS, "id": "feature-seats", "usageLimit": 10, "hasSoftLimit": True, "order": 2},
        {
            **FEATURE_DEFAULTS,
            "id": "feature-api-calls",
            "behavior": "Override",
            "usageLimit": 1000,
            "resetPeriod": "MONTH",
            "resetPeriodConfiguration": {"accordingTo": "StartOfTheMonth"},
            "order": 3,
        },
        {
            **FEATURE_DEFAULTS,
            "id": "feature-region",
            "enumValues": ["us", "eu"],
            "displayNameOverride": "Regions",
            "description": "Where data lives",
            "order": 4,
        },
        {
            "id": "credits",
            "type": "CREDIT",
            "behavior": "Increment",
            "isGranted": True,
            "hiddenFromWidgets": [],
            "description": None,
            "displayNameOverride": None,
            "hasSoftLimit": False,
            "isCustom": True,
            "order": 5,
            "amount": 250.5,
            "cadence": "MONTH",
            "dependencyFeatureId": None,
        },
    ]
    listed = entitlements.list()
    assert [(item.id, item.type) for item in listed] == [
        ("feature-sso", "FEATURE"),
        ("feature-seats", "FEATURE"),
        ("feature-api-calls", "FEATURE"),
        ("feature-region", "FEATURE"),
        ("credits", "CREDIT"),
    ]
    assert listed[2].reset_period_configuration.according_to == "StartOfTheMonth"
    assert (listed[4].amount, listed[4].cadence) == (250.5, "MONTH")
    package = entitlements.packages.retrieve(entitlements.package_id).data
    assert [(item.id, item.type) for item in package.entitlements] == [(item.id, item.type) for item in listed]
    assert stored(kind) == [
        ("credits", "CREDIT", None, False, None, None),
        ("feature-api-calls", "FEATURE", 1000, False, "MONTH", "StartOfTheMonth"),
        ("feature-region", "FEATURE", None, False, None, None),
        ("feature-seats", "FEATURE", 10, False, None, None),
        ("feature-sso", "FEATURE", None, False, None, None),
    ]


def test_reset_period_without_configuration_anchors_on_subscription_start(entitlements: Entitlements) -> None:
    (created,) = entitlements.create(
        {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 5, "reset_period": "WEEK"}
    )

    assert (created.reset_period, created.reset_period_configuration.according_to) == ("WEEK", "SubscriptionStart")


def test_credit_entitlement_may_depend_on_a_number_feature(
    entitlements: Entitlements, kind: str, credits_currency: str
) -> None:
    (created,) = entitlements.create(
        {"id": "credits", "type": "CREDIT", "amount": 3, "cadence": "YEAR", "dependency_feature_id": "feature-seats"}
    )

    assert (created.type, created.amount, created.cadence, created.dependency_feature_id) == (
        "CREDIT",
        3,
        "YEAR",
        "feature-seats",
    )


def test_update_changes_only_what_is_sent(entitlements: Entitlements, kind: str, credits_currency: str) -> None:
    entitlements.create(
        {"id": "feature-seats", "type": "FEATURE", "usage_limit": 10, "description": "Seats"},
        {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 100, "reset_period": "MONTH"},
        {"id": "credits", "type": "CREDIT", "amount": 10, "cadence": "MONTH"},
    )

    seats = entitlements.update("feature-seats", type="FEATURE", usage_limit=20, has_soft_limit=True)
    api_calls = entitlements.update(
        "feature-api-calls",
        type="FEATURE",
        reset_period="WEEK",
        weekly_reset_period_configuration={"according_to": "EveryMonday"},
    )
    credits = entitlements.update("credits", type="CREDIT", amount=12.75, cadence="YEAR")

    assert (seats.id, seats.usage_limit, seats.has_soft_limit, seats.description) == (
        "feature-seats",
        20,
        True,
        "Seats",
    )
    assert (api_calls.usage_limit, api_calls.reset_period, api_calls.reset_period_configuration.according_to) == (
        100,
        "WEEK",
        "EveryMonday",
    )
    assert (credits.amount, credits.cadence) == (12.75, "YEAR")
    assert stored(kind) == [
        ("credits", "CREDIT", None, False, None, None),
        ("feature-api-calls", "FEATURE", 100, False, "WEEK", "EveryMonday"),
        ("feature-seats", "FEATURE", 20, False, None, None),
    ]


def test_update_to_unlimited_usage_clears_the_limit(entitlements: Entitlements, kind: str) -> None:
    entitlements.create({"id": "feature-seats", "type": "FEATURE", "usage_limit": 10})

    updated = entitlements.update("feature-seats", type="FEATURE", usage_limit=None, has_unlimited_usage=True)

    assert (updated.usage_limit, updated.has_unlimited_usage) == (None, True)
    assert stored(kind) == [("feature-seats", "FEATURE", None, True, None, None)]


def test_delete_removes_the_entitlement(entitlements: Entitlements, kind: str) -> None:
    entitlements.create(
        {"id": "feature-sso", "type": "FEATURE"}, {"id": "feature-seats", "type": "FEATURE", "usage_limit": 3}
    )

    deleted = entitlements.delete("feature-sso")

    assert (deleted.id, deleted.type) == ("feature-sso", "FEATURE")
    assert [item.id for item in entitlements.list()] == ["feature-seats"]
    assert stored(kind) == [("feature-seats", "FEATURE", 3, False, None, None)]


def test_delete_a_credit_entitlement_by_its_currency_id(
    entitlements: Entitlements, kind: str, credits_currency: str
) -> None:
    entitlements.create({"id": "credits", "type": "CREDIT", "amount": 10, "cadence": "MONTH"})

    deleted = entitlements.delete("credits")

    assert (deleted.id, deleted.type, deleted.amount) == ("credits", "CREDIT", 10)
    assert stored(kind) == []


def test_list_returns_every_entitlement_in_one_answer(entitlements: Entitlements, kind: str) -> None:
    now = timezone.now()
    for number in range(25):
        feature_create(ref_id=f"feature-flag-{number:02d}", display_name="Flag", feature_type="BOOLEAN", now=now)
    entitlements.create(*({"id": f"feature-flag-{number:02d}", "type": "FEATURE"} for number in range(25)))

    listed = entitlements.list()

    assert [item.id for item in listed] == [f"feature-flag-{number:02d}" for number in range(25)]


def test_entitlements_of_an_unknown_package_are_not_found(stigg_client: stigg.Stigg, catalog: Product) -> None:
    with pytest.raises(stigg.NotFoundError) as plan:
        stigg_client.v1.plans.entitlements.list("plan-missing")
    with pytest.raises(stigg.NotFoundError) as addon:
        stigg_client.v1.addons.entitlements.create(
            "addon-missing", entitlements=[{"id": "feature-sso", "type": "FEATURE"}]
        )

    assert (error_code(plan.value), error_code(addon.value)) == ("PLAN_NOT_FOUND", "ADDON_NOT_FOUND")
    assert PackageEntitlement.objects.count() == 0


# Bad input: refused, naming the field, and nothing is written


@pytest.mark.parametrize(
    ("item", "error_class", "code", "message"),
    [
        (
            {"id": "feature-sso", "type": "FEATURE", "usage_limit": 5},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].usageLimit: is not allowed for BOOLEAN feature feature-sso",
        ),
        (
            {"id": "feature-sso", "type": "FEATURE", "reset_period": "MONTH"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].resetPeriod: is not allowed for BOOLEAN feature feature-sso",
        ),
        (
            {"id": "feature-missing", "type": "FEATURE"},
            stigg.NotFoundError,
            "FEATURE_NOT_FOUND",
            "entitlements[1].id: Feature feature-missing not found",
        ),
        (
            {"id": "feature-seats", "type": "FEATURE", "usage_limit": 9},
            stigg.ConflictError,
            "DUPLICATE_ENTITLEMENT",
            "entitlements[1].id: feature-seats is already an entitlement of this version",
        ),
        (
            {"id": "feature-region", "type": "FEATURE", "enum_values": ["us", "mars"]},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].enumValues: unknown value(s) mars for feature feature-region",
        ),
        (
            {"id": "feature-region", "type": "FEATURE"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].enumValues: is required for ENUM feature feature-region",
        ),
        (
            {"id": "feature-region", "type": "FEATURE", "enum_values": ["us"], "usage_limit": 3},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].usageLimit: usage limits do not apply to ENUM feature feature-region",
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE", "enum_values": ["us"], "usage_limit": 3},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].enumValues: is allowed only for ENUM features",
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].usageLimit: is required for NUMBER feature feature-api-calls unless hasUnlimitedUsage is "
            "true",
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 3, "has_unlimited_usage": True},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].usageLimit: must be null when hasUnlimitedUsage is true",
        ),
        (
            {"id": "feature-seats-2", "type": "FEATURE", "usage_limit": 5, "reset_period": "MONTH"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].resetPeriod: applies only to INCREMENTAL metered features",
        ),
        (
            {
                "id": "feature-api-calls",
                "type": "FEATURE",
                "usage_limit": 5,
                "reset_period": "WEEK",
                "monthly_reset_period_configuration": {"according_to": "StartOfTheMonth"},
            },
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].monthlyResetPeriodConfiguration: applies only with resetPeriod MONTH",
        ),
        (
            {
                "id": "feature-api-calls",
                "type": "FEATURE",
                "usage_limit": 5,
                "reset_period": "MONTH",
                "monthly_reset_period_configuration": {"according_to": "EveryMonday"},
            },
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].monthlyResetPeriodConfiguration: accordingTo must be one of SubscriptionStart, "
            "StartOfTheMonth",
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": -1},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].usageLimit: must be 0 or more",
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 5, "behavior": "Sometimes"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            'entitlements[1].behavior: "Sometimes" is not a valid choice.',
        ),
        (
            {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 5, "reset_period": "DECADE"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            'entitlements[1].resetPeriod: "DECADE" is not a valid choice.',
        ),
        (
            {"id": "feature-sso", "type": "GRANT"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            'entitlements[1].type: "GRANT" is not a valid choice.',
        ),
        (
            {"id": "feature-sso", "type": "FEATURE", "hidden_from_widgets": ["EMAIL"]},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            'entitlements[1].hiddenFromWidgets[0]: "EMAIL" is not a valid choice.',
        ),
        (
            {"id": "currency-missing", "type": "CREDIT", "amount": 5, "cadence": "MONTH"},
            stigg.NotFoundError,
            "CUSTOM_CURRENCY_NOT_FOUND",
            "entitlements[1].id: Custom currency currency-missing not found",
        ),
        (
            {"id": "credits", "type": "CREDIT", "amount": -5, "cadence": "MONTH"},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].amount: must be greater than 0",
        ),
        (
            {"id": "credits", "type": "CREDIT", "amount": 5},
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].cadence: is required",
        ),
        (
            {
                "id": "credits",
                "type": "CREDIT",
                "amount": 5,
                "cadence": "MONTH",
                "dependency_feature_id": "feature-sso",
            },
            stigg.BadRequestError,
            "VALIDATION_ERROR",
            "entitlements[1].dependencyFeatureId: must be a NUMBER feature",
        ),
    ],
)
def test_bad_entitlement_is_refused_and_nothing_is_written(
    entitlements: Entitlements,
    kind: str,
    credits_currency: str,
    item: dict[str, Any],
    error_class: type[stigg.APIStatusError],
    code: str,
    message: str,
) -> None:
    feature_create(ref_id="feature-seats-2", display_name="Seats", feature_type="NUMBER", now=timezone.now())
    entitlements.create({"id": "feature-seats", "type": "FEATURE", "usage_limit": 1})
    before = stored(kind)

    with pytest.raises(error_class) as caught:
        # The first item is valid: a batch is written whole or not at all.
        entitlements.create({"id": "feature-seats-2", "type": "FEATURE", "usage_limit": 2}, item)

    assert error_code(caught.value) == code
    assert stored(kind) == before
    assert error_message(caught.value) == message


def test_the_same_feature_twice_in_one_request_is_a_conflict(entitlements: Entitlements, kind: str) -> None:
    with pytest.raises(stigg.ConflictError) as caught:
        entitlements.create({"id": "feature-sso", "type": "FEATURE"}, {"id": "feature-sso", "type": "FEATURE"})

    assert error_message(caught.value) == "entitlements[1].id: feature-sso is already an entitlement of this version"
    assert stored(kind) == []


def test_an_empty_batch_is_refused(entitlements: Entitlements, kind: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        entitlements.create()

    assert stored(kind) == []
    assert error_message(caught.value) == "entitlements: This list may not be empty."


def test_an_archived_feature_cannot_be_entitled(entitlements: Entitlements, kind: str) -> None:
    feature_archive(feature=feature_get("feature-sso"), now=timezone.now())

    with pytest.raises(stigg.BadRequestError) as caught:
        entitlements.create({"id": "feature-sso", "type": "FEATURE"})

    assert error_message(caught.value) == "entitlements[0].id: feature feature-sso is archived"
    assert stored(kind) == []


@pytest.mark.parametrize(
    ("entitlement_id", "changes", "error_class", "message"),
    [
        (
            "feature-sso",
            {"type": "FEATURE", "usage_limit": 4},
            stigg.BadRequestError,
            "usageLimit: is not allowed for BOOLEAN feature feature-sso",
        ),
        (
            "feature-seats",
            {"type": "FEATURE", "usage_limit": -4},
            stigg.BadRequestError,
            "usageLimit: must be 0 or more",
        ),
        (
            "feature-seats",
            {"type": "FEATURE", "reset_period": "MONTH"},
            stigg.BadRequestError,
            "resetPeriod: applies only to INCREMENTAL metered features",
        ),
        (
            "feature-region",
            {"type": "FEATURE", "enum_values": ["mars"]},
            stigg.BadRequestError,
            "enumValues: unknown value(s) mars for feature feature-region",
        ),
        (
            "feature-seats",
            {"type": "CREDIT", "amount": 4},
            stigg.BadRequestError,
            "type: is FEATURE for this entitlement",
        ),
        (
            "feature-seats",
            {"type": "FEATURE", "behavior": "Sometimes"},
            stigg.BadRequestError,
            'behavior: "Sometimes" is not a valid choice.',
        ),
        (
            "feature-api-calls",
            {"type": "FEATURE"},
            stigg.NotFoundError,
            "No entitlement feature-api-calls on {package_id}",
        ),
    ],
)
def test_bad_update_is_refused_and_nothing_is_written(
    entitlements: Entitlements,
    kind: str,
    entitlement_id: str,
    changes: dict[str, Any],
    error_class: type[stigg.APIStatusError],
    message: str,
) -> None:
    entitlements.create(
        {"id": "feature-sso", "type": "FEATURE"},
        {"id": "feature-seats", "type": "FEATURE", "usage_limit": 1},
        {"id": "feature-region", "type": "FEATURE", "enum_values": ["us"]},
    )
    before = stored(kind)
    before_times = list(PackageEntitlement.objects.order_by("pk").values_list("updated_at", "enum_values"))

    with pytest.raises(error_class) as caught:
        entitlements.update(entitlement_id, **changes)

    assert error_message(caught.value) == message.format(package_id=entitlements.package_id)
    assert stored(kind) == before
    assert list(PackageEntitlement.objects.order_by("pk").values_list("updated_at", "enum_values")) == before_times


def test_delete_of_an_unknown_entitlement_is_not_found(entitlements: Entitlements, kind: str) -> None:
    entitlements.create({"id": "feature-sso", "type": "FEATURE"})

    with pytest.raises(stigg.NotFoundError) as caught:
        entitlements.delete("feature-seats")

    assert error_code(caught.value) == "ENTITLEMENT_NOT_FOUND"
    assert stored(kind) == [("feature-sso", "FEATURE", None, False, None, None)]


def test_publish_activates_the_entitled_features(entitlements: Entitlements) -> None:
    entitlements.create({"id": "feature-sso", "type": "FEATURE"})

    entitlements.packages.publish(entitlements.package_id, migration_type="NEW_CUSTOMERS")

    assert feature_get("feature-sso").status == enums.FeatureStatus.ACTIVE
    assert feature_get("feature-seats").status == enums.FeatureStatus.NEW


def test_update_with_null_flags_resets_them_to_their_defaults(stigg_client: stigg.Stigg, catalog: Product) -> None:
    stigg_client.v1.plans.create(id="plan-basic", display_name="Basic", product_id="product-main")
    stigg_client.v1.plans.entitlements.create(
        "plan-basic",
        entitlements=[
            {
                "id": "feature-seats",
                "type": "FEATURE",
                "usage_limit": 3,
                "has_soft_limit": True,
                "is_custom": True,
                "is_granted": False,
                "behavior": "Override",
                "hidden_from_widgets": ["PAYWALL"],
            }
        ],
    )

    updated = stigg_client.v1.plans.entitlements.update(
        "feature-seats",
        plan_id="plan-basic",
        type="FEATURE",
        extra_body={
            "hasSoftLimit": None,
            "isCustom": None,
            "isGranted": None,
            "hiddenFromWidgets": None,
        },
    )

    assert (
        updated.data.has_soft_limit,
        updated.data.is_custom,
        updated.data.is_granted,
        updated.data.behavior,
        updated.data.hidden_from_widgets,
    ) == (False, False, True, "Override", [])


def test_entitlements_come_in_display_order_with_unordered_ones_last(entitlements: Entitlements) -> None:
    entitlements.create(
        {"id": "feature-sso", "type": "FEATURE"},
        {"id": "feature-seats", "type": "FEATURE", "usage_limit": 1, "order": 2},
        {"id": "feature-region", "type": "FEATURE", "enum_values": ["us"]},
        {"id": "feature-api-calls", "type": "FEATURE", "usage_limit": 1, "order": 1},
    )
    expected = ["feature-api-calls", "feature-seats", "feature-sso", "feature-region"]

    assert [item.id for item in entitlements.list()] == expected
    assert [item.id for item in entitlements.packages.retrieve(entitlements.package_id).data.entitlements] == expected


def test_a_usage_limit_beyond_the_column_is_refused(entitlements: Entitlements, kind: str) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        entitlements.create({"id": "feature-seats", "type": "FEATURE", "usage_limit": 2**63})

    assert stored(kind) == []
    assert error_message(caught.value) == (
        "entitlements[0].usageLimit: Ensure this value is less than or equal to 9223372036854775807."
    )


def test_a_usage_limit_update_beyond_the_column_is_refused(entitlements: Entitlements, kind: str) -> None:
    entitlements.create({"id": "feature-seats", "type": "FEATURE", "usage_limit": 1})

    with pytest.raises(stigg.BadRequestError) as caught:
        entitlements.update("feature-seats", type="FEATURE", usage_limit=2**63)

    assert error_message(caught.value) == "usageLimit: Ensure this value is less than or equal to 9223372036854775807."
    assert stored(kind) == [("feature-seats", "FEATURE", 1, False, None, None)]
