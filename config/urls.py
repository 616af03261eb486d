"""Project URLs. API paths have no trailing slash and never redirect (contract §1.1)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.graphql import edge
from config.graphql.view import graphql_view

urlpatterns = [
    # First: entitlement checks are the hottest route, and Django tries the patterns in order. No other pattern
    # matches an entitlement path, so the order changes nothing else.
    path("api/v1/", include("entitlements.urls")),
    path("graphql", graphql_view, name="graphql"),
    # The SDKs' edge reads (enableEdge), answered by the same GraphQL executor.
    path("v1/c/<str:customer_id>/entitlements.json", edge.entitlements),
    path("v1/c/<str:customer_id>/entitlements-state.json", edge.entitlements_state),
    path("v1/c/<str:customer_id>/subscriptions.json", edge.active_subscriptions),
    path("v1/paywall.json", edge.paywall),
    path("v1/p/<str:product_id>/paywall.json", edge.paywall),
    path("v1/config/server-sdk-configuration.json", edge.sdk_configuration),
    path("admin/", admin.site.urls),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("subscriptions.preview_urls")),
    path("api/v1/", include("catalog.urls")),
    path("api/v1/", include("customers.urls")),
    path("api/v1/", include("subscriptions.urls")),
    path("api/v1/", include("metering.urls")),
    path("api/v1/", include("credits.urls")),
    path("api/v2/", include("metering.v2_urls")),
]

handler400 = "config.errors.json_bad_request"
handler404 = "config.errors.json_not_found"
handler500 = "config.errors.json_server_error"
