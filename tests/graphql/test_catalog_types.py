"""The catalog's object types as the SDK fragments select them: ``Plan``, ``Addon``, ``Product``, ``Price``,
entitlements, ``Feature``, ``CustomCurrency``, read through ``products`` and the paywall."""

from __future__ import annotations

import pytest

from tests.graphql.test_catalog_builders import build_catalog
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


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
