"""What every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpRequest

from config.graphql.loaders import Loaders
from config.models import ApiKey


@dataclass
class RequestContext:
    request: HttpRequest
    api_key: ApiKey
    now: datetime  # read once at the edge, passed into services as ``now``
    loaders: Loaders = field(default_factory=Loaders)
