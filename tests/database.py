"""What makes a transactional test (the browser tests, the races) cheap to clean up after.

Such a test ends with Django's flush, which empties every table; the next test that needs the
municipalities and the appeal loads them again. Both were the bulk of a browser test's cost on
PostgreSQL (~1.5 s a test on CI's machine), so the tests do each in a cheaper way that leaves
the same database:

- `deleting_flush()`: on PostgreSQL, flush deletes the rows where Django truncates the tables.
  A TRUNCATE of ~45 tables makes new files for each table and index and scans the shared
  buffers once per file; deleting the few rows a test wrote costs some milliseconds. Like
  TRUNCATE, it fires no row triggers and checks no foreign key (session_replication_role,
  for this transaction only), so it needs a superuser, as CI's `postgres` is; for anyone else
  the flush stays Django's. A flush that resets the sequences or cascades stays Django's too.
- `ReferenceRows`: the reference data as loaded once per run, written back in one insert per
  table into the emptied tables, with the same ids, rather than loaded anew row by row.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations

from pledges.models import Appeal, Destination, Municipality

REFERENCE_MODELS = (Municipality, Destination, Appeal)


@contextmanager
def deleting_flush() -> Iterator[None]:
    if connection.vendor != "postgresql" or not _is_superuser():
        yield
        return
    truncating = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncating(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # SET LOCAL lasts until the transaction ends: set back at the end, for a flush in a savepoint.
        return [
            "SET LOCAL session_replication_role = replica;",
            *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables),
            "SET LOCAL session_replication_role = origin;",
        ]

    DatabaseOperations.sql_flush = sql_flush
    try:
        yield
    finally:
        DatabaseOperations.sql_flush = truncating


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return cursor.fetchone()[0] == "on"


class ReferenceRows:
    """The reference tables' rows, kept to be written back after a flush emptied them."""

    def __init__(self) -> None:
        self.rows = {model: list(model.objects.values()) for model in REFERENCE_MODELS}

    def restore(self) -> bool:
        """Write the rows back if every reference table is empty; False (nothing written) otherwise."""
        if any(model.objects.exists() for model in REFERENCE_MODELS):
            return False
        for model, rows in self.rows.items():
            model.objects.bulk_create(model(**row) for row in rows)
        return True
