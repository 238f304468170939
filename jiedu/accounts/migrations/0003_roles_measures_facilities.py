from django.db import migrations


def reseed_roles(apps, schema_editor):
    # The default roles gain the measures, facilities and rules permissions (issue 3).
    from jiedu.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for spec in DEFAULT_ROLES:
        Role.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "permissions": sorted(set(spec["permissions"])),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(reseed_roles, migrations.RunPython.noop)]
