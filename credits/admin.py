"""The credits operator console: wallets with their ledger (read-only), grants with grant and void actions,
invoices of paid grants, auto-recharge settings, and recharge attempts with a "needs attention" filter.

Nothing here writes credits directly: granting, voiding, marking an invoice paid and saving auto-recharge
settings call the same services as the API; ledger entries, balances and attempts are history and cannot be
edited or deleted.
"""

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from catalog.admin_base import HistoryAdmin, ServiceAdmin
from catalog.models import CustomCurrency
from config.admin_actions import NoWrites, action_form_page
from credits import selectors
from credits.enums import GrantType, RechargeStatus, ThresholdType
from credits.models import (
    AutoRechargeSettings,
    CreditBalance,
    CreditGrant,
    CreditInvoice,
    LedgerEntry,
    RechargeAttempt,
)
from credits.services.grants import GrantRequest, credit_grant_create, credit_grant_void, credit_invoice_mark_paid
from credits.services.recharge import (
    AutoRechargeInput,
    auto_recharge_monthly_spend,
    auto_recharge_save,
    recharge_attempt_resolve,
)
from customers.models import Customer

# An attempt still pending after this long lost its charge's outcome (a crash, a provider timeout).
STUCK_AFTER = timedelta(minutes=15)
STATUS_COLORS = {
    "ACTIVE": "#2e7d32",
    "SCHEDULED": "#1565c0",
    "PAYMENT_PENDING": "#ef6c00",
    "EXPIRED": "#616161",
    "VOIDED": "#c62828",
    "PENDING": "#ef6c00",
    "SUCCEEDED": "#2e7d32",
    "FAILED": "#c62828",
    "SKIPPED": "#616161",
    "OPEN": "#ef6c00",
    "PAID": "#2e7d32",
    "CANCELED": "#616161",
}


def badge(status: str) -> str:
    return format_html(
        '<span class="credit-badge" style="background:{};color:#fff;padding:2px 8px;border-radius:10px;'
        'font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
        STATUS_COLORS.get(status, "#455a64"),
        status,
    )


class ReadOnlyInline(NoWrites, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fields = readonly_fields = ("timestamp", "event_type", "amount", "grant", "consumption", "created_at")
    ordering = ["pk"]


class GrantInline(ReadOnlyInline):
    model = CreditGrant
    fields = readonly_fields = (
        "ref_id",
        "grant_type",
        "display_name",
        "amount",
        "consumed_amount",
        "closed_amount",
        "priority",
        "effective_at",
        "expire_at",
        "voided_at",
    )
    ordering = ["pk"]


class GrantCreditsForm(forms.Form):
    amount = forms.DecimalField(min_value=0, max_digits=30, decimal_places=6)
    grant_type = forms.ChoiceField(choices=[(GrantType.PROMOTIONAL, "Promotional"), (GrantType.PAID, "Paid")])
    display_name = forms.CharField(max_length=255, initial="Credits from support")
    priority = forms.IntegerField(initial=50, help_text="0-100; lower is consumed first.")
    expire_at = forms.DateTimeField(required=False, help_text="UTC; empty: never.")
    cost = forms.DecimalField(required=False, min_value=0, max_digits=20, decimal_places=6, help_text="In usd.")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(CreditBalance)
class WalletAdmin(HistoryAdmin, ServiceAdmin):
    """A customer's balances per currency (and resource); the change page lists its grants and its ledger."""

    list_display = ["customer", "currency", "resource_key", "balance", "has_hard_limit", "updated_at"]
    list_filter = ["currency"]
    list_select_related = ["customer", "currency"]
    search_fields = ["customer__ref_id", "currency__ref_id"]
    ordering = ["customer__ref_id", "currency__ref_id", "resource_key"]
    fields = readonly_fields = ("customer", "currency", "resource_key", "balance", "ledger_sum", "updated_at")
    inlines = [GrantInline, LedgerInline]
    actions = ["grant_credits"]

    def has_grant_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("credits.add_creditgrant")

    @admin.display(description="ledger sum")
    def ledger_sum(self, balance: CreditBalance) -> str:
        return str(selectors.ledger_sum(balance))

    @admin.action(description="Grant credits to the selected wallets", permissions=["grant"])
    def grant_credits(self, request: HttpRequest, queryset: QuerySet[CreditBalance]) -> HttpResponse | None:
        form = GrantCreditsForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_form_page(
                self,
                request,
                queryset,
                action="grant_credits",
                title="Grant credits",
                intro="Each selected wallet receives this grant, effective now.",
                form=form,
                submit="Grant",
            )
        data = form.cleaned_data
        actor = f"admin:{request.user.get_username()}"

        def grant(balance: CreditBalance, now: datetime) -> str:
            created = credit_grant_create(
                request=GrantRequest(
                    customer_ref_id=balance.customer.ref_id,
                    currency_ref_id=balance.currency.ref_id,
                    amount=data["amount"],
                    display_name=data["display_name"],
                    grant_type=data["grant_type"],
                    priority=data["priority"],
                    expire_at=data["expire_at"],
                    cost_amount=data["cost"],
                    comment=data["comment"] or None,
                    resource_ref_id=balance.resource_key or None,
                    created_by=actor,
                ),
                now=now,
            )
            return f"{balance.customer.ref_id} ({created.ref_id})"

        self.run_service(request, queryset.select_related("customer", "currency"), grant, done="Granted")
        return None


@admin.register(CreditGrant)
class CreditGrantAdmin(HistoryAdmin, ServiceAdmin):
    list_display = [
        "ref_id",
        "customer",
        "currency",
        "grant_type",
        "status_badge",
        "amount",
        "consumed_amount",
        "priority",
        "effective_at",
        "expire_at",
        "created_by",
    ]
    list_filter = ["grant_type", "balance__currency"]
    list_select_related = ["balance__customer", "balance__currency"]
    search_fields = ["balance__customer__ref_id", "display_name"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    actions = ["void_grants"]
    readonly_fields = (
        "ref_id",
        "balance",
        "grant_type",
        "source_type",
        "status_badge",
        "display_name",
        "comment",
        "metadata",
        "amount",
        "consumed_amount",
        "closed_amount",
        "priority",
        "effective_at",
        "expire_at",
        "activated_at",
        "expired_at",
        "voided_at",
        "cost_amount",
        "cost_currency",
        "payment_collection",
        "idempotency_key",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = [LedgerInline]

    def has_void_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("credits.change_creditgrant")

    @admin.display(description="customer", ordering="balance__customer__ref_id")
    def customer(self, grant: CreditGrant) -> str:
        return grant.balance.customer.ref_id

    @admin.display(description="currency", ordering="balance__currency__ref_id")
    def currency(self, grant: CreditGrant) -> str:
        return grant.balance.currency.ref_id

    @admin.display(description="status")
    def status_badge(self, grant: CreditGrant) -> str:
        return badge(selectors.grant_status(grant, now=timezone.now()))

    @admin.action(description="Void what is left of the selected grants", permissions=["void"])
    def void_grants(self, request: HttpRequest, queryset: QuerySet[CreditGrant]) -> None:
        def void(grant: CreditGrant, now: datetime) -> str:
            credit_grant_void(grant=grant, now=now)
            return str(grant.ref_id)

        self.run_service(
            request, queryset.select_related("balance__customer", "balance__currency"), void, done="Voided"
        )


class LedgerEntryAdmin(HistoryAdmin):
    list_display = ["timestamp", "customer", "currency", "event_type", "amount", "grant", "created_at"]
    list_filter = ["event_type", "balance__currency"]
    list_select_related = ["balance__customer", "balance__currency", "grant"]
    search_fields = ["balance__customer__ref_id"]
    ordering = ["-pk"]

    @admin.display(description="customer")
    def customer(self, entry: LedgerEntry) -> str:
        return entry.balance.customer.ref_id

    @admin.display(description="currency")
    def currency(self, entry: LedgerEntry) -> str:
        return entry.balance.currency.ref_id


admin.site.register(LedgerEntry, LedgerEntryAdmin)


@admin.register(CreditInvoice)
class CreditInvoiceAdmin(HistoryAdmin, ServiceAdmin):
    list_display = ["ref_id", "customer", "status_badge", "total", "currency", "grant", "created_at", "paid_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["customer", "grant"]
    search_fields = ["customer__ref_id", "provider_reference"]
    ordering = ["-created_at", "-pk"]
    actions = ["mark_paid"]
    fields = readonly_fields = (
        "ref_id",
        "customer",
        "grant",
        "status",
        "total",
        "currency",
        "idempotency_key",
        "provider_reference",
        "collection_error",
        "created_at",
        "updated_at",
        "paid_at",
    )

    def has_mark_paid_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("credits.change_creditinvoice")

    @admin.display(description="status", ordering="status")
    def status_badge(self, invoice: CreditInvoice) -> str:
        return badge(invoice.status)

    @admin.action(description="Mark the selected invoices paid", permissions=["mark_paid"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[CreditInvoice]) -> None:
        def pay(invoice: CreditInvoice, now: datetime) -> str:
            credit_invoice_mark_paid(invoice=invoice, now=now)
            return str(invoice.ref_id)

        self.run_service(request, queryset.select_related("grant__balance__customer"), pay, done="Marked paid")


class AutoRechargeSettingsForm(forms.ModelForm):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(archived_at__isnull=True), to_field_name="ref_id"
    )
    currency = forms.ModelChoiceField(
        queryset=CustomCurrency.objects.filter(archived_at__isnull=True), to_field_name="ref_id"
    )

    class Meta:
        model = AutoRechargeSettings
        fields = [
            "customer",
            "currency",
            "is_enabled",
            "threshold_type",
            "threshold_value",
            "target_balance",
            "max_spend_limit",
            "grant_expiration_period",
        ]


@admin.register(AutoRechargeSettings)
class AutoRechargeSettingsAdmin(ServiceAdmin):
    form = AutoRechargeSettingsForm
    list_display = [
        "customer",
        "currency",
        "is_enabled",
        "threshold_type",
        "threshold_value",
        "target_balance",
        "max_spend_limit",
        "monthly_spend",
        "updated_at",
    ]
    list_filter = ["is_enabled", "threshold_type"]
    list_select_related = ["customer", "currency"]
    search_fields = ["customer__ref_id"]
    ordering = ["customer__ref_id", "currency__ref_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: AutoRechargeSettings | None = None) -> list[str]:
        return ["customer", "currency"] if obj is not None else []

    @admin.display(description="spent this month")
    def monthly_spend(self, settings: AutoRechargeSettings) -> str:
        return str(auto_recharge_monthly_spend(settings, now=timezone.now()))

    def save_model(self, request: HttpRequest, obj: AutoRechargeSettings, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        saved = auto_recharge_save(
            data=AutoRechargeInput(
                customer_ref_id=(data.get("customer") or obj.customer).ref_id,
                currency_ref_id=(data.get("currency") or obj.currency).ref_id,
                is_enabled=data["is_enabled"],
                threshold_type=data.get("threshold_type") or ThresholdType.CREDIT_AMOUNT,
                threshold_value=data["threshold_value"],
                target_balance=data["target_balance"],
                max_spend_limit=data.get("max_spend_limit"),
                grant_expiration_period=data["grant_expiration_period"],
            ),
            now=timezone.now(),
        )
        obj.pk = saved.pk


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Attempts an operator must look at: failed charges, and charges pending for longer than ``STUCK_AFTER``
    (their outcome is unknown; they are never retried automatically and block further recharges)."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Needs attention")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[RechargeAttempt]) -> QuerySet:
        if self.value() == "yes":
            stuck = Q(status=RechargeStatus.PENDING, created_at__lt=timezone.now() - STUCK_AFTER)
            return queryset.filter(stuck | Q(status=RechargeStatus.FAILED))
        return queryset


@admin.register(RechargeAttempt)
class RechargeAttemptAdmin(HistoryAdmin, ServiceAdmin):
    list_display = [
        "created_at",
        "customer",
        "currency",
        "status_badge",
        "credit_amount",
        "cost_amount",
        "cost_currency",
        "balance_before",
        "reason",
        "finished_at",
    ]
    list_filter = [NeedsAttentionFilter, "status"]
    list_select_related = ["settings__customer", "settings__currency"]
    search_fields = ["settings__customer__ref_id", "idempotency_key"]
    ordering = ["-created_at", "-pk"]
    actions = ["resolve_attempts"]

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("credits.change_rechargeattempt")

    @admin.action(description="Ask the gateway again (same key) and finalize", permissions=["resolve"])
    def resolve_attempts(self, request: HttpRequest, queryset: QuerySet[RechargeAttempt]) -> None:
        def resolve(attempt: RechargeAttempt, now: datetime) -> str:
            resolved = recharge_attempt_resolve(attempt=attempt, now=now)
            return f"{resolved.idempotency_key} {resolved.status}"

        queryset = queryset.select_related("settings__customer", "settings__currency")
        self.run_service(request, queryset, resolve, done="Resolved")

    @admin.display(description="customer")
    def customer(self, attempt: RechargeAttempt) -> str:
        return attempt.settings.customer.ref_id

    @admin.display(description="currency")
    def currency(self, attempt: RechargeAttempt) -> str:
        return attempt.settings.currency.ref_id

    @admin.display(description="status", ordering="status")
    def status_badge(self, attempt: RechargeAttempt) -> str:
        return badge(attempt.status)
