# The premium tier charged 3 credits a page for standard's output: it is withdrawn until the
# model tier exists, and parsers that chose it run (and are charged) as standard.

from django.db import migrations, models


def premium_to_standard(apps, schema_editor):
    Parser = apps.get_model("parsers", "Parser")
    Parser.objects.filter(tier="premium").update(tier="standard")


class Migration(migrations.Migration):
    dependencies = [
        ("parsers", "0002_schema_keeps_field_order"),
    ]

    operations = [
        migrations.RunPython(premium_to_standard, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalparser",
            name="tier",
            field=models.CharField(
                choices=[("standard", "Standard")], default="standard", max_length=20
            ),
        ),
        migrations.AlterField(
            model_name="parser",
            name="tier",
            field=models.CharField(
                choices=[("standard", "Standard")], default="standard", max_length=20
            ),
        ),
    ]
