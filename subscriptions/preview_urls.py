"""The preview route (S6) under ``/api/v1/``. Included before the other subscription routes, so that
``subscriptions/preview`` is never taken for a subscription id."""

from django.urls import path

from subscriptions.apis.preview import SubscriptionPreviewView

urlpatterns = [
    path("subscriptions/preview", SubscriptionPreviewView.as_view()),
]
