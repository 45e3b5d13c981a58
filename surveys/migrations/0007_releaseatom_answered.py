# Each release keeps its atoms' answered counts per measure (issue 4, item non-response audited
# by default): a later release of the survey audits each measure with exact counts instead of
# pooled totals. Same table, so row-level security is unchanged.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_resultcell_plain_release_references'),
    ]

    operations = [
        migrations.AddField(
            model_name='releaseatom',
            name='answered',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
