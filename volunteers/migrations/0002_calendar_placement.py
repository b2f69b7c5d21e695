import secrets

from django.db import migrations, models

import volunteers.models.profiles


def give_each_profile_a_calendar_token(apps, schema_editor):
    VolunteerProfile = apps.get_model("volunteers", "VolunteerProfile")
    for profile in VolunteerProfile.objects.filter(calendar_token__isnull=True).only("pk"):
        profile.calendar_token = secrets.token_urlsafe(24)
        profile.save(update_fields=["calendar_token"])


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="volunteerprofile",
            name="open_to_placement",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Coordinators may propose you for shifts that fit your skills and "
                    "availability; you are told before anything is confirmed."
                ),
                verbose_name="open to being placed",
            ),
        ),
        migrations.AddField(
            model_name="volunteerprofile",
            name="calendar_token",
            field=models.CharField(max_length=40, null=True, editable=False),
        ),
        migrations.RunPython(give_each_profile_a_calendar_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="volunteerprofile",
            name="calendar_token",
            field=models.CharField(
                default=volunteers.models.profiles._calendar_token,
                editable=False,
                max_length=40,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="shiftsignup",
            name="reminder_sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reminder sent at"),
        ),
    ]
