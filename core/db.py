"""Database helpers the ORM has no public form for."""

from django.db import connection
from django.db.models import Model


def insert_once(obj: Model, *, unique: str) -> bool:
    """Insert ``obj`` unless a row with the same ``unique`` field exists; True (and ``obj.pk`` set) if it was new.

    ``INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id`` (PostgreSQL, SQLite ≥ 3.35): one statement,
    no savepoint, and a conflict leaves the caller's transaction usable. The ORM has no public insert that may
    do nothing and still returns the id (``bulk_create(ignore_conflicts=True)`` returns none).
    """
    meta = obj._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(meta.get_field(unique).column)}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields])
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    return True
