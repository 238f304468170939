from django.db import migrations


def reseed_roles(apps, schema_editor):
    # The default roles gain the aftercare, analytics and import permissions (issue 6).
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
    dependencies = [("accounts", "0005_roles_community")]
    operations = [migrations.RunPython(reseed_roles, migrations.RunPython.noop)]
