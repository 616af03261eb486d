"""Subscription admin actions that move a subscription: delegate it to another customer (S10) and transfer it to
another resource of its customer (S11). Each asks for its target in a small form, then calls the API's service
for every selected subscription; refusals (a taken slot, an ended subscription, an unknown customer) are shown."""

from collections.abc import Callable
from datetime import datetime

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from config.admin_actions import action_form_page, run_service
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


def _move(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Subscription],
    *,
    form_class: type[forms.Form],
    action: str,
    title: str,
    intro: str,
    move: Callable[[Subscription, str, datetime, str], Subscription],
    done: str,
) -> HttpResponse | None:
    """Ask for the target (the form's one field), then ``move`` each selected subscription to it."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return action_form_page(
            model_admin, request, queryset, action=action, title=title, intro=intro, form=form, submit=action.title()
        )
    (target,) = form.cleaned_data.values()
    actor = f"admin:{request.user.get_username()}"

    def run(subscription: Subscription, now: datetime) -> str:
        return move(subscription, target, now, actor).ref_id

    run_service(model_admin, request, queryset, run, done=f"{done} {target}")
    return None


@admin.action(description="Delegate selected subscriptions to another customer", permissions=["cancel"])
def delegate(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Subscription]
) -> HttpResponse | None:
    return _move(
        model_admin,
        request,
        queryset,
        form_class=DelegateForm,
        action="delegate",
        title="Delegate subscriptions",
        intro="Another customer uses each subscription; the customer who pays for it keeps paying.",
        move=lambda subscription, target, now, actor: subscription_delegate(
            subscription_id=subscription.pk, target_customer_ref_id=target, now=now, actor=actor
        ),
        done="Delegated to",
    )


@admin.action(description="Transfer selected subscriptions to another resource", permissions=["cancel"])
def transfer(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Subscription]
) -> HttpResponse | None:
    return _move(
        model_admin,
        request,
        queryset,
        form_class=TransferForm,
        action="transfer",
        title="Transfer subscriptions",
        intro="Each subscription moves to another resource of its customer.",
        move=lambda subscription, target, now, actor: subscription_transfer(
            subscription_id=subscription.pk, destination_resource_ref_id=target, now=now, actor=actor
        ),
        done="Transferred to",
    )
