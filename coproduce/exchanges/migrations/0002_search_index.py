"""Search indexes: an FTS5 trigram table kept in sync by triggers on SQLite; pg_trgm with GIN
trigram and full-text indexes on PostgreSQL (see coproduce/exchanges/search_index.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from coproduce.exchanges.search_index import search_index_create

    search_index_create(schema_editor.connection)


def backwards(apps, schema_editor):
    from coproduce.exchanges.search_index import search_index_drop

    search_index_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
