"""Rebuild the search text of offers: the owner's skills only when members may see them.

Before, an offer's search text carried its owner's skills whatever their privacy setting, and
kept the skills they had when the offer was written. Same rule as
``services.listing_search_text``, written out here because migrations use historical models.
"""

from django.db import migrations

from coproduce.exchanges.search import normalise

BATCH = 500


def rebuild(apps, schema_editor):
    Listing = apps.get_model("exchanges", "Listing")
    offers = Listing.objects.filter(kind="offer").select_related("category", "owner__profile")
    changed = []
    for listing in offers.order_by("pk").iterator(chunk_size=BATCH):
        profile = getattr(listing.owner, "profile", None)
        tags = ""
        if profile is not None and (profile.visibility or {}).get("gives") != "coordinators":
            tags = profile.gives_tags
        parts = [listing.title, listing.description, listing.category.name, tags]
        text = normalise(" ".join(part for part in parts if part))[:5000]
        if text != listing.search_text:
            listing.search_text = text
            changed.append(listing)
        if len(changed) >= BATCH:
            Listing.objects.bulk_update(changed, ["search_text"])
            changed = []
    Listing.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("exchanges", "0003_concern_resolution"),
        ("people", "0002_profile_assets"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
