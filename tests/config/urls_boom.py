"""Test-only URLconf: the project's URLs plus a view that fails unexpectedly."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns


class BoomView(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")


urlpatterns = [path("api/v1/boom", BoomView.as_view()), *project_urlpatterns]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
