"""``Product`` and ``ProductSettings`` (resolved from ``Product`` rows), and ``products`` (GetProducts): the same
``product_list`` selector as REST v1's ``GET /api/v1/products``."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType, QueryType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql import loaders
from catalog.apis.graphql.values import bind_attributes
from catalog.models import PackageVersion, Product
from catalog.selectors import product_list
from config.graphql.paging import queryset_page

query = QueryType()
product = ObjectType("Product")
product_settings = ObjectType("ProductSettings")


@query.field("products")
def resolve_products(_: Any, info: GraphQLResolveInfo, paging: dict[str, Any] | None = None) -> dict[str, Any]:
    page = queryset_page(product_list(), paging)
    loaders.prime_products(info, page.items)
    return page.connection()


bind_attributes(product, {"refId": "ref_id", "displayName": "display_name"})
# ``description`` is the model's own attribute.


@product.field("additionalMetaData")
def resolve_metadata(parent: Product, _: Any) -> dict[str, Any]:
    return parent.metadata or {}


@product.field("awsMarketplaceProductId")
def resolve_aws_marketplace_product_id(*_: Any) -> None:
    return None


@product.field("productSettings")
def resolve_product_settings(parent: Product, _: Any) -> Product:
    return parent


def resolve_downgrade_plan(parent: Product, info: GraphQLResolveInfo) -> PackageVersion | None:
    return loaders.latest_version(info, parent.downgrade_plan_id)


product.set_field("downgradePlan", resolve_downgrade_plan)
product_settings.set_field("downgradePlan", resolve_downgrade_plan)

bindables = [query, product, product_settings]
