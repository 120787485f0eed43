"""Operators' admin for communities: create schemes, their partners and memberships.

Operators set up a community and its first coordinator here; day-to-day work (approving
members, invitations, roles) is done by coordinators in the community's own pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from coproduce.communities import hooks, services
from coproduce.communities.models import Community, Invitation, Membership, Organisation
from coproduce.people.models import Profile


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "language", "accepts_join_requests", "created_at")
    list_filter = ("kind", "language", "uses_mutual_credit", "uses_issued_credits")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Community, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                services.community_setup_within(community=obj)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "kind")
    list_filter = ("kind", "community")
    search_fields = ("name",)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("display_name", "pronouns", "languages", "contact_preference", "phone")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "community",
        "user",
        "status",
        "is_member",
        "is_coordinator",
        "is_admin",
        "is_partner",
        "is_referrer",
        "is_observer",
    )
    list_filter = ("community", "status", "is_coordinator", "is_admin", "is_partner")
    search_fields = ("profile__display_name", "user__email")
    list_select_related = ("community", "user", "profile")
    raw_id_fields = ("user", "created_by", "decided_by")
    readonly_fields = ("created_at", "decided_at")
    inlines = (ProfileInline,)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if obj.is_active:
                hooks.membership_activated.run(obj)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "community", "uses", "max_uses", "expires_at", "revoked_at")
    list_filter = ("community",)
    readonly_fields = ("token", "uses", "created_at", "created_by")
