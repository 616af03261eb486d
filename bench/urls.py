"""The project's URLs plus ``GET /bench/bare``: the machine's ceiling for the load benchmarks.

The bare view is a DRF view answering a constant, through the same stack as every API view (middleware, API-key
authentication with its one query, the exact JSON renderer), so a figure divided by it measures the endpoint's
own work.
"""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response

from config.views import ApiView


class BareView(ApiView):
    def get(self, request: Request) -> Response:
        return Response({"data": {"ok": True}})


urlpatterns = [path("bench/bare", BareView.as_view()), path("", include("config.urls"))]
