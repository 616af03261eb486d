"""The console's plan and add-on pages: packages with their publish/draft/archive actions, the version page where a
draft is edited (fields, entitlements and prices, saved through the services), and a read-only list of every
entitlement with import and export.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import Exists, Model, OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportMixin

from catalog import admin_forms, admin_version_forms, enums
from catalog.admin_base import HISTORY_FIELDS, ConsoleWidgets, ServiceAdmin, badge, mark_formset_saved
from catalog.admin_resources import PackageEntitlementResource
from catalog.models import Package, PackageEntitlement, PackageVersion, Price
from catalog.services import entitlements as entitlement_services
from catalog.services import packages as package_services
from config.admin_actions import NoWrites, action_form_page
from config.admin_fields import FieldGroups, FieldNames

# Plans and add-ons ---------------------------------------------------------------------------------------------


def package_status(package: Package, *, has_latest: bool) -> str:
    if package.archived_at is not None:
        return enums.PackageStatus.ARCHIVED
    return enums.PackageStatus.PUBLISHED if has_latest else enums.PackageStatus.DRAFT


class HasDraftFilter(admin.SimpleListFilter):
    title = "draft"
    parameter_name = "has_draft"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has a draft"), ("no", "No draft")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(has_draft=self.value() == "yes")
        return queryset


class VersionInline(NoWrites, admin.TabularInline):
    """The versions of a package, newest first, each linking to its page."""

    model = PackageVersion
    fk_name = "package"
    fields = readonly_fields = (
        "version_number",
        "display_name",
        "status_badge",
        "is_latest",
        "pricing_type",
        "published_at",
    )
    ordering = ["-version_number"]
    show_change_link = True
    extra = 0

    @admin.display(description="status")
    def status_badge(self, version: PackageVersion) -> str:
        return badge(version.status)


class PublishForm(forms.Form):
    migration_type = forms.ChoiceField(
        choices=enums.MigrationType.choices,
        initial=enums.MigrationType.NEW_CUSTOMERS,
        help_text="NEW_CUSTOMERS: existing subscriptions keep their version. "
        "ALL_CUSTOMERS: they move to the new version (done by the subscriptions app).",
    )


@admin.register(Package)
class PackageAdmin(ServiceAdmin):
    """Plans and add-ons. What a version contains is edited on its own page (the draft only)."""

    add_form = admin_forms.PackageCreateForm
    inlines = [VersionInline]
    list_display = [
        "ref_id",
        "kind",
        "product",
        "status_badge",
        "latest_version",
        "draft_present",
        "archived_at",
        "created_at",
    ]
    list_filter = [
        "kind",
        ("product", admin.RelatedOnlyFieldListFilter),
        HasDraftFilter,
        ("archived_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["product"]
    search_fields = ["ref_id", "product__ref_id"]
    autocomplete_fields = ["product"]
    ordering = ["product__ref_id", "kind", "ref_id"]
    actions = ["publish_draft", "create_draft", "discard_draft", "archive_packages"]
    fields = (
        "kind",
        "ref_id",
        "product",
        "status_badge",
        "latest_version",
        "draft_present",
        "archived_at",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Package]:
        versions = PackageVersion.objects.filter(package=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_version_number=Subquery(versions.filter(is_latest=True).values("version_number")[:1]),
                has_draft=Exists(versions.filter(status=enums.PackageStatus.DRAFT)),
            )
        )

    @admin.display(description="status")
    def status_badge(self, package: Package) -> str:
        # ``latest_version_number`` and ``has_draft`` are annotations of ``get_queryset``, unknown to the model's type.
        return badge(package_status(package, has_latest=package.latest_version_number is not None))  # type: ignore[attr-defined]

    @admin.display(description="latest published version", ordering="latest_version_number")
    def latest_version(self, package: Package) -> str:
        number = package.latest_version_number  # type: ignore[attr-defined]
        return f"v{number}" if number is not None else "—"

    @admin.display(description="draft", boolean=True, ordering="has_draft")
    def draft_present(self, package: Package) -> bool:
        return package.has_draft  # type: ignore[attr-defined]

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Package | None = None) -> FieldGroups:
        return tuple(self.add_form.Meta.fields) if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Package | None = None) -> FieldNames:
        return [] if obj is None else self.fields

    def get_inlines(self, request: HttpRequest, obj: Package | None) -> list:
        return [] if obj is None else self.inlines

    def has_change_permission(self, request: HttpRequest, obj: Package | None = None) -> bool:
        # The identity never changes here; versions are edited on their own pages, states by the actions.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Package, form: Any, change: bool) -> None:
        version = package_services.package_create(now=timezone.now(), **form.create_kwargs())
        admin_forms.adopt(obj, version.package)

    def response_add(self, request: HttpRequest, obj: Package, post_url_continue: str | None = None) -> HttpResponse:
        draft = obj.versions.get(status=enums.PackageStatus.DRAFT)
        self.message_user(request, f"Created {obj.ref_id} with draft v{draft.version_number}: edit it below.")
        return HttpResponseRedirect(reverse("admin:catalog_packageversion_change", args=[draft.pk]))

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_packageversion")

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_package")

    @admin.action(description="Publish draft", permissions=["publish"])
    def publish_draft(self, request: HttpRequest, queryset: QuerySet[Package]) -> HttpResponse | None:
        form = PublishForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_form_page(
                self,
                request,
                queryset,
                action="publish_draft",
                title="Publish drafts",
                intro="",
                form=form,
                submit="Publish",
                template="admin/catalog/package/publish_draft.html",
            )
        migration_type = form.cleaned_data["migration_type"]

        def publish(package: Package, now: datetime) -> str:
            version = package_services.package_publish(package=package, migration_type=migration_type, now=now)
            return f"{package.ref_id} v{version.version_number}"

        self.run_service(request, queryset, publish, done="Published")
        return None

    @admin.action(description="Create new draft", permissions=["publish"])
    def create_draft(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        def create(package: Package, now: datetime) -> str:
            draft = package_services.package_create_draft(package=package, now=now)
            return f"{package.ref_id} v{draft.version_number}"

        self.run_service(request, queryset, create, done="Drafts ready")

    @admin.action(description="Discard draft", permissions=["publish"])
    def discard_draft(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        self.run_service(
            request,
            queryset,
            lambda package, now: package_services.package_remove_draft(package=package, now=now).ref_id,
            done="Drafts discarded",
        )

    @admin.action(description="Archive", permissions=["archive"])
    def archive_packages(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        self.run_service(
            request,
            queryset,
            lambda package, now: package_services.package_archive(package=package, now=now).ref_id,
            done="Archived",
        )


# Versions: the page where a draft is edited --------------------------------------------------------------------


class DraftOnlyInline(ConsoleWidgets, InlineModelAdmin):
    """Inline rows of a version change only while the version is a draft."""

    def has_add_permission(self, request: HttpRequest, obj: PackageVersion | None = None) -> bool:
        return obj is not None and obj.is_draft and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: PackageVersion | None = None) -> bool:
        return obj is not None and obj.is_draft and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PackageVersion | None = None) -> bool:
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)


class EntitlementInline(DraftOnlyInline, admin.TabularInline):
    model = PackageEntitlement
    form = admin_version_forms.EntitlementInlineForm
    fields = tuple(admin_version_forms.EntitlementInlineForm.Meta.fields)
    autocomplete_fields = ["feature", "dependency_feature"]
    extra = 0


class PriceInline(DraftOnlyInline, admin.StackedInline):
    model = Price
    form = admin_version_forms.PriceInlineForm
    extra = 0
    readonly_fields = ["billing_id"]
    autocomplete_fields = ["feature"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("pricing_model_index", "is_overage"),
                    ("billing_model", "billing_cadence", "feature"),
                    ("billing_period", "billing_country_code"),
                    ("amount", "currency"),
                ]
            },
        ),
        (
            "Units and tiers",
            {"fields": [("min_unit_quantity", "max_unit_quantity", "block_size"), "tiers_mode", "tiers"]},
        ),
        ("Usage reset", {"fields": [("reset_period", "reset_anchor")], "classes": ["collapse"]}),
        (
            "Credits",
            {
                "fields": [
                    "top_up_currency",
                    "credit_grant_cadence",
                    ("credit_rate_amount", "credit_rate_currency"),
                    "credit_rate_cost_formula",
                ],
                "classes": ["collapse"],
            },
        ),
        ("Overage and billing", {"fields": ["overage_entitlement", "billing_id"], "classes": ["collapse"]}),
    ]


@admin.register(PackageVersion)
class PackageVersionAdmin(ServiceAdmin):
    """A version's contents. Only a draft is editable: saving calls ``package_update`` and the entitlement services."""

    form = admin_version_forms.PackageVersionForm
    inlines = [EntitlementInline, PriceInline]
    list_display = [
        "package",
        "kind",
        "version_number",
        "display_name",
        "status_badge",
        "is_latest",
        "pricing_type",
        "published_at",
        "updated_at",
    ]
    list_display_links = ["package", "version_number"]
    list_filter = [
        "status",
        "package__kind",
        "is_latest",
        "pricing_type",
        ("package__product", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["package", "package__product"]
    search_fields = ["package__ref_id", "display_name"]
    ordering = ["package__ref_id", "-version_number"]
    header_fields = ["package", "version_number", "status_badge", "is_latest", "published_at"]
    common_fields = ["display_name", "description", "metadata", "billing_id"]
    pricing_fields = ["pricing_type", "overage_billing_period", "minimum_spend"]
    plan_fields = ["parent_plan", "compatible_addons"]
    trial_fields = admin_version_forms.TRIAL_FIELDS
    addon_fields = ["max_quantity", "dependencies"]

    @admin.display(description="kind", ordering="package__kind")
    def kind(self, version: PackageVersion) -> str:
        return version.package.kind

    @admin.display(description="status", ordering="status")
    def status_badge(self, version: PackageVersion) -> str:
        return badge(version.status)

    def get_fieldsets(self, request: HttpRequest, obj: PackageVersion | None = None) -> Any:
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": self.header_fields + self.common_fields})
        ]
        if obj is not None and obj.package.kind == enums.PackageKind.ADDON:
            fieldsets.append(("Add-on", {"fields": self.addon_fields}))
        else:
            fieldsets.append(("Plan", {"fields": self.plan_fields}))
            fieldsets.append(("Default trial", {"fields": self.trial_fields}))
        fieldsets.append(("Pricing (the price points are below)", {"fields": self.pricing_fields}))
        fieldsets.append(("History", {"fields": HISTORY_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: PackageVersion | None = None) -> list[str]:
        return [*self.header_fields, *HISTORY_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Versions come from creating a package or the "Create new draft" action.
        return False

    def has_change_permission(self, request: HttpRequest, obj: PackageVersion | None = None) -> bool:
        if obj is not None and not obj.is_draft:
            return False  # published and archived versions are immutable: their page is view-only
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: PackageVersion, form: Any, change: bool) -> None:
        # Saved in ``save_related``: the version's fields, prices and entitlements go to the services together.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        now = timezone.now()
        version: PackageVersion = form.instance
        package = version.package
        entitlement_formset = next(item for item in formsets if item.model is PackageEntitlement)
        price_formset = next(item for item in formsets if item.model is Price)
        changes = form.service_changes(package.kind)
        if form.pricing_changed or price_formset.has_changed():
            prices = [item.instance for item in self._kept_forms(price_formset)]
            changes["charges"] = admin_version_forms.charges_input(version, prices)
        if changes:
            package_services.package_update(package=package, changes=changes, now=now)
        mark_formset_saved(price_formset)
        self._save_entitlements(package, entitlement_formset, now=now)

    @staticmethod
    def _kept_forms(formset: BaseInlineFormSet) -> Iterable[Any]:
        for item in formset.forms:
            # ``_should_delete_form``: the formset's own rule for a row marked for deletion; the stubs omit it.
            if formset._should_delete_form(item) or not (item.instance.pk or item.has_changed()):  # type: ignore[attr-defined]
                continue
            yield item

    @staticmethod
    def _save_entitlements(package: Package, formset: BaseInlineFormSet, *, now: datetime) -> None:
        """Deletions first (so a target can be removed and added again), then edits, then one create."""
        deleted = [item for item in formset.deleted_forms if item.instance.pk]
        for item in deleted:
            # The formset's forms are EntitlementInlineForms, which remember the saved target; the stubs say ModelForm.
            target_ref_id = item.saved_target_ref_id  # type: ignore[attr-defined]
            entitlement_services.entitlement_delete(package=package, target_ref_id=target_ref_id, now=now)
        changed = []
        new_items = []
        for item in PackageVersionAdmin._kept_forms(formset):
            if not item.instance.pk:
                new_items.append(item.service_item())
            elif item.has_changed() and item.service_changes():
                changed.append(
                    entitlement_services.entitlement_update(
                        package=package, target_ref_id=item.saved_target_ref_id, changes=item.service_changes(), now=now
                    )
                )
        created = (
            entitlement_services.entitlements_create(package=package, items=new_items, now=now) if new_items else []
        )
        mark_formset_saved(formset, new=created, changed=changed, deleted=[item.instance for item in deleted])


# Entitlements across versions: a read-only list, with import and export ------------------------------------------


@admin.register(PackageEntitlement)
class PackageEntitlementAdmin(ImportExportMixin, ServiceAdmin):
    """Every entitlement of every version, to search and export; importing writes into drafts through services."""

    resource_classes = [PackageEntitlementResource]
    list_display = ["version_link", "kind", "version_status", "type", "target", "limit", "behavior"]
    list_filter = ["version__package__kind", "version__status", "type", "reset_period"]
    list_select_related = ["version__package", "feature", "currency"]
    search_fields = ["version__package__ref_id", "feature__ref_id", "currency__ref_id"]
    ordering = ["version__package__ref_id", "-version__version_number", "order", "id"]

    @admin.display(description="version", ordering="version__package__ref_id")
    def version_link(self, entitlement: PackageEntitlement) -> str:
        version = entitlement.version
        url = reverse("admin:catalog_packageversion_change", args=[version.pk])
        return format_html('<a href="{}">{} v{}</a>', url, version.package.ref_id, version.version_number)

    @admin.display(description="kind", ordering="version__package__kind")
    def kind(self, entitlement: PackageEntitlement) -> str:
        return entitlement.version.package.kind

    @admin.display(description="version status", ordering="version__status")
    def version_status(self, entitlement: PackageEntitlement) -> str:
        return badge(entitlement.version.status)

    @admin.display(description="feature or currency")
    def target(self, entitlement: PackageEntitlement) -> str:
        return entitlement.target_ref_id

    @admin.display(description="grants")
    def limit(self, entitlement: PackageEntitlement) -> str:
        if entitlement.type == enums.EntitlementType.CREDIT:
            return f"{entitlement.amount} per {entitlement.cadence}" if entitlement.amount is not None else "—"
        if entitlement.has_unlimited_usage:
            return "unlimited"
        if entitlement.enum_values:
            return ", ".join(entitlement.enum_values)
        if entitlement.usage_limit is not None:
            per = f" per {entitlement.reset_period}" if entitlement.reset_period else ""
            return f"{entitlement.usage_limit}{per}"
        return "granted" if entitlement.is_granted else "not granted"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PackageEntitlement | None = None) -> bool:
        return False  # edited on the draft version's page

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.change_packageversion")
