import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api_keys import api_key_create
from config.errors import InvalidInput
from config.models import ApiKey
from config.pagination import cursor_page, decode_cursor, encode_cursor, parse_limit


def request_with(**params: object) -> Request:
    return Request(APIRequestFactory().get("/api/v1/anything", params))


@pytest.fixture
def keys(db: None) -> list[ApiKey]:
    now = timezone.now()
    return [api_key_create(name=f"key {number}", now=now)[0] for number in range(5)]


def test_cursor_is_opaque_base64_of_the_primary_key_and_round_trips() -> None:
    assert encode_cursor(42) == "cGs6NDI"
    assert decode_cursor("cGs6NDI", field="after") == 42
    assert decode_cursor(encode_cursor(123456789), field="after") == 123456789


@pytest.mark.parametrize("cursor", ["!!!", "bm9wZQ", "cGs6", "cGs6YWJj", "\u00e9"])
def test_invalid_cursor_is_invalid_input_naming_the_parameter(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor, field="before")

    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.field == "before"
    assert caught.value.message == "before: is not a valid cursor"


def test_first_page(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(ApiKey.objects.all(), request_with(limit=2))

    assert items == keys[0:2]
    assert next_cursor == encode_cursor(keys[1].pk)
    assert prev_cursor is None


def test_after_page(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(
        ApiKey.objects.all(), request_with(limit=2, after=encode_cursor(keys[1].pk))
    )

    assert items == keys[2:4]
    assert next_cursor == encode_cursor(keys[3].pk)
    assert prev_cursor == encode_cursor(keys[2].pk)


def test_last_page_has_no_next_cursor(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(
        ApiKey.objects.all(), request_with(limit=2, after=encode_cursor(keys[3].pk))
    )

    assert items == keys[4:5]
    assert next_cursor is None
    assert prev_cursor == encode_cursor(keys[4].pk)


def test_page_that_fits_exactly_has_no_next_cursor(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(ApiKey.objects.all(), request_with(limit=5))

    assert items == keys
    assert next_cursor is None
    assert prev_cursor is None


def test_after_the_last_item_is_an_empty_page(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(ApiKey.objects.all(), request_with(after=encode_cursor(keys[4].pk)))

    assert items == []
    assert next_cursor is None
    assert prev_cursor is None


def test_before_page_in_the_middle(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(
        ApiKey.objects.all(), request_with(limit=2, before=encode_cursor(keys[4].pk))
    )

    assert items == keys[2:4]
    assert next_cursor == encode_cursor(keys[3].pk)
    assert prev_cursor == encode_cursor(keys[2].pk)


def test_before_page_reaching_the_start_has_no_prev_cursor(keys: list[ApiKey]) -> None:
    items, next_cursor, prev_cursor = cursor_page(
        ApiKey.objects.all(), request_with(limit=2, before=encode_cursor(keys[2].pk))
    )

    assert items == keys[0:2]
    assert next_cursor == encode_cursor(keys[1].pk)
    assert prev_cursor is None


def test_pages_respect_the_queryset_filter(keys: list[ApiKey]) -> None:
    items, next_cursor, _ = cursor_page(ApiKey.objects.exclude(pk=keys[1].pk), request_with(limit=2))

    assert items == [keys[0], keys[2]]
    assert next_cursor == encode_cursor(keys[2].pk)


@pytest.mark.django_db
def test_invalid_after_cursor_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        cursor_page(ApiKey.objects.all(), request_with(after="not-a-cursor"))

    assert caught.value.field == "after"


def test_limit_defaults_to_20() -> None:
    assert parse_limit(request_with()) == 20
    assert parse_limit(request_with(limit="")) == 20


@pytest.mark.django_db
def test_default_page_holds_20_items() -> None:
    now = timezone.now()
    keys = [api_key_create(name=f"key {number}", now=now)[0] for number in range(21)]

    items, next_cursor, _ = cursor_page(ApiKey.objects.all(), request_with())

    assert items == keys[:20]
    assert next_cursor == encode_cursor(keys[19].pk)


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_inclusive(limit: int) -> None:
    assert parse_limit(request_with(limit=limit)) == limit


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "limit: must be between 1 and 100"),
        ("101", "limit: must be between 1 and 100"),
        ("-1", "limit: must be between 1 and 100"),
        ("abc", "limit: must be an integer"),
        ("2.5", "limit: must be an integer"),
    ],
)
def test_limit_out_of_bounds_is_invalid_input(limit: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_limit(request_with(limit=limit))

    assert caught.value.field == "limit"
    assert caught.value.message == message
