# ResultCell's organisation and release become plain ids to the database (issue 4, release
# under 10 s): see ResultCell in surveys/models/results.py. Row-level security is unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0005_answer_references'),
        ('tenancy', '0003_remove_membership_membership_school_matches_role_and_more'),
    ]

    operations = [
        migrations.AlterField(
            model_name='resultcell',
            name='organisation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organisation'),
        ),
        migrations.AlterField(
            model_name='resultcell',
            name='release',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='cells', to='surveys.release'),
        ),
    ]
