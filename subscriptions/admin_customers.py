"""The subscriptions app's section of the customer page: what the customer has (read-only, with status badges), its
credit balance and the ledger behind it (read-only), and the "Provision a subscription" and "Adjust credit balance"
actions.

Dependencies point ``customers`` <- ``subscriptions``, so the customers app's page cannot know about
subscriptions: ``subscriptions.admin`` registers ``CUSTOMER_PAGE`` with ``customers.admin.customer_page_register``.
Provisioning calls ``subscriptions.services.provisioning.subscription_provision``, the API's service.
"""

import uuid
from datetime import datetime

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from catalog.enums import BillingPeriod, PackageKind
from catalog.models import Package
from catalog.money import Currency
from config.admin_actions import action_form_page
from customers.admin import CustomerAdmin, CustomerPageAction, CustomerPageSection
from customers.models import Customer
from subscriptions.admin_widgets import HistoryInline, badge
from subscriptions.models import CustomerBalance, CustomerBalanceTransaction, Subscription
from subscriptions.services.balance import customer_balance_adjust
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision


class CustomerSubscriptionInline(HistoryInline):
    model = Subscription
    fk_name = "customer"
    fields = ["ref_id", "plan", "plan_version", "status_badge", "billing_period", "current_period_end", "created_at"]
    ordering = ["-created_at", "-pk"]
    show_change_link = True
    verbose_name = "subscription"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return super().get_queryset(request).select_related("plan", "plan_version__package")

    @admin.display(description="status")
    def status_badge(self, subscription: Subscription) -> str:
        return badge(subscription.status)


class CustomerBalanceInline(HistoryInline):
    """The credit balance per currency: what the customer's next invoices use first."""

    model = CustomerBalance
    fields = ["currency", "amount", "updated_at"]
    ordering = ["currency"]
    verbose_name = "credit balance"


class CustomerBalanceTransactionInline(HistoryInline):
    model = CustomerBalanceTransaction
    fields = ["created_at", "kind", "amount", "currency", "balance_after", "subscription", "invoice", "description"]
    ordering = ["-pk"]
    verbose_name = "credit balance transaction"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomerBalanceTransaction]:
        return super().get_queryset(request).select_related("subscription", "invoice")


class BalanceAdjustmentForm(forms.Form):
    currency = forms.ChoiceField(choices=Currency.choices, initial="usd")
    amount = forms.DecimalField(
        max_digits=18, decimal_places=2, help_text="Positive credits the customer, negative takes credit away."
    )
    reason = forms.CharField(max_length=500)
    # Generated with the form: submitting the same form twice adjusts once.
    token = forms.CharField(widget=forms.HiddenInput)


class ProvisionForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Package.objects.filter(kind=PackageKind.PLAN, archived_at__isnull=True, versions__is_latest=True)
        .select_related("product")
        .order_by("product__ref_id", "ref_id"),
        to_field_name="ref_id",
        help_text="A published plan; the subscription gets its latest version.",
    )
    billing_period = forms.ChoiceField(
        choices=[("", "---------"), *BillingPeriod.choices],
        required=False,
        help_text="Required for a paid plan.",
    )
    quantity = forms.IntegerField(min_value=1, required=False, help_text="Units, for a plan priced per unit.")


@admin.action(description="Adjust the credit balance of selected customers")
def adjust_balance(
    model_admin: CustomerAdmin, request: HttpRequest, queryset: QuerySet[Customer]
) -> HttpResponse | None:
    form = BalanceAdjustmentForm(request.POST if "apply" in request.POST else None, initial={"token": uuid.uuid4().hex})
    if not form.is_valid():
        return action_form_page(
            model_admin,
            request,
            queryset,
            action="adjust_balance",
            title="Adjust the credit balance",
            intro="Each customer below gets this amount added to (or taken from) its credit balance, which its "
            "next invoices use first. The change is recorded in the balance's ledger with the reason.",
            form=form,
            submit="Adjust",
        )
    data = form.cleaned_data
    actor = f"admin:{request.user.get_username()}"

    def adjust(customer: Customer, now: datetime) -> str:
        customer_balance_adjust(
            customer_id=customer.pk,
            currency=data["currency"],
            amount=data["amount"],
            reason=data["reason"],
            actor=actor,
            now=now,
            request_key=f"{data['token']}:{customer.pk}",
        )
        return customer.ref_id

    model_admin.run_service(request, queryset, adjust, done="Adjusted the balance of")
    return None


@admin.action(description="Provision a subscription for selected customers")
def provision_subscription(
    model_admin: CustomerAdmin, request: HttpRequest, queryset: QuerySet[Customer]
) -> HttpResponse | None:
    form = ProvisionForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return action_form_page(
            model_admin,
            request,
            queryset,
            action="provision_subscription",
            title="Provision a subscription",
            intro="Each customer below is subscribed to the plan, by the same rules as the API's provisioning "
            "(it may replace a subscription they have to the same product).",
            form=form,
            submit="Provision",
        )
    plan: Package = form.cleaned_data["plan"]
    billing_period = form.cleaned_data["billing_period"] or None
    quantity = form.cleaned_data["quantity"]
    actor = f"admin:{request.user.get_username()}"

    def provision(customer: Customer, now: datetime) -> str:
        provision_request = ProvisionRequest(
            customer_ref_id=customer.ref_id,
            plan_ref_id=plan.ref_id,
            billing_period=billing_period,
            unit_quantity=quantity,
        )
        result = subscription_provision(request=provision_request, now=now, actor=actor)
        return f"{result.subscription.ref_id} for {customer.ref_id}"

    model_admin.run_service(request, queryset, provision, done="Provisioned")
    return None


CUSTOMER_PAGE = CustomerPageSection(
    inlines=[CustomerSubscriptionInline, CustomerBalanceInline, CustomerBalanceTransactionInline],
    actions=[
        CustomerPageAction(provision_subscription, permission="subscriptions.add_subscription"),
        CustomerPageAction(adjust_balance, permission="subscriptions.add_customerbalancetransaction"),
    ],
)
