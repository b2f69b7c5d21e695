from django.db import migrations

# The codes as they were when this migration was written; a later change to the list adds
# its own migration.
CODES = [
    "subsistence_allowance",
    "extremely_poor",
    "orphans",
    "disabilities",
    "left_behind_children",
    "left_behind_elderly",
    "disaster_victims",
    "epidemic_response",
    "other",
]


def create_groups(apps, schema_editor):
    BeneficiaryGroup = apps.get_model("charity", "BeneficiaryGroup")
    for code in CODES:
        BeneficiaryGroup.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("charity", "0002_projects")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
