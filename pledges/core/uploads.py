"""Uploads are capped while they arrive, before their bytes reach the disk.

Django's own upload handlers keep a file in memory (up to FILE_UPLOAD_MAX_MEMORY_SIZE) or write
it to a temporary file whatever its size, and only then does a form look at its size.
`CappedUploadHandler` runs before them (FILE_UPLOAD_HANDLERS in fonds/settings.py):

- a request whose body is larger than UPLOAD_MAX_BYTES is refused before it is read
  (`UploadTooLarge`, a RequestDataTooBig: the 400 page says why, in the user's language);
- of each file, at most the largest size any form accepts (`file_cap()`: a bank statement, a
  photo) reaches the handlers after it; the rest is read and counted but kept nowhere, and the
  form receives an `OversizedUpload`: no content, the size that was sent, which every upload
  field refuses with its own message ("larger than 5 MB", "larger than 10 MB").
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from pledges.core.fields import PHOTO_MAX_BYTES


class UploadTooLarge(RequestDataTooBig):
    """The whole request is larger than UPLOAD_MAX_BYTES."""


class OversizedUpload(UploadedFile):
    """A file larger than any form accepts: its name and the size sent, none of its bytes."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)


def file_cap() -> int:
    """The largest file any form of the ledger accepts."""
    return max(PHOTO_MAX_BYTES, settings.BANK_STATEMENT_MAX_BYTES)


class CappedUploadHandler(FileUploadHandler):
    """The first upload handler: refuses a too large request, stops passing a file on at the cap."""

    def __init__(self, request=None):
        super().__init__(request)
        self.cap = file_cap()
        self.received, self.cut = 0, False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_BYTES:
            raise UploadTooLarge(f"A request of {content_length} bytes, over UPLOAD_MAX_BYTES.")

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received, self.cut = 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if not self.cut and self.received > self.cap:
            self.cut = True
            # What the next handlers kept of this file so far goes too (the temporary file).
            for handler in self.request.upload_handlers if self.request else ():
                if handler is not self:
                    handler.upload_interrupted()
        return None if self.cut else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.cut:
            return OversizedUpload(self.file_name, self.content_type, self.received, self.charset)
        return None  # the next handlers' file
