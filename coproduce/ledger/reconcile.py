"""Reconciliation: recompute every account's counters from its transfers and check the books.

Used by ``manage.py ledger_reconcile`` and the nightly task. Read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from coproduce.ledger.models import Account, Transfer

COUNTERS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


@dataclass
class Report:
    accounts: int = 0
    transfers: int = 0
    communities: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        state = "OK" if self.is_clean else f"{len(self.problems)} problem(s)"
        return (
            f"Ledger reconciliation: {self.accounts} accounts, {self.transfers} transfers, "
            f"{self.communities} communities: {state}"
        )


def expected_counters(community_id: int | None = None) -> dict[int, dict[str, int]]:
    """Counters as the transfers say they should be, keyed by account id."""
    transfers = Transfer.objects.all()
    if community_id is not None:
        transfers = transfers.filter(community_id=community_id)
    sums = transfers.values("debit_id", "credit_id", "phase").annotate(total=Sum("minutes"))
    counters: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in sums:
        debit, credit, phase, total = (
            row["debit_id"],
            row["credit_id"],
            row["phase"],
            int(row["total"]),
        )
        if phase == Transfer.Phase.POSTED:
            counters[debit]["debits_posted"] += total
            counters[credit]["credits_posted"] += total
        elif phase == Transfer.Phase.PENDING:
            counters[debit]["debits_pending"] += total
            counters[credit]["credits_pending"] += total
        elif phase == Transfer.Phase.POST:
            counters[debit]["debits_pending"] -= total
            counters[credit]["credits_pending"] -= total
            counters[debit]["debits_posted"] += total
            counters[credit]["credits_posted"] += total
        else:
            counters[debit]["debits_pending"] -= total
            counters[credit]["credits_pending"] -= total
    return counters


def ledger_reconcile(*, community_id: int | None = None) -> Report:
    report = Report()
    accounts = Account.objects.select_related("membership__profile", "organisation", "partner")
    transfers = Transfer.objects.all()
    if community_id is not None:
        accounts = accounts.filter(community_id=community_id)
        transfers = transfers.filter(community_id=community_id)
    report.transfers = transfers.count()
    expected = expected_counters(community_id)
    per_community: dict[int, int] = defaultdict(int)
    pending_per_community: dict[int, int] = defaultdict(int)
    clearing: dict[tuple[int, int], int] = {}
    for account in accounts.order_by("pk"):
        report.accounts += 1
        wanted = expected.pop(account.pk, dict.fromkeys(COUNTERS, 0))
        for counter in COUNTERS:
            stored = getattr(account, counter)
            if stored != wanted[counter]:
                report.problems.append(
                    f"account {account.pk} ({account.owner_name}): {counter} is {stored}, "
                    f"transfers say {wanted[counter]}"
                )
        per_community[account.community_id] += account.balance
        pending_per_community[account.community_id] += (
            account.credits_pending - account.debits_pending
        )
        if account.floor is not None and account.available < account.floor:
            report.problems.append(
                f"account {account.pk} ({account.owner_name}): available {account.available} "
                f"is below its floor {account.floor}"
            )
        if account.ceiling is not None and (
            account.credits_posted + account.credits_pending - account.debits_posted
            > account.ceiling
        ):
            report.problems.append(
                f"account {account.pk} ({account.owner_name}): balance with holds is above "
                f"its ceiling {account.ceiling}"
            )
        if account.kind == Account.Kind.CLEARING and account.partner_id is not None:
            clearing[(account.community_id, account.partner_id)] = account.balance
    for account_id in expected:
        report.problems.append(f"transfers name account {account_id}, which does not exist")
    report.communities = len(per_community)
    for community, total in sorted(per_community.items()):
        if total != 0:
            report.problems.append(f"community {community}: balances add up to {total}, not 0")
    for community, total in sorted(pending_per_community.items()):
        if total != 0:
            report.problems.append(f"community {community}: holds add up to {total}, not 0")
    for (side, other), balance in sorted(clearing.items()):
        mirror = clearing.get((other, side))
        if mirror is not None and mirror != -balance:
            report.problems.append(
                f"clearing accounts of communities {side} and {other} do not mirror: "
                f"{balance} and {mirror}"
            )
    return report
