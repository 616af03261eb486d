"""The catalog's object types as the SDK fragments select them: ``Plan``, ``Addon``, ``Product``, ``Price``,
entitlements, ``Feature``, ``CustomCurrency``, read through ``products`` and the paywall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.graphql.catalog_builders import build_catalog
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

Poster = Callable[..., tuple[int, dict[str, Any]]]


def test_python_sdk_gets_products_with_their_downgrade_plan(python_sdk: PythonSdk) -> None:
    build_catalog()
    result = python_sdk.run("result = client.get_products()")
    assert result == {
        "products": {
            "edges": [
                {
                    "node": {
                        "refId": "product-main",
                        "displayName": "Main",
                        "description": "The product",
                        "additionalMetaData": {"k": "v"},
                        "awsMarketplaceProductId": None,
                        "productSettings": {"downgradePlan": {"refId": "plan-free", "displayName": "Free"}},
                    }
                }
            ]
        }
    }


def test_node_sdk_gets_products(node_sdk: NodeSdk) -> None:
    build_catalog()
    assert node_sdk.run("return await stigg.getProducts()") == [
        {
            "id": "product-main",
            "displayName": "Main",
            "description": "The product",
            "metadata": {"k": "v"},
            "downgradePlan": {"id": "plan-free", "displayName": "Free"},
        }
    ]


def test_bad_paging_and_unsupported_coupon_filters_are_coded_errors_naming_the_field(graphql: Poster) -> None:
    _, products = graphql("{ products(paging: {first: 0}) { edges { node { refId } } } }")
    _, cursor = graphql('{ products(paging: {after: "nope"}) { edges { node { refId } } } }')
    _, coupons = graphql('{ coupons(filter: {name: {eq: "x"}}) { edges { node { refId } } } }')

    assert [(error["message"], error["extensions"]["code"]) for error in products["errors"]] == [
        ("paging.first: must be between 1 and 100", "VALIDATION_ERROR")
    ]
    assert [(error["message"], error["extensions"]["code"]) for error in cursor["errors"]] == [
        ("paging.after: is not a valid cursor", "VALIDATION_ERROR")
    ]
    assert [(error["message"], error["extensions"]["code"]) for error in coupons["errors"]] == [
        ("filter.name.eq: this comparison is not supported", "VALIDATION_ERROR")
    ]
