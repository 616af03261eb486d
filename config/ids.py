"""External ids (the ``id`` the client chooses) are URL path segments, so ``/`` and spaces are refused."""

import re

from config.errors import InvalidInput

EXTERNAL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,254}$")
EXTERNAL_ID_RULE = "1 to 255 characters: letters, digits and _ . : @ -, starting with a letter or digit"


def validate_external_id(value: str, *, field: str = "id") -> str:
    if not isinstance(value, str) or not EXTERNAL_ID_PATTERN.match(value):
        raise InvalidInput(f"must be {EXTERNAL_ID_RULE}", field=field)
    return value
