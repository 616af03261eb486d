"""Catalog errors with stable codes (mapped to HTTP by ``config.errors``)."""

from config.errors import Conflict, DuplicateId, IllegalStateChange, InvalidInput, NotFound


class ProductNotFound(NotFound):
    code = "PRODUCT_NOT_FOUND"


class FeatureNotFound(NotFound):
    code = "FEATURE_NOT_FOUND"


class PlanNotFound(NotFound):
    code = "PLAN_NOT_FOUND"


class AddonNotFound(NotFound):
    code = "ADDON_NOT_FOUND"


class EntitlementNotFound(NotFound):
    code = "ENTITLEMENT_NOT_FOUND"


class CouponNotFound(NotFound):
    code = "COUPON_NOT_FOUND"


class CustomCurrencyNotFound(NotFound):
    code = "CUSTOM_CURRENCY_NOT_FOUND"


class DuplicateCatalogId(DuplicateId):
    code = "DUPLICATE_ID"


class PublishedVersionImmutable(IllegalStateChange):
    code = "PUBLISHED_VERSION_IMMUTABLE"


class NoDraftVersion(IllegalStateChange):
    code = "NO_DRAFT_VERSION"


class PackageArchived(IllegalStateChange):
    code = "PACKAGE_ARCHIVED"


class CannotPublish(IllegalStateChange):
    code = "CANNOT_PUBLISH"


class InUse(Conflict):
    code = "IN_USE"


class InvalidCatalogInput(InvalidInput):
    code = "VALIDATION_ERROR"


class DuplicateEntitlement(Conflict):
    code = "DUPLICATE_ENTITLEMENT"
