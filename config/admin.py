"""API keys in the operator console: created and revoked through ``config.api_keys``, never edited or deleted."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from config.admin_fields import FieldGroups
from config.api_keys import api_key_create, api_key_revoke
from config.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    date_hierarchy = "created_at"
    actions = ["revoke_selected"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> FieldGroups:
        if obj is None:
            return ["name"]
        return ["name", "prefix", "created_at", "revoked_at"]

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        # Keys are immutable: the change page is view-only; revoking is the action below.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("config.change_apikey")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: ModelForm, change: bool) -> None:
        api_key, raw_key = api_key_create(name=form.cleaned_data["name"], now=timezone.now())
        # The admin goes on to log and redirect with ``obj``: make it the row the service created.
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(api_key, field.attname))
        obj._state.adding, obj._state.db = False, api_key._state.db
        messages.success(request, f"Copy the new API key now; it is not stored and will not be shown again: {raw_key}")

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        now = timezone.now()
        active_keys = list(queryset.filter(revoked_at__isnull=True).order_by("pk"))
        for api_key in active_keys:
            api_key_revoke(api_key=api_key, now=now)
        self.message_user(request, f"Revoked {len(active_keys)} API key(s).", messages.SUCCESS)
