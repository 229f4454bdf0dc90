"""Store the photos kept before uploads were stripped again, without EXIF, GPS, XMP or other metadata."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from pledges.equipment.models import OfferPhoto
from pledges.equipment.photos import strip_stored
from pledges.history.services import writing
from pledges.logistics.models import ReceiptConfirmation


class Command(BaseCommand):
    help = (
        "Re-store every offer and receipt photo that still carries metadata (a GPS position, the device) "
        "from its pixels alone, turned upright. Safe to rerun: a bare photo is left as it is."
    )

    def handle(self, *args, **options) -> None:
        stripped = 0
        rows = [
            *((photo, "image", photo.content_type) for photo in OfferPhoto.objects.order_by("pk")),
            *(
                (receipt, "photo", receipt.photo_content_type)
                for receipt in ReceiptConfirmation.objects.exclude(photo="").order_by("pk")
            ),
        ]
        for row, field, content_type in rows:
            stored = getattr(row, field)
            try:
                with writing():
                    old = strip_stored(row, field, content_type)
                    if old is None:
                        continue
                    try:
                        row.save(update_fields=[field])
                    except BaseException:
                        stored.storage.delete(stored.name)
                        raise
            except (ValidationError, OSError):  # damaged or missing: say so, go on
                self.stderr.write(f"{row._meta.verbose_name} {row.pk}: {stored.name} is not a readable photo; left as it is.")
                continue
            # The old file goes once the row names the new one for good.
            stored.storage.delete(old)
            stripped += 1
        self.stdout.write(self.style.SUCCESS(f"{stripped} photo(s) stored again without metadata; the others were bare."))
