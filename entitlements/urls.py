"""Entitlement routes under ``/api/v1/``: exact paths, no trailing slashes (contract §3.1 C8, C9, §3.2)."""

from django.urls import path

from entitlements.apis import checks, promotions

urlpatterns = [
    path("customers/<str:ref_id>/entitlements", checks.CustomerEntitlementsView.as_view()),
    path("customers/<str:ref_id>/entitlements/check", checks.CustomerEntitlementCheckView.as_view()),
    path("customers/<str:ref_id>/promotional-entitlements", promotions.PromotionalEntitlementsView.as_view()),
    path(
        "customers/<str:ref_id>/promotional-entitlements/<str:feature_ref_id>",
        promotions.PromotionalEntitlementView.as_view(),
    ),
]
