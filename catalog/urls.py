"""Catalog routes under ``/api/v1/``: exact paths, no trailing slashes (contract §3.5 to §3.10)."""

from django.urls import path

from catalog.apis import coupons, currencies, features, packages, paywall, products

addon = packages.addon_view

urlpatterns = [
    path("products", products.ProductsView.as_view()),
    path("products/<str:ref_id>", products.ProductView.as_view()),
    path("products/<str:ref_id>/archive", products.ProductArchiveView.as_view()),
    path("products/<str:ref_id>/unarchive", products.ProductUnarchiveView.as_view()),
    path("products/<str:ref_id>/duplicate", products.ProductDuplicateView.as_view()),
    path("features", features.FeaturesView.as_view()),
    path("features/<str:ref_id>", features.FeatureView.as_view()),
    path("features/<str:ref_id>/archive", features.FeatureArchiveView.as_view()),
    path("features/<str:ref_id>/unarchive", features.FeatureUnarchiveView.as_view()),
    path("plans", packages.PackagesView.as_view()),
    path("plans/<str:ref_id>", packages.PackageView.as_view()),
    path("plans/<str:ref_id>/archive", packages.PackageArchiveView.as_view()),
    path("plans/<str:ref_id>/draft", packages.PackageDraftView.as_view()),
    path("plans/<str:ref_id>/publish", packages.PackagePublishView.as_view()),
    path("plans/<str:ref_id>/charges", packages.PackageChargesView.as_view()),
    path("plans/<str:ref_id>/overage-charges", packages.PlanOverageChargesView.as_view()),
    path("plans/<str:ref_id>/entitlements", packages.PackageEntitlementsView.as_view()),
    path("plans/<str:ref_id>/entitlements/<str:entitlement_id>", packages.PackageEntitlementView.as_view()),
    path("addons", addon(packages.PackagesView).as_view()),
    path("addons/<str:ref_id>", addon(packages.PackageView).as_view()),
    path("addons/<str:ref_id>/archive", addon(packages.PackageArchiveView).as_view()),
    path("addons/<str:ref_id>/draft", addon(packages.PackageDraftView).as_view()),
    path("addons/<str:ref_id>/publish", addon(packages.PackagePublishView).as_view()),
    path("addons/<str:ref_id>/charges", addon(packages.PackageChargesView).as_view()),
    path("addons/<str:ref_id>/entitlements", addon(packages.PackageEntitlementsView).as_view()),
    path("addons/<str:ref_id>/entitlements/<str:entitlement_id>", addon(packages.PackageEntitlementView).as_view()),
    path("coupons", coupons.CouponsView.as_view()),
    path("coupons/<str:ref_id>", coupons.CouponView.as_view()),
    path("coupons/<str:ref_id>/archive", coupons.CouponArchiveView.as_view()),
    path("credits/custom-currencies", currencies.CustomCurrenciesView.as_view()),
    path("credits/custom-currencies/<str:ref_id>", currencies.CustomCurrencyView.as_view()),
    path("credits/custom-currencies/<str:ref_id>/archive", currencies.CustomCurrencyArchiveView.as_view()),
    path("credits/custom-currencies/<str:ref_id>/unarchive", currencies.CustomCurrencyUnarchiveView.as_view()),
    path(
        "credits/custom-currencies/<str:ref_id>/associated-entities",
        currencies.CustomCurrencyAssociatedEntitiesView.as_view(),
    ),
    path("paywall", paywall.PaywallView.as_view()),
]
