"""AR1 (contract §3.10) and, beyond the contract, the PUT that saves the settings (the seeds'
``saveAutomaticRechargeConfiguration``): same fields, and the answer adds ``currentMonthlySpend``."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView
from config.wire import envelope
from credits.apis.common import CUSTOMER_PARAMETER, REQUIRED_CURRENCY_PARAMETER, currency_param, customer_param
from credits.apis.inputs import AutoRechargeInput, auto_recharge_input_of
from credits.apis.wire import auto_recharge_to_wire
from credits.selectors import auto_recharge_get
from credits.services import recharge
from credits.wallets import ZERO


class AutoRechargeView(ApiView):
    request_serializers = {"put": AutoRechargeInput}

    @extend_schema(parameters=[CUSTOMER_PARAMETER, REQUIRED_CURRENCY_PARAMETER])
    def get(self, request: Request) -> Response:
        customer = customer_param(request)
        currency = currency_param(request, required=True)
        settings = auto_recharge_get(customer=customer, currency=currency)
        spend = recharge.auto_recharge_monthly_spend(settings, now=timezone.now()) if settings else ZERO
        return envelope(
            auto_recharge_to_wire(
                settings, customer_ref_id=customer.ref_id, currency_ref_id=currency.ref_id, monthly_spend=spend
            )
        )

    def put(self, request: Request) -> Response:
        now = timezone.now()
        settings = recharge.auto_recharge_save(data=auto_recharge_input_of(self.body(request)), now=now)
        spend = recharge.auto_recharge_monthly_spend(settings, now=now)
        return envelope(
            auto_recharge_to_wire(
                settings,
                customer_ref_id=settings.customer.ref_id,
                currency_ref_id=settings.currency.ref_id,
                monthly_spend=spend,
            )
        )
