"""JSON output that writes ``Decimal`` as an exact JSON number, never through float and never as a string.

The standard encoder cannot emit raw number text, so decimals travel as marked strings and the marks are
removed after encoding. Everything else encodes as usual (UTF-8, compact). No input string can forge a mark:
DRF's CharField refuses NUL characters.
"""

import json
import re
from decimal import Decimal
from typing import Any

from rest_framework.renderers import JSONRenderer

_MARK = "\x00"
_MARKED_NUMBER = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


def _mark_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot render {value} as a JSON number")
        return f"{_MARK}{value:f}{_MARK}"
    if isinstance(value, dict):
        return {key: _mark_decimals(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_decimals(item) for item in value]
    return value


def dumps(data: Any) -> str:
    text = json.dumps(_mark_decimals(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _MARKED_NUMBER.sub(lambda match: match.group(1), text)


class ExactJSONRenderer(JSONRenderer):
    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        if data is None:
            return b""
        return dumps(data).encode("utf-8")
