"""U1 ``POST /api/v1/usage`` and V2 ``POST /api/v2/usage`` (contract §3.4, §4): report usage in bulk.

Both take the same ``usages`` items and call ``usage_report``; they differ only in the response shape.

Bodies are read by ``lean_reports``, plain Python that takes only what ``UsageReportInput`` takes unchanged; any
other body (every invalid one included) goes through the serializer, so errors are DRF's, with the same field
paths (``usages[3].value``). ``Serializer(many=True)`` alone would halve the throughput of large batches.
"""

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.apis.fields import Choice
from config.views import ApiView
from config.wire import envelope, iso, number
from metering.enums import UpdateBehavior
from metering.measurements import Measured
from metering.models import NEVER_RESETS, USAGE_DECIMAL_PLACES
from metering.services import NO_DIMENSIONS, UsageReport, usage_report

S = serializers
TEXT_MAX_LENGTH = 255
MAX_ITEMS = 1000
# Contract §3.4: whole numbers up to ±(2^53 - 1), fractional ones below 2^35 in absolute value.
WHOLE_MAX = Decimal(2**53 - 1)
FRACTIONAL_LIMIT = Decimal(2**35)
STEP = Decimal(1).scaleb(-USAGE_DECIMAL_PLACES)


def usage_value(data: Any) -> Decimal | str:
    """The value rounded to 5 places, or the failure's key (``invalid``, ``range``)."""
    if isinstance(data, bool) or not isinstance(data, int | float | Decimal):
        return "invalid"
    try:
        value = Decimal(str(data)) if isinstance(data, float) else Decimal(data)
    except InvalidOperation:
        return "invalid"
    if not value.is_finite():
        return "invalid"
    is_whole = value == value.to_integral_value()
    if abs(value) > WHOLE_MAX or (not is_whole and abs(value) >= FRACTIONAL_LIMIT):
        return "range"
    return value.quantize(STEP, rounding=ROUND_HALF_UP)


@extend_schema_field(OpenApiTypes.NUMBER)
class UsageValue(S.Field):
    """A JSON number (never a string or a boolean), rounded half away from zero to 5 decimal places."""

    default_error_messages = {
        "invalid": "must be a number",
        "range": "is out of range (whole numbers up to 2^53 - 1, fractional ones below 2^35)",
    }

    def to_internal_value(self, data: Any) -> Decimal:
        value = usage_value(data)
        if isinstance(value, str):
            self.fail(value)
        return value

    def to_representation(self, value: Any) -> Any:
        return number(value)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]})
class DimensionValue(S.Field):
    """A dimension: a string, a number or a boolean (contract ``dims``)."""

    default_error_messages = {"invalid": "must be a string, a number or a boolean"}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str | int | float | Decimal):  # bool is an int
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class UsageInput(S.Serializer):
    customerId = S.CharField(source="customer_ref_id", max_length=TEXT_MAX_LENGTH)
    featureId = S.CharField(source="feature_ref_id", max_length=TEXT_MAX_LENGTH)
    value = UsageValue()
    createdAt = S.DateTimeField(source="created_at", required=False, allow_null=True)
    dimensions = S.DictField(child=DimensionValue(), required=False, allow_null=True)
    idempotencyKey = S.CharField(source="idempotency_key", required=False, allow_null=True, max_length=TEXT_MAX_LENGTH)
    resourceId = S.CharField(
        source="resource_ref_id", required=False, allow_null=True, allow_blank=True, max_length=TEXT_MAX_LENGTH
    )
    updateBehavior = Choice(UpdateBehavior, source="update_behavior", required=False, allow_null=True)


class UsageReportInput(S.Serializer):
    usages = S.ListField(child=UsageInput(), min_length=1, max_length=MAX_ITEMS)


_CREATED_AT = S.DateTimeField()
_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX_LENGTH)]


class _LeanItem(msgspec.Struct):
    """The shape of an item ``UsageInput`` takes unchanged (unknown keys are ignored, as the serializer does); the
    rules a type cannot say are checked by ``_lean_item``."""

    customerId: _Text
    featureId: _Text
    value: Any
    idempotencyKey: _Text | None = None
    resourceId: Annotated[str, msgspec.Meta(max_length=TEXT_MAX_LENGTH)] | None = None
    updateBehavior: Literal["DELTA", "SET"] | None = None
    createdAt: str | None = None
    dimensions: dict[str, Any] | None = None


class _LeanBody(msgspec.Struct):
    usages: Annotated[list[_LeanItem], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]


# Any whitespace: ``\s`` matches exactly the characters ``str.isspace`` (and so ``str.strip``) takes.
_WHITESPACE = re.compile(r"\s")


def _texts_kept(items: list[_LeanItem]) -> bool:
    """Whether ``CharField`` keeps every text of the items unchanged: no NUL in any (it refuses them) and no
    surrounding whitespace (it trims, ``str.strip``). Most batches hold no whitespace at all, which one scan of
    their texts together tells; the others are checked text by text."""
    fields = ((item.customerId, item.featureId, item.idempotencyKey, item.resourceId) for item in items)
    texts = [text for item_texts in fields for text in item_texts if text]
    joined = "".join(texts)
    if "\x00" in joined:
        return False
    return _WHITESPACE.search(joined) is None or all(text == text.strip() for text in texts)


def _lean_item(item: _LeanItem, values: dict[int, Decimal | str]) -> UsageReport | None:
    data = item.value
    if type(data) is int:  # not a bool; whole numbers repeat across a batch: rounded once
        value = values.get(data)
        if value is None:
            value = values[data] = usage_value(data)
    else:
        value = usage_value(data)
    if isinstance(value, str):
        return None
    dimensions = item.dimensions
    if dimensions and not all(isinstance(dimension, str | int | float | Decimal) for dimension in dimensions.values()):
        return None
    created_at: datetime | None = None
    if item.createdAt is not None:
        try:
            created_at = _CREATED_AT.to_internal_value(item.createdAt)
        except S.ValidationError:
            return None
    return UsageReport(
        item.customerId,
        item.featureId,
        value,
        item.updateBehavior or UpdateBehavior.DELTA,
        item.resourceId or None,
        item.idempotencyKey,
        created_at,
        dimensions or NO_DIMENSIONS,
    )


def lean_reports(data: Any) -> list[UsageReport] | None:
    """The reports of a body ``UsageReportInput`` would take unchanged, read without the serializer: its shape by
    ``msgspec`` (in C), the rest in plain Python; ``None`` for any other body (the serializer then reads it, and
    names what is wrong)."""
    try:
        body = msgspec.convert(data, _LeanBody)
    except msgspec.ValidationError:
        return None
    items = body.usages
    if not _texts_kept(items):
        return None
    values: dict[int, Decimal | str] = {}
    reports = []
    for item in items:
        report = _lean_item(item, values)
        if report is None:
            return None
        reports.append(report)
    return reports


def _reports(body: dict[str, Any]) -> list[UsageReport]:
    return [
        UsageReport(
            customer_ref_id=item["customer_ref_id"],
            feature_ref_id=item["feature_ref_id"],
            value=item["value"],
            update_behavior=item.get("update_behavior") or UpdateBehavior.DELTA,
            resource_ref_id=item.get("resource_ref_id") or None,
            idempotency_key=item.get("idempotency_key"),
            created_at=item.get("created_at"),
            dimensions=item.get("dimensions") or NO_DIMENSIONS,
        )
        for item in body["usages"]
    ]


def usage_reports(data: Any) -> list[UsageReport]:
    """The reports of a U1/V2 body (``{"usages": [...]}``, also as GraphQL's ``reportUsage`` inputs build it): read
    lean when ``UsageReportInput`` would take it unchanged, else validated by that serializer, whose
    ``ValidationError`` names the field (``usages[3].value``)."""
    reports = lean_reports(data)
    if reports is not None:
        return reports
    serializer = UsageReportInput(data=data)
    serializer.is_valid(raise_exception=True)
    return _reports(serializer.validated_data)


def measurements_to_wire(measurements: list[Measured]) -> list[dict[str, Any]]:
    """UsageMeasurements (contract §2.6); the period fields are null for usage that never resets. A batch's items
    share a few moments (now, their windows) and values: each is turned into its wire form once."""
    times: dict[datetime | None, str | None] = {}
    values: dict[Decimal, int | Decimal | None] = {}

    def text(moment: datetime | None) -> str | None:
        if moment not in times:
            times[moment] = iso(moment)
        return times[moment]

    wire = []
    for (
        ref_id,
        customer_ref_id,
        feature_ref_id,
        resource_key,
        value,
        usage,
        timestamp,
        created_at,
        start,
        end,
    ) in measurements:
        shown = values.get(value)
        if shown is None:
            shown = values[value] = number(value)
        end_text = text(end)
        wire.append(
            {
                "id": ref_id,
                "createdAt": text(created_at),
                "timestamp": text(timestamp),
                "customerId": customer_ref_id,
                "featureId": feature_ref_id,
                "resourceId": resource_key or None,
                "value": shown,
                "currentUsage": number(usage),
                "usagePeriodStart": None if start == NEVER_RESETS else text(start),
                "usagePeriodEnd": end_text,
                "nextResetDate": end_text,
                "credit": None,
            }
        )
    return wire


class _UsageView(ApiView):
    request_serializers = {"post": UsageReportInput}


class UsageReportView(_UsageView):
    """U1: ``{data: [UsageMeasurement]}``."""

    def post(self, request: Request) -> Response:
        measurements = usage_report(items=usage_reports(request.data), now=timezone.now())
        return envelope(measurements_to_wire(measurements))


class UsageReportV2View(_UsageView):
    """V2: ``{data: {usages: [V2Usage], credits: []}}`` (no credit consumption yet)."""

    def post(self, request: Request) -> Response:
        measurements = usage_report(items=usage_reports(request.data), now=timezone.now())
        return envelope({"usages": measurements_to_wire(measurements), "credits": []})
