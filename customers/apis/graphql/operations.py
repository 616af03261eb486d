"""Customer operations: get, import (one and bulk), update, archive, unarchive, detach the payment method.

Each calls the service or selector REST v1's customer views call; an unknown customer is ``CUSTOMER_NOT_FOUND``.
"""

from __future__ import annotations

from typing import Any

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo
from rest_framework.exceptions import ValidationError

from config.errors import DomainError
from customers import services
from customers.apis.graphql.inputs import customer_changes, customer_import_arguments, customer_ref_id
from customers.models import Customer
from customers.selectors import customer_get

query = QueryType()
mutation = MutationType()


@query.field("getCustomerByRefId")
def resolve_get_customer_by_ref_id(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    return customer_get(input["customerId"], field="customerId")


@mutation.field("importOneCustomer")
def resolve_import_one_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    return services.customer_provision(**customer_import_arguments(input), now=info.context.now)


@mutation.field("importCustomersBulk")
def resolve_import_customers_bulk(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> None:
    """All or nothing; Stigg answers the id of an import task, ours runs at once, so there is none to give."""
    customers = []
    for index, customer in enumerate(input["customers"]):
        try:
            customers.append(customer_import_arguments(customer))
        except ValidationError as error:
            raise ValidationError({"customers": {index: error.detail}}) from error
        except DomainError as error:
            raise type(error)(error.message, field=f"customers[{index}]") from error
    services.customers_import(customers=customers, now=info.context.now)
    return None


@mutation.field("updateOneCustomer")
def resolve_update_one_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    customer = customer_get(customer_ref_id(input), field="customerId")
    return services.customer_update(customer=customer, changes=customer_changes(input), now=info.context.now)


@mutation.field("archiveCustomer")
def resolve_archive_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    # Archived customers are found here so that a repeated archive answers like the first one (as REST).
    customer = customer_get(input["customerId"], include_archived=True, field="customerId")
    return services.customer_archive(customer=customer, now=info.context.now)


@mutation.field("unarchiveCustomer")
def resolve_unarchive_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    customer = customer_get(input["customerId"], include_archived=True, field="customerId")
    return services.customer_unarchive(customer=customer, now=info.context.now)


@mutation.field("detachCustomerPaymentMethod")
def resolve_detach_customer_payment_method(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Customer:
    customer = customer_get(input["customerId"], field="customerId")
    return services.customer_payment_method_detach(customer=customer, now=info.context.now)


bindables: list[object] = [query, mutation]
