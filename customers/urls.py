"""Customer routes under ``/api/v1/``: exact paths, no trailing slashes (contract §3.1)."""

from django.urls import path

from customers.apis import customers

urlpatterns = [
    path("customers", customers.CustomersView.as_view()),
    path("customers/<str:ref_id>", customers.CustomerView.as_view()),
    path("customers/<str:ref_id>/archive", customers.CustomerArchiveView.as_view()),
    path("customers/<str:ref_id>/unarchive", customers.CustomerUnarchiveView.as_view()),
    path("customers/<str:ref_id>/resources", customers.CustomerResourcesView.as_view()),
]
