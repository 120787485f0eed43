"""Transfers are append-only in the database itself, whatever the caller does."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test import RequestFactory

from coproduce.communities.models import Membership
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    pay,
)


def _a_transfer() -> Transfer:
    community = make_community()
    boss = make_coordinator(community)
    return pay(boss, account_of(make_member(community)), account_of(make_member(community)), 30)


@pytest.mark.django_db
def test_raw_sql_cannot_update_a_transfer() -> None:
    transfer = _a_transfer()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE ledger_transfer SET minutes = 1 WHERE id = %s", [transfer.pk])
    transfer.refresh_from_db()
    assert transfer.minutes == 30


@pytest.mark.django_db
def test_raw_sql_cannot_delete_a_transfer() -> None:
    transfer = _a_transfer()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_transfer WHERE id = %s", [transfer.pk])
    assert Transfer.objects.filter(pk=transfer.pk).exists()


@pytest.mark.django_db
def test_the_orm_cannot_change_or_delete_a_transfer_either() -> None:
    transfer = _a_transfer()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(memo="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).delete()
    assert Transfer.objects.get(pk=transfer.pk).memo == ""


@pytest.mark.django_db
def test_a_member_with_transfers_cannot_be_deleted_but_one_without_can() -> None:
    transfer = _a_transfer()
    member = Account.objects.get(pk=transfer.debit_id).membership
    assert member is not None
    with pytest.raises(ProtectedError):
        member.delete()
    newcomer = make_member(transfer.community)
    newcomer.delete()
    assert not Membership.objects.filter(pk=newcomer.pk).exists()


@pytest.mark.django_db
def test_the_admin_can_read_transfers_but_not_change_or_delete_them() -> None:
    model_admin = admin.site._registry[Transfer]
    request = RequestFactory().get("/")
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)
    assert "reverse_transfers" in list(model_admin.actions or [])


@pytest.mark.django_db(transaction=True)
def test_emptying_the_whole_database_still_works_for_tests_and_flush() -> None:
    """Transactional tests (and live_server tests) flush every table afterwards. On SQLite the
    flush deletes rows, which only Django's flush is allowed to do; on PostgreSQL it truncates."""
    _a_transfer()
    assert Transfer.objects.count() == 1
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert Transfer.objects.count() == 0
    community = make_community()
    boss = make_coordinator(community)
    transfer = pay(boss, account_of(make_member(community)), account_of(make_member(community)), 5)
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).delete()
