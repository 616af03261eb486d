"""The JSON parser and renderer every API view uses: decimals exact both ways, never through float; what is not a
JSON object refused; the fast encoder writes the same bytes as the plain walker it falls back to."""

import io
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ErrorDetail, ParseError
from rest_framework.test import APIClient

from catalog.models import Feature
from config.parsers import LenientJSONParser
from config.renderers import ExactJSONRenderer, _walked, dumps, encode


def parse(raw: bytes, encoding: str | None = None) -> Any:
    return LenientJSONParser().parse(io.BytesIO(raw), parser_context={"encoding": encoding} if encoding else {})


@pytest.mark.parametrize("raw", [b"", b"  \n", b"{}"])
def test_an_empty_body_is_an_empty_object(raw: bytes) -> None:
    assert parse(raw) == {}


def test_fractional_numbers_are_exact_decimals_and_whole_ones_ints() -> None:
    data = parse(b'{"a": 0.1, "b": 1.10, "c": 1E2, "d": 123456789012345678901234567890, "e": -0, "f": [2.5e-7]}')

    assert data == {
        "a": Decimal("0.1"),
        "b": Decimal("1.10"),
        "c": Decimal("1E+2"),
        "d": 123456789012345678901234567890,
        "e": 0,
        "f": [Decimal("2.5E-7")],
    }
    assert str(data["b"]) == "1.10"
    assert type(data["d"]) is int


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": NaN}', "Malformed JSON body: "),
        (b'{"a": Infinity}', "Malformed JSON body: "),
        (b'{"a": -Infinity}', "Malformed JSON body: "),
        (b'{"a": 1,', "Malformed JSON body: "),
        (b'{"a": "\xff"}', "Malformed JSON body: "),
        (b"[1, 2]", "The JSON body must be an object"),
        (b'"text"', "The JSON body must be an object"),
        (b"3", "The JSON body must be an object"),
        (b"null", "The JSON body must be an object"),
    ],
)
def test_non_finite_numbers_malformed_bodies_and_non_objects_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse(raw)

    assert str(raised.value.detail).startswith(message)


def test_a_declared_charset_is_honoured() -> None:
    assert parse('{"name": "café"}'.encode("latin-1"), encoding="latin-1") == {"name": "café"}


def test_a_non_finite_literal_in_a_request_is_a_400_that_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/features", data='{"id": "seats", "displayName": NaN}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Malformed JSON body: ")
    assert Feature.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.50"), b"1.50"),
        (Decimal("-0.00001"), b"-0.00001"),
        (Decimal("1E+3"), b"1000"),
        (Decimal("0E-5"), b"0.00000"),
        (Decimal("1.5E-7"), b"0.00000015"),
        (Decimal("-0"), b"-0"),
        (Decimal("123456789012345678901234567890.12345"), b"123456789012345678901234567890.12345"),
    ],
)
def test_decimals_are_written_as_their_exact_positional_digits(value: Decimal, text: bytes) -> None:
    assert encode({"value": value}) == b'{"value":' + text + b"}"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
def test_non_finite_decimals_are_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="cannot render"):
        encode({"data": [value]})


def test_text_that_looks_like_an_exponent_or_nan_stays_text() -> None:
    data = {"name": "NaN 1E+3 Infinity", "value": Decimal("2.5")}

    assert encode(data) == b'{"name":"NaN 1E+3 Infinity","value":2.5}'


def test_the_renderer_writes_compact_utf8_and_nothing_for_none() -> None:
    renderer = ExactJSONRenderer()
    data = {"data": {"name": "café", "items": [1, True, None, Decimal("0.5")], "detail": ErrorDetail("bad", "x")}}

    assert renderer.render(data) == '{"data":{"name":"café","items":[1,true,null,0.5],"detail":"bad"}}'.encode()
    assert renderer.render(None) == b""
    assert dumps({"a": Decimal("1.0")}) == '{"a":1.0}'


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None)
# No NUL (the walker marks decimals with it; DRF's CharField refuses it) and no lone surrogate (not UTF-8 at all).
texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
leaves = st.one_of(st.none(), st.booleans(), st.integers(), texts, decimals)
documents = st.recursive(
    leaves,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)),
    max_leaves=20,
)


@given(documents)
def test_the_fast_encoder_writes_the_bytes_of_the_plain_walker(document: Any) -> None:
    assert encode({"data": document}) == _walked({"data": document})
