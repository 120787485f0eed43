"""Whose transaction a service runs in is said on its def line (docs/contributing.md): a public
service is durable, a ``_within`` function joins its caller's transaction and needs one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection, transaction

from coproduce.transactions import TransactionRequired, requires_transaction

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [
    path
    for path in sorted((ROOT / "coproduce").rglob("*.py"))
    if "/tests/" not in path.as_posix() and "/migrations/" not in path.as_posix()
]


def test_nothing_reaches_past_a_decorator_for_the_function_underneath() -> None:
    """Calling a durable service's undecorated function made it join whatever transaction was
    open, silently; the ``_within`` functions are the way to join one."""
    attribute = "__wrapped" + "__"
    assert [p.relative_to(ROOT).as_posix() for p in SHIPPED if attribute in p.read_text()] == []


def test_every_within_function_requires_a_transaction() -> None:
    undecorated = []
    for path in SHIPPED:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_within"):
                names = {ast.unparse(d) for d in node.decorator_list}
                if "requires_transaction" not in names:
                    undecorated.append(f"{path.relative_to(ROOT).as_posix()}:{node.name}")
    assert undecorated == []


@requires_transaction
def vendor_within() -> str:
    """Answers only inside a transaction."""
    return connection.vendor


@pytest.mark.django_db(transaction=True)
def test_a_within_function_runs_inside_a_transaction_and_refuses_outside() -> None:
    with pytest.raises(TransactionRequired, match="vendor_within joins its caller's transaction"):
        vendor_within()
    with transaction.atomic():
        assert vendor_within() == connection.vendor
    assert vendor_within.__name__ == "vendor_within"
    assert vendor_within.__doc__ == "Answers only inside a transaction."
