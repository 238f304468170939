from django.db import migrations


def reseed_roles(apps, schema_editor):
    # The default roles gain the centres and evaluations permissions (issue 4).
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
    dependencies = [("accounts", "0003_roles_measures_facilities")]
    operations = [migrations.RunPython(reseed_roles, migrations.RunPython.noop)]
