"""Operators' admin for the ledger: everything can be read; nothing can be edited or deleted.

Transfers are append-only; the one write offered is "reverse", which records a new transfer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coproduce.ledger import services
from coproduce.ledger.errors import LedgerError
from coproduce.ledger.models import Account, AccountLimitChange, CommunityLink, CreditRule, Transfer
from coproduce.people.models import User


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["pk", "community", "kind", "owner_name", "balance", "floor", "ceiling"]
    list_filter = ["kind", "community"]
    list_select_related = ["community", "membership__profile", "organisation", "partner"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "community", "kind", "phase", "debit", "credit", "minutes"]
    list_filter = ["kind", "phase", "community"]
    list_select_related = [
        "community",
        "debit__membership__profile",
        "credit__membership__profile",
        "debit__organisation",
        "credit__organisation",
        "debit__partner",
        "credit__partner",
    ]
    search_fields = ["memo", "idempotency_key"]
    actions = ["reverse_transfers"]

    @admin.action(description=_("Reverse the selected transfers (records new transfers)"))
    def reverse_transfers(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        user = request.user
        if not isinstance(user, User):
            return
        done = 0
        for transfer in queryset.order_by("pk"):
            try:
                services.transfer_reverse(actor=None, transfer=transfer, operator_user=user)
            except LedgerError as error:
                self.message_user(request, f"#{transfer.pk}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d transfers reversed.") % {"count": done})


@admin.register(CreditRule)
class CreditRuleAdmin(ReadOnlyAdmin):
    list_display = ["community", "version", "starts_at", "out_of_hours_per_mille", "stacking"]
    list_filter = ["community"]


@admin.register(CommunityLink)
class CommunityLinkAdmin(ReadOnlyAdmin):
    list_display = ["community", "partner", "status", "limit_to_partner", "limit_from_partner"]


@admin.register(AccountLimitChange)
class AccountLimitChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "old_floor", "new_floor", "old_ceiling", "new_ceiling"]
