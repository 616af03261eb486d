"""Building blocks of the catalog console: the service-backed ``ModelAdmin`` base, status badges, read-only inlines.

A page saves through a service; when the service refuses, the whole request is rolled back and the page is rendered
again from the same POST with the refusal as a form error, so the operator keeps what they typed.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db import transaction
from django.db.models import Field, JSONField, Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from catalog import admin_forms
from config import admin_actions
from config.admin_actions import NoWrites
from config.errors import DomainError

BADGE_COLORS = {
    "PUBLISHED": "#2e7d32",
    "ACTIVE": "#2e7d32",
    "DRAFT": "#1565c0",
    "NEW": "#1565c0",
    "SUSPENDED": "#ef6c00",
    "ARCHIVED": "#616161",
}
HISTORY_FIELDS = ("created_at", "updated_at")


def badge(status: str) -> str:
    return format_html(
        '<span class="catalog-badge catalog-badge-{}" style="background:{};color:#fff;padding:2px 8px;'
        'border-radius:10px;font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
        status.lower(),
        BADGE_COLORS.get(status, "#455a64"),
        status,
    )


def mark_formset_saved(
    formset: BaseInlineFormSet,
    *,
    new: Sequence[Model] = (),
    changed: Sequence[Model] = (),
    deleted: Sequence[Model] = (),
) -> None:
    """Record what a service did for an inline, as ``formset.save()`` would, for the admin's change message."""
    formset.new_objects = list(new)
    formset.changed_objects = [(item, ["fields"]) for item in changed]
    formset.deleted_objects = list(deleted)


class ConsoleWidgets(BaseModelAdmin):
    """Console forms: JSON without ``null`` placeholders, and no add/edit shortcuts next to related fields (each
    related object is edited on its own page, through its own service)."""

    formfield_overrides = {JSONField: {"form_class": admin_forms.JSONTextField}}

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            wrapper = formfield.widget
            wrapper.can_add_related = wrapper.can_change_related = wrapper.can_delete_related = False
            wrapper.can_view_related = False
        return formfield


class HistoryAdmin(NoWrites, admin.ModelAdmin):
    """Rows that are history: listed and shown, never added, edited or deleted here."""


class ServiceAdmin(ConsoleWidgets, admin.ModelAdmin):
    """Base of the console's pages: saves go through services, their refusals become form errors, no deletes."""

    SERVICE_ERROR = "_catalog_service_error"

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # A service refusing the save rolls the whole request back; the page is then rendered again from the same
        # POST with the refusal as a form error, so the operator keeps what they typed and nothing is written.
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            if request.method != "POST" or hasattr(request, self.SERVICE_ERROR):
                raise
            setattr(request, self.SERVICE_ERROR, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error: DomainError | None = getattr(request, self.SERVICE_ERROR, None)
        if error is None:
            return form_class

        refusal = error

        # A subclass of the form class Django built for this request: deliberately dynamic.
        class RefusedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                super().clean()
                raise admin_forms.as_validation_error(refusal)

        return RefusedForm

    # Operator actions call their service through one helper: a transaction per row, each refusal shown.
    run_service = admin_actions.run_service


class ReadOnlyOnceSavedInline(ConsoleWidgets, admin.TabularInline):
    """An inline that is filled in on the add page only: afterwards what it holds is history."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)
