"""What the recipient reported per item: an outcome and the units received (and its kind of Event).

Every confirmation made before meant "received in full": it gets that outcome and the
offer's quantity as the units received.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def received_in_full(apps, schema_editor):
    ReceiptConfirmation = apps.get_model("pledges", "ReceiptConfirmation")
    EquipmentOffer = apps.get_model("pledges", "EquipmentOffer")
    ReceiptConfirmation.objects.update(
        outcome="received",
        quantity_received=Subquery(EquipmentOffer.objects.filter(pk=OuterRef("offer_id")).values("quantity")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0021_shared_mailbox_and_user_municipality_message"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "created"), ("edited", "edited"), ("withdrawn", "withdrawn"),
                    ("status", "status changed"), ("shipment", "shipment changed"),
                    ("payment_matched", "payment matched"), ("payment_unmatched", "payment match undone"),
                    ("gift", "marked as gift without pledge"), ("gift_undone", "gift marking undone"),
                    ("named_publicly", "public naming changed"), ("payment_entered", "payment entered by hand"),
                    ("payment_voided", "payment entered by hand voided"),
                    ("payment_split", "bank line split over pledges"), ("split_undone", "split undone"),
                    ("overpayment_decided", "overpayment decided"), ("account_changed", "receiving account changed"),
                    ("reminders", "payment reminders paused or resumed"), ("written_off", "unpaid rest written off"),
                    ("receipt", "receipt reported"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="receiptconfirmation",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("received", "received in full"),
                    ("fewer", "fewer received"),
                    ("damaged", "arrived damaged"),
                    ("not_received", "not received"),
                ],
                default="received",
                max_length=12,
                verbose_name="outcome",
            ),
        ),
        migrations.AddField(
            model_name="receiptconfirmation",
            name="quantity_received",
            field=models.PositiveIntegerField(null=True, verbose_name="quantity received"),
        ),
        migrations.RunPython(received_in_full, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="receiptconfirmation",
            name="quantity_received",
            field=models.PositiveIntegerField(verbose_name="quantity received"),
        ),
        migrations.AddConstraint(
            model_name="receiptconfirmation",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome", "not_received"), _negated=True) | models.Q(("quantity_received", 0)),
                name="receipt_not_received_is_none",
            ),
        ),
        migrations.AddConstraint(
            model_name="receiptconfirmation",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome", "fewer"), _negated=True) | models.Q(("quantity_received__gt", 0)),
                name="receipt_fewer_is_some",
            ),
        ),
    ]
