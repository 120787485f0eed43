"""Refuse UPDATE and DELETE of transfers in the database (see coproduce/ledger/append_only.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from coproduce.ledger.append_only import triggers_create

    triggers_create(schema_editor.connection)


def backwards(apps, schema_editor):
    from coproduce.ledger.append_only import triggers_drop

    triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
