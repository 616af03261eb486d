"""Entitlement errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import InvalidInput, NotFound


class PromotionalEntitlementNotFound(NotFound):
    code = "PROMOTIONAL_ENTITLEMENT_NOT_FOUND"


class InvalidPromotionInput(InvalidInput):
    code = "VALIDATION_ERROR"


class InvalidCheckInput(InvalidInput):
    code = "VALIDATION_ERROR"


class FeatureGroupNotFound(NotFound):
    """Promotions by feature group: this server has no feature groups, so no group id names one (Stigg's code)."""

    code = "FeatureGroupNotFoundError"
