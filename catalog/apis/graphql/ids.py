"""The ``id`` Stigg's schema gives catalog objects: a UUID. Ours are integer keys, so each object gets a stable
UUID derived from its kind and key (the SDKs identify objects by ``refId``; ``id`` only has to be stable and unique).
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("5b0c8a52-7c1e-4d2f-9a57-3f0e1c7d2b10")


def object_id(kind: str, pk: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{pk}"))
