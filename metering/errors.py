"""Metering errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import DomainError, InvalidInput, NotFound


class UsageCustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"


class UsageFeatureNotFound(NotFound):
    code = "FEATURE_NOT_FOUND"


class UsageResourceNotFound(NotFound):
    code = "CUSTOMER_RESOURCE_NOT_FOUND"


class CustomerArchived(InvalidInput):
    code = "CUSTOMER_ARCHIVED"


class FeatureNotMetered(InvalidInput):
    """Usage can only be reported for a metered NUMBER feature."""

    code = "FEATURE_NOT_METERED"


class HistoryRangeInvalid(InvalidInput):
    code = "INVALID_DATE_RANGE"


class HistoryRangeTooLong(InvalidInput):
    code = "DATE_RANGE_TOO_LONG"


class UsageMomentOutOfRange(InvalidInput):
    """A usage or event time whose usage window would leave what a datetime holds (years 1 to 9999)."""


class UsageValueInvalid(InvalidInput):
    """A value the update behavior cannot take (a negative SET)."""


class MeteringUnsupported(DomainError):
    """What Stigg's API offers and our metering cannot do (several groupBy dimensions, reset periods other than the
    entitlement's, credit cost estimates): Stigg's own error code for an unsupported request, never a fake answer."""

    code = "UnsupportedParameter"
