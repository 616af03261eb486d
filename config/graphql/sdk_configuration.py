"""``sdkConfiguration``: what the SDKs load at start-up. We run no Sentry for them and show no widget watermark."""

from __future__ import annotations

from typing import Any

from ariadne import QueryType

query = QueryType()


@query.field("sdkConfiguration")
def resolve_sdk_configuration(*_: Any) -> dict[str, Any]:
    return {"sentryDsn": None, "isWidgetWatermarkEnabled": False, "showWatermark": False}


bindables = [query]
