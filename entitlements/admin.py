"""The entitlements operator console: promotional entitlements, and what a customer is entitled to.

Promotions are never edited in place or deleted: operators grant them with a small form (the add page) and
revoke them with an action, both calling the same services as the API. The "effective entitlements" page shows
what a customer (or one of its resources) gets now, as the API answers it (``entitlements.answers``: usage of the
current windows and credit wallets included), and which source granted each feature; link to it with
``effective_entitlements_url``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalog import enums as catalog_enums
from catalog.models import Feature
from config import admin_actions
from config.errors import DomainError
from customers.selectors import customer_get
from entitlements import answers, services
from entitlements.enums import PromoPeriod, PromoStatus
from entitlements.errors import InvalidPromotionInput
from entitlements.models import PromotionalEntitlement
from entitlements.selectors import promotion_status

BADGE_COLORS = {
    PromoStatus.ACTIVE: "#2e7d32",
    PromoStatus.EXPIRED: "#616161",
    PromoStatus.PAUSED: "#ef6c00",
    "REVOKED": "#c62828",
}
RESET_CONFIGURATION_KIND = {
    catalog_enums.ResetPeriod.MONTH: "monthly",
    catalog_enums.ResetPeriod.WEEK: "weekly",
    catalog_enums.ResetPeriod.YEAR: "yearly",
}
ANCHOR_CHOICES = [
    ("", "(default: SubscriptionStart)"),
    *[(value, value) for value in catalog_enums.WeeklyAnchor.values],
    (catalog_enums.MonthlyAnchor.START_OF_THE_MONTH, catalog_enums.MonthlyAnchor.START_OF_THE_MONTH),
]


def effective_entitlements_url(customer_ref_id: str, resource_ref_id: str | None = None) -> str:
    """The console page listing a customer's effective entitlements (for links from the customer page)."""
    query = {"customer": customer_ref_id, **({"resource": resource_ref_id} if resource_ref_id else {})}
    return f"{reverse('admin:entitlements_promotionalentitlement_effective')}?{urlencode(query)}"


def shown_status(promotion: PromotionalEntitlement, now: datetime) -> str:
    return "REVOKED" if promotion.is_revoked else promotion_status(promotion, now=now)


class CurrentFilter(admin.SimpleListFilter):
    title = "current"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Current"), ("no", "Revoked or replaced")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PromotionalEntitlement]) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class GrantPromotionForm(forms.Form):
    customer = forms.CharField(label="Customer id", max_length=255)
    feature = forms.ModelChoiceField(
        queryset=Feature.objects.filter(archived_at__isnull=True).order_by("ref_id"), to_field_name="ref_id"
    )
    period = forms.ChoiceField(choices=PromoPeriod.choices)
    custom_end_date = forms.DateTimeField(required=False, help_text="UTC; only for the custom period.")
    usage_limit = forms.IntegerField(required=False, min_value=0)
    has_unlimited_usage = forms.BooleanField(required=False)
    has_soft_limit = forms.BooleanField(required=False)
    reset_period = forms.ChoiceField(choices=[("", "(never)"), *catalog_enums.ResetPeriod.choices], required=False)
    reset_anchor = forms.ChoiceField(choices=ANCHOR_CHOICES, required=False)
    enum_values = forms.CharField(required=False, help_text="Comma-separated, for ENUM features.")
    is_visible = forms.BooleanField(required=False, initial=True)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def grant(self) -> services.PromotionGrant:
        data = self.cleaned_data
        reset_period = data["reset_period"] or None
        kind = RESET_CONFIGURATION_KIND.get(reset_period) if reset_period else None
        values = [value.strip() for value in data["enum_values"].split(",") if value.strip()]
        return services.PromotionGrant(
            feature_ref_id=data["feature"].ref_id,
            period=data["period"],
            custom_end_date=data["custom_end_date"],
            usage_limit=data["usage_limit"],
            has_unlimited_usage=data["has_unlimited_usage"],
            has_soft_limit=data["has_soft_limit"],
            reset_period=reset_period,
            reset_configuration={kind: data["reset_anchor"] or None} if kind else {},
            enum_values=values or None,
            is_visible=data["is_visible"],
            description=data["description"] or None,
        )


@admin.register(PromotionalEntitlement)
class PromotionalEntitlementAdmin(admin.ModelAdmin):
    list_display = [
        "ref_id",
        "customer",
        "feature",
        "status_badge",
        "period",
        "start_date",
        "end_date",
        "value",
        "granted_by",
        "revoked_at",
    ]
    list_filter = [CurrentFilter, "status", "period"]
    list_select_related = ["customer", "feature"]
    search_fields = ["customer__ref_id", "feature__ref_id"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    actions = ["revoke_promotions"]
    readonly_fields = (
        "ref_id",
        "customer",
        "feature",
        "status_badge",
        "period",
        "start_date",
        "end_date",
        "usage_limit",
        "has_unlimited_usage",
        "has_soft_limit",
        "reset_period",
        "reset_anchor",
        "enum_values",
        "is_visible",
        "description",
        "granted_by",
        "revoked_at",
        "revoked_by",
        "replaced_by",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description="status", ordering="status")
    def status_badge(self, promotion: PromotionalEntitlement) -> str:
        status = shown_status(promotion, timezone.now())
        return format_html(
            '<span class="promotion-badge" style="background:{};color:#fff;padding:2px 8px;border-radius:10px;'
            'font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
            BADGE_COLORS[status],
            status,
        )

    @admin.display(description="value")
    def value(self, promotion: PromotionalEntitlement) -> str:
        if promotion.has_unlimited_usage:
            return "unlimited"
        if promotion.usage_limit is not None:
            reset = f" per {promotion.reset_period.lower()}" if promotion.reset_period else ""
            return f"{promotion.usage_limit}{reset}"
        if promotion.enum_values:
            return ", ".join(promotion.enum_values)
        return "granted"

    def has_change_permission(self, request: HttpRequest, obj: PromotionalEntitlement | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PromotionalEntitlement | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("entitlements.change_promotionalentitlement")

    def get_urls(self) -> list[URLPattern]:
        effective = path(
            "effective/",
            self.admin_site.admin_view(self.effective_view),
            name="entitlements_promotionalentitlement_effective",
        )
        return [effective, *super().get_urls()]

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts}

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        """The grant form: one promotion for one customer, through ``promotional_entitlements_grant``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"customer": request.GET.get("customer", ""), "is_visible": True}
        form = GrantPromotionForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                customer = customer_get(form.cleaned_data["customer"], field="customer")
                (promotion,) = services.promotional_entitlements_grant(
                    customer=customer,
                    grants=[form.grant()],
                    now=timezone.now(),
                    actor=f"admin:{request.user.get_username()}",
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    f"Granted {promotion.feature.ref_id} to {customer.ref_id} ({promotion.ref_id}).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:entitlements_promotionalentitlement_changelist"))
        context = {**self._context(request, "Grant a promotional entitlement"), "form": form}
        return TemplateResponse(request, "admin/entitlements/promotionalentitlement/grant.html", context)

    def effective_view(self, request: HttpRequest) -> HttpResponse:
        """What a customer is entitled to now, feature by feature, with the sources that granted each: the answer the
        API gives (read fresh, not from the decision cache, which only ever holds this same answer)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer_ref_id = request.GET.get("customer", "").strip()
        resource_ref_id = request.GET.get("resource", "").strip() or None
        state = None
        if customer_ref_id:
            state, _ = answers.entitlements_state(
                customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=timezone.now()
            )
        context = {
            **self._context(request, "Effective entitlements"),
            "customer_ref_id": customer_ref_id,
            "resource_ref_id": resource_ref_id or "",
            "state": state,
            "grant_url": (
                f"{reverse('admin:entitlements_promotionalentitlement_add')}?{urlencode({'customer': customer_ref_id})}"
            ),
        }
        return TemplateResponse(request, "admin/entitlements/promotionalentitlement/effective.html", context)

    def run_service(
        self,
        request: HttpRequest,
        queryset: QuerySet[PromotionalEntitlement],
        service: Callable[[PromotionalEntitlement, datetime], str],
        *,
        done: str,
    ) -> None:
        """``config.admin_actions.run_service``, naming promotions by ref id and fetching the customer and feature
        the services read with them."""
        admin_actions.run_service(
            self,
            request,
            queryset.select_related("customer", "feature"),
            service,
            done=done,
            label=lambda promotion: promotion.ref_id,
        )

    @admin.action(description="Revoke selected promotions", permissions=["revoke"])
    def revoke_promotions(self, request: HttpRequest, queryset: QuerySet[PromotionalEntitlement]) -> None:
        actor = f"admin:{request.user.get_username()}"

        def revoke(promotion: PromotionalEntitlement, now: datetime) -> str:
            if promotion.is_revoked:
                raise InvalidPromotionInput("is already revoked or replaced")
            services.promotional_entitlement_revoke(
                customer=promotion.customer, feature_ref_id=promotion.feature.ref_id, now=now, actor=actor
            )
            return promotion.ref_id

        self.run_service(request, queryset, revoke, done="Revoked")
