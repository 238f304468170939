"""Load the instruments shipped with Jiedu (jiedu/centres/instrument_data/*.json) as Instrument
rows. The JSON files are data, so reading them through the engine here is safe; a later change to
a shipped instrument is a new version, loaded by `services.psychology.sync_shipped_instruments`."""

from django.db import migrations


def load_shipped(apps, schema_editor):
    from jiedu.centres.scoring import shipped_definitions

    Instrument = apps.get_model("centres", "Instrument")
    for definition in shipped_definitions():
        Instrument.objects.update_or_create(
            code=definition["code"],
            version=definition["version"],
            defaults={"name": definition["name_zh"], "definition": definition, "shipped": True},
        )


class Migration(migrations.Migration):
    dependencies = [("centres", "0001_initial")]

    operations = [migrations.RunPython(load_shipped, migrations.RunPython.noop)]
