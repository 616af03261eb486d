"""Subscription admin actions that move a subscription: delegate it to another customer (S10) and transfer it to
another resource of its customer (S11). Each asks for its target in a small form, then calls the API's service
for every selected subscription; refusals (a taken slot, an ended subscription, an unknown customer) are shown."""

from datetime import datetime

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from config.admin_actions import action_form_page
from subscriptions.models import Subscription
from subscriptions.services.ownership import subscription_delegate, subscription_transfer


class DelegateForm(forms.Form):
    target_customer_id = forms.CharField(
        max_length=255,
        help_text="The customer who will use the subscriptions; the customer who pays for them keeps paying.",
    )


class TransferForm(forms.Form):
    destination_resource_id = forms.CharField(
        max_length=255, help_text="The customer's resource the subscriptions move to (created on first use)."
    )


def _actor(request: HttpRequest) -> str:
    return f"admin:{request.user.get_username()}"


@admin.action(description="Delegate selected subscriptions to another customer", permissions=["cancel"])
def delegate(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Subscription]
) -> HttpResponse | None:
    form = DelegateForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return action_form_page(
            model_admin,
            request,
            queryset,
            action="delegate",
            title="Delegate subscriptions",
            intro="Another customer uses each subscription; the customer who pays for it keeps paying.",
            form=form,
            submit="Delegate",
        )
    target = form.cleaned_data["target_customer_id"]
    actor = _actor(request)

    def run(subscription: Subscription, now: datetime) -> str:
        delegated = subscription_delegate(
            subscription_id=subscription.pk, target_customer_ref_id=target, now=now, actor=actor
        )
        return delegated.ref_id

    model_admin.run_service(request, queryset, run, done=f"Delegated to {target}")  # type: ignore[attr-defined]
    return None


@admin.action(description="Transfer selected subscriptions to another resource", permissions=["cancel"])
def transfer(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Subscription]
) -> HttpResponse | None:
    form = TransferForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return action_form_page(
            model_admin,
            request,
            queryset,
            action="transfer",
            title="Transfer subscriptions",
            intro="Each subscription moves to another resource of its customer.",
            form=form,
            submit="Transfer",
        )
    destination = form.cleaned_data["destination_resource_id"]
    actor = _actor(request)

    def run(subscription: Subscription, now: datetime) -> str:
        transferred = subscription_transfer(
            subscription_id=subscription.pk, destination_resource_ref_id=destination, now=now, actor=actor
        )
        return transferred.ref_id

    model_admin.run_service(request, queryset, run, done=f"Transferred to {destination}")  # type: ignore[attr-defined]
    return None
