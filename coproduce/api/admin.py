"""Operators' admin for API tokens: see them and stop them; the secret is never stored."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email")
    readonly_fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ("stop_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Stop the chosen tokens"))
    def stop_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        stopped = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("Tokens stopped: %(count)d.") % {"count": stopped})
