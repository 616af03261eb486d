"""Credit errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import Conflict, IllegalStateChange, InvalidInput, NotFound


class InvalidCreditInput(InvalidInput):
    code = "VALIDATION_ERROR"


class CreditCustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"


class CreditResourceNotFound(NotFound):
    code = "CUSTOMER_RESOURCE_NOT_FOUND"


class CreditGrantNotFound(NotFound):
    code = "CREDIT_GRANT_NOT_FOUND"


class InsufficientCredits(Conflict):
    """A consumption larger than the available balance of a hard-limited wallet: nothing was consumed."""

    code = "INSUFFICIENT_CREDITS"
    status = 422


class GrantNotVoidable(IllegalStateChange):
    code = "GRANT_NOT_VOIDABLE"


class IdempotencyKeyReused(Conflict):
    """The key was used for a different consumption (another currency, resource or amount)."""

    code = "IDEMPOTENCY_KEY_REUSED"


class CreditInvoiceNotOpen(IllegalStateChange):
    code = "INVOICE_NOT_OPEN"


class RechargeNotPending(IllegalStateChange):
    code = "RECHARGE_NOT_PENDING"
