from datetime import date

from django.db import migrations


def seed_drug_types(apps, schema_editor):
    from jiedu.people.drug_types import DEFAULT_DRUG_TYPES

    DrugType = apps.get_model("people", "DrugType")
    for order, (code, name, name_en, category, since) in enumerate(DEFAULT_DRUG_TYPES):
        DrugType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "category": category,
                "controlled_since": date.fromisoformat(since) if since else None,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed_drug_types, migrations.RunPython.noop)]
