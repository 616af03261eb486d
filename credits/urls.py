"""Credit routes (contract §3.10), no trailing slashes. Custom currencies are the catalog's (``catalog.urls``)."""

from django.urls import path

from credits.apis import consumption, grants, ledger, recharge

urlpatterns = [
    path("credits/grants", grants.GrantsView.as_view(), name="credit-grants"),
    path("credits/grants/<str:ref_id>/void", grants.GrantVoidView.as_view(), name="credit-grant-void"),
    path("credits/ledger", ledger.LedgerView.as_view(), name="credit-ledger"),
    path("credits/usage", ledger.CreditUsageView.as_view(), name="credit-usage"),
    path("credits/consumption", consumption.ConsumptionView.as_view(), name="credit-consumption"),
    path("credits/consumption/async", consumption.ConsumptionAsyncView.as_view(), name="credit-consumption-async"),
    path("credits/auto-recharge", recharge.AutoRechargeView.as_view(), name="credit-auto-recharge"),
]
