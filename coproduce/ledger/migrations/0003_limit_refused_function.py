"""PostgreSQL: the function a single autocommitted transfer statement calls to fail (and so
undo its insert) when an account's floor or ceiling refuses it (see ledger/services/_engine.py)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_limit_refused(account_id bigint, is_debit boolean)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'a limit of ledger account % refused the transfer', account_id
        USING ERRCODE = 'LD001',
              DETAIL = account_id::text || CASE WHEN is_debit THEN ' debit' ELSE ' credit' END;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS ledger_limit_refused(bigint, boolean);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_transfer_append_only")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
