from django.db import migrations


def seed_roles(apps, schema_editor):
    from jiedu.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for spec in DEFAULT_ROLES:
        Role.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "permissions": sorted(spec["permissions"]),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
