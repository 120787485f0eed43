"""Operators' admin for the skill exchange: read what happened; members and coordinators act
in the community pages, where the rules (and the ledger) apply."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coproduce.exchanges.models import Category, Concern, Exchange, ExchangeEvent, Listing


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "community", "position")
    list_filter = ("community",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Listing)
class ListingAdmin(ReadOnly):
    list_display = ("title", "kind", "community", "status")
    list_filter = ("community", "kind", "status")
    search_fields = ("title",)


class EventInline(admin.TabularInline):
    model = ExchangeEvent
    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Exchange)
class ExchangeAdmin(ReadOnly):
    list_display = ("title", "community", "status")
    list_filter = ("community", "status")
    search_fields = ("title",)
    inlines = (EventInline,)


@admin.register(Concern)
class ConcernAdmin(ReadOnly):
    list_display = ("__str__", "community", "created_at")
    list_filter = ("community",)
