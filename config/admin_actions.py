"""Admin helpers shared by every app's operator console."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse


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
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )
