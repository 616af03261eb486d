"""JSON output that writes ``Decimal`` as an exact JSON number, never through float and never as a string.

``msgspec`` writes a ``Decimal`` as its ``str()`` digits, which is exact and, for every finite decimal written in
positional notation (all those ``config.wire.number`` gives), the same text as ``format(value, "f")``. Output that
may hold anything else (an exponent such as ``1E+3`` or ``0E-5``, or a ``NaN``/``Infinity`` text) is rendered again
by the plain walker below, which writes every decimal positionally and refuses non-finite ones: the bytes are the
same either way. Everything else encodes as usual (UTF-8, compact).
"""

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec
from rest_framework.renderers import JSONRenderer

_MARK = "\x00"
_MARKED_NUMBER = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')
# What ``str(Decimal)`` writes that ``format(Decimal, "f")`` does not: an exponent, or a non-finite value.
_EXPONENT = re.compile(rb"[0-9]E[+-]")
_NON_FINITE = (b"NaN", b"Infinity")


def _string(value: Any) -> str:
    """Subclasses of ``str`` (DRF's ``ErrorDetail``) as plain strings; anything else unknown is refused."""
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


_ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=_string)


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


def _walked(data: Any) -> bytes:
    """The slow, plain rendering: decimals marked, encoded by the standard library, marks removed."""
    text = json.dumps(_mark_decimals(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_string)
    return _MARKED_NUMBER.sub(lambda match: match.group(1), text).encode()


def encode(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON, every ``Decimal`` as its exact positional digits."""
    try:
        output = _ENCODER.encode(data)
    except ValueError:  # msgspec 0.23 and later refuse a non-finite decimal themselves; the walker names it
        return _walked(data)
    suspicious = any(text in output for text in _NON_FINITE) or (
        (b"E+" in output or b"E-" in output) and _EXPONENT.search(output) is not None
    )
    return _walked(data) if suspicious else output


def dumps(data: Any) -> str:
    return encode(data).decode()


class ExactJSONRenderer(JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        return encode(data)
