"""CN1 and CN2 (contract §3.10): consume credits now, or accept a batch for consumption after the response."""

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView
from config.wire import envelope
from credits.apis.inputs import ConsumptionBatchInput, ConsumptionInput, consumption_request_of
from credits.apis.wire import consumption_to_wire
from credits.services.consumption import credits_consume, credits_consume_async


class ConsumptionView(ApiView):
    request_serializers = {"post": ConsumptionInput}

    def post(self, request: Request) -> Response:
        result = credits_consume(request=consumption_request_of(self.body(request)), now=timezone.now())
        return envelope(consumption_to_wire(result.consumption))


class ConsumptionAsyncView(ApiView):
    """Every item is validated now (a bad one is a 400 and nothing is queued); the consumption runs in a task."""

    request_serializers = {"post": ConsumptionBatchInput}

    def post(self, request: Request) -> Response:
        credits_consume_async(requests=[consumption_request_of(item) for item in self.body(request)["consumptions"]])
        return envelope({})
