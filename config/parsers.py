"""JSON parsing that tolerates what the Stigg client sends and rejects what it never would."""

import json
from decimal import Decimal
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LenientJSONParser(JSONParser):
    """Action POSTs arrive with ``Content-Type: application/json`` and an empty body: treat that as ``{}``.

    Malformed JSON and a top-level value that is not an object are refused with a clear message. Fractional
    numbers are parsed as ``Decimal`` from their text: money never passes through float.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw or not raw.strip():
            return {}
        try:
            data = json.loads(raw.decode((parser_context or {}).get("encoding") or "utf-8"), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"Malformed JSON body: {error}") from error
        if not isinstance(data, dict):
            raise ParseError("The JSON body must be an object")
        return data
