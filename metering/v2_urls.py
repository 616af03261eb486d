"""Metering routes under ``/api/v2/`` (contract §4 V2)."""

from django.urls import path

from metering.apis import usage

urlpatterns = [
    path("usage", usage.UsageReportV2View.as_view()),
]
