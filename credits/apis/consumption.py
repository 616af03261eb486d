"""CN1 and CN2 (contract §3.10): consume credits now, or accept a batch for consumption after the response."""

from django.db import transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView
from config.wire import envelope
from credits import tasks
from credits.apis.inputs import ConsumptionBatchInput, ConsumptionInput
from credits.apis.wire import consumption_to_wire
from credits.services.consumption import ConsumptionRequest, credits_consume, credits_validate_batch


def _request(item: dict) -> ConsumptionRequest:
    return ConsumptionRequest(
        customer_ref_id=item["customer_ref_id"],
        currency_ref_id=item["currency_ref_id"],
        amount=item["amount"],
        idempotency_key=item["idempotency_key"],
        resource_ref_id=item.get("resource_ref_id") or None,
        created_at=item.get("created_at"),
        dimensions=item.get("dimensions") or {},
    )


class ConsumptionView(ApiView):
    request_serializers = {"post": ConsumptionInput}

    def post(self, request: Request) -> Response:
        result = credits_consume(request=_request(self.body(request)), now=timezone.now())
        return envelope(consumption_to_wire(result.consumption))


class ConsumptionAsyncView(ApiView):
    """Every item is validated now (a bad one is a 400 and nothing is queued); the consumption runs in a task."""

    request_serializers = {"post": ConsumptionBatchInput}

    def post(self, request: Request) -> Response:
        items = [_request(item) for item in self.body(request)["consumptions"]]
        credits_validate_batch(requests=items)
        payload = [
            {
                "customer_ref_id": item.customer_ref_id,
                "currency_ref_id": item.currency_ref_id,
                "amount": str(item.amount),
                "idempotency_key": item.idempotency_key,
                "resource_ref_id": item.resource_ref_id,
                "created_at": item.created_at.isoformat() if item.created_at else None,
                "dimensions": {key: str(value) for key, value in item.dimensions.items()},
            }
            for item in items
        ]
        transaction.on_commit(lambda: tasks.consume_batch.delay(payload))
        return envelope({})
