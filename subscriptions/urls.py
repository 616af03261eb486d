"""Subscription routes under ``/api/v1/``: exact paths, no trailing slashes (contract §3.3, §4 I2).

The preview route (``subscriptions.preview_urls``) is included by ``config.urls`` ahead of these, so that
``subscriptions/preview`` is never taken for a subscription id.
"""

from django.urls import path

from subscriptions.apis import ownership, subscriptions, updates

urlpatterns = [
    path("subscriptions", subscriptions.SubscriptionsView.as_view()),
    path("subscriptions/<str:ref_id>", updates.SubscriptionDetailView.as_view()),
    path("subscriptions/<str:ref_id>/preview", updates.SubscriptionUpdatePreviewView.as_view()),
    path("subscriptions/<str:ref_id>/migrate", updates.SubscriptionMigrateView.as_view()),
    path("subscriptions/<str:ref_id>/future-update/schedule", updates.SubscriptionScheduledUpdatesCancelView.as_view()),
    path(
        "subscriptions/<str:ref_id>/future-update/pending-payment",
        updates.SubscriptionPendingPaymentUpdatesCancelView.as_view(),
    ),
    path("subscriptions/<str:ref_id>/delegate", ownership.SubscriptionDelegateView.as_view()),
    path("subscriptions/<str:ref_id>/transfer", ownership.SubscriptionTransferView.as_view()),
    path("subscriptions/<str:ref_id>/cancel", subscriptions.SubscriptionCancelView.as_view()),
    path("subscriptions/<str:ref_id>/invoice/paid", subscriptions.SubscriptionInvoicePaidView.as_view()),
]
