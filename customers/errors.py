"""Customer errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import Conflict, DomainError, DuplicateId, InvalidInput, NotFound


class CustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"


class DuplicateCustomerId(DuplicateId):
    """Provisioning an id that an active customer holds, with details that differ from what it has."""

    code = "DUPLICATE_ID"


class CustomerIdArchived(Conflict):
    """The id belongs to an archived customer: ids are never reused (unarchive the customer instead)."""

    code = "CUSTOMER_ID_ARCHIVED"


class CouponNotActive(InvalidInput):
    code = "COUPON_NOT_ACTIVE"


class InvalidCustomerInput(InvalidInput):
    code = "VALIDATION_ERROR"


# Refusals of what needs a billing integration this server does not have, with Stigg's own codes.


class UnsupportedCustomerField(DomainError):
    """A field that asks for an integration this server does not have."""

    code = "IntegrationNotFound"
    status = 422


class BillingIntegrationMissing(DomainError):
    code = "BillingIntegrationMissing"
    status = 422


class CheckoutIsNotSupported(DomainError):
    code = "CheckoutIsNotSupported"
    status = 422
