"""S10 delegate and S11 transfer (contract §3.3): who uses a subscription, and for which resource."""

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView
from config.wire import envelope
from subscriptions.apis.subscriptions import API_ACTOR
from subscriptions.apis.wire import subscriptions_to_wire
from subscriptions.selectors import subscription_get
from subscriptions.services import ownership


class SubscriptionDelegateInput(serializers.Serializer):
    targetCustomerId = serializers.CharField()


class SubscriptionTransferInput(serializers.Serializer):
    destinationResourceId = serializers.CharField()


class SubscriptionDelegateView(ApiView):
    request_serializers = {"post": SubscriptionDelegateInput}

    def post(self, request: Request, ref_id: str) -> Response:
        body = self.body(request)
        subscription = subscription_get(ref_id)
        ownership.subscription_delegate(
            subscription_id=subscription.pk,
            target_customer_ref_id=body["targetCustomerId"],
            now=timezone.now(),
            actor=API_ACTOR,
        )
        return envelope(subscriptions_to_wire([subscription_get(ref_id)])[0])


class SubscriptionTransferView(ApiView):
    request_serializers = {"post": SubscriptionTransferInput}

    def post(self, request: Request, ref_id: str) -> Response:
        body = self.body(request)
        subscription = subscription_get(ref_id)
        ownership.subscription_transfer(
            subscription_id=subscription.pk,
            destination_resource_ref_id=body["destinationResourceId"],
            now=timezone.now(),
            actor=API_ACTOR,
        )
        return envelope(subscriptions_to_wire([subscription_get(ref_id)])[0])
