"""Load the seeded category taxonomy (``pitchless.exchange.categories``)."""

from __future__ import annotations

from django.db import migrations

from pitchless.exchange.categories import CATEGORIES


def load(apps, schema_editor):
    category = apps.get_model("exchange", "Category")
    for position, (slug, name, group) in enumerate(CATEGORIES):
        category.objects.update_or_create(
            slug=slug, defaults={"name": name, "group": group, "position": position}
        )


def unload(apps, schema_editor):
    apps.get_model("exchange", "Category").objects.filter(
        slug__in=[slug for slug, _, _ in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
