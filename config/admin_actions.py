"""Admin helpers shared by every app's operator console."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from config.errors import DomainError


def run_service(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[Any, datetime], str],
    *,
    done: str,
    label: Callable[[Any], str] = str,
) -> None:
    """Run an operator action through its service: ``service(row, now)`` for each selected row in primary-key
    order, with one ``now`` read here at the edge. Each call is its own transaction (the service's), so one refusal
    does not undo the others; each refusal (a ``DomainError``) is shown with the row's ``label``, and what succeeded
    (the service's answers) in one message. An admin uses it as its ``run_service`` method."""
    now = timezone.now()
    succeeded = []
    for item in queryset.order_by("pk"):
        try:
            succeeded.append(service(item, now))
        except DomainError as error:
            model_admin.message_user(request, f"{label(item)}: {error.message}", messages.ERROR)
    if succeeded:
        model_admin.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)


def action_form_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    intro: str,
    form: forms.Form,
    submit: str,
    template: str = "admin/action_form.html",
) -> TemplateResponse:
    """The intermediate page of an action that needs a small form; it posts back to the same action.

    ``template`` may extend ``admin/action_form.html`` to word the page (its ``intro``, ``item`` and ``form_id``
    blocks)."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "opts": model_admin.opts,
            "items": queryset.order_by("pk"),
            "form": form,
            "action": action,
            "submit": submit,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class NoWrites:
    """Mix in before a ``ModelAdmin`` or an inline: its rows are shown, never added, changed or deleted there (history,
    ledgers, rows that only services write)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
