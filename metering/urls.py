"""Metering routes under ``/api/v1/``: exact paths, no trailing slashes (contract §3.4 U1, U2, E1)."""

from django.urls import path

from metering.apis import events, history, usage

urlpatterns = [
    path("usage", usage.UsageReportView.as_view()),
    path("events", events.EventsReportView.as_view()),
    path("usage/<str:customer_id>/history/<str:feature_id>", history.UsageHistoryView.as_view()),
]
