"""Read queries whose SQL is compiled once per process, not on every request.

Building and compiling a queryset costs the public pages more than running it: a project card
query takes about a millisecond to compile and a fraction of that in PostgreSQL. A
`PreparedQuery` wraps a function that builds a `values_list()` queryset from named arguments. The
first run for a given shape (the database, the length of each list argument, the value of each
flag) builds it with stand-in values, compiles it, and notes where each stand-in landed among the
SQL's parameters. Later runs put their own values in those places and send the same SQL; Django's
own compiler still converts the rows, so they are exactly what the queryset would return.

Arguments are ints, strings and datetimes (or lists of them), which a stand-in can take the
place of, and bools and None, which are part of the shape. When a stand-in cannot be traced (a
lookup rewrote it, or it ended up in the SQL text rather than the parameters, as SQLite's
datetimes do), that shape is never prepared: the queryset is built and run each time, as usual.

A build function must read nothing but its arguments: a value it takes from elsewhere (the
time, a setting) would be frozen into the prepared SQL.
"""

import datetime
from collections.abc import Callable
from itertools import count

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet, Value

_UNPREPARABLE = object()
# Values no real argument takes, yet within every integer column's range: Django knows that a
# negative number matches no row of a positive integer field, and compiles no query for it.
_stand_ins = count(start=2_000_000_000, step=7)


def _stand_in(value):
    number = next(_stand_ins)
    if isinstance(value, bool) or value is None:
        raise TypeError
    if isinstance(value, int):
        return number
    if isinstance(value, str):
        return f"\x1fprepared{number}\x1f"
    if isinstance(value, datetime.datetime):
        # A moment early in 1900 (aware when the value is): no query is asked about it.
        return datetime.datetime(1900, 1, 1, tzinfo=value.tzinfo) + datetime.timedelta(
            microseconds=number
        )
    raise TypeError


class PreparedQuery:
    """`build(**arguments)` (a values_list() queryset of `model`), compiled once per shape."""

    def __init__(self, model, build: Callable[..., QuerySet]):
        self._model = model
        self._build = build
        self._shapes = {}

    def rows(self, *, fixed: dict | None = None, **arguments) -> list[tuple]:
        """The queryset's rows, as list(build(**fixed, **arguments)) would give them. `fixed`
        arguments are part of the shape, as they are (slice bounds, say, which end up in the
        SQL text)."""
        fixed = fixed or {}
        connection = connections[router.db_for_read(self._model)]
        # Per connection: Django keeps one per thread, and a compiler converts rows with its own.
        key = (id(connection), tuple(sorted(fixed.items())), *self._shape(arguments))
        shape = self._shapes.get(key)
        if shape is None or (shape is not _UNPREPARABLE and shape[3].connection is not connection):
            shape = self._shapes[key] = self._prepare(connection, fixed, arguments)
        if shape is _UNPREPARABLE:
            return list(self._build(**fixed, **arguments))
        sql, template, places, compiler, converters = shape
        params = list(template)
        for position, (name, index) in places.items():
            value = arguments[name]
            params[position] = value if index is None else value[index]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        # As compiler.results_iter converts them, with the converters it would look up each time.
        if converters:
            return [tuple(row) for row in compiler.apply_converters(fetched, converters)]
        return [tuple(row) for row in fetched]

    @staticmethod
    def _shape(arguments) -> tuple:
        shape = []
        for name in sorted(arguments):
            value = arguments[name]
            if isinstance(value, list | tuple):
                shape.append((name, "list", len(value)))
            elif isinstance(value, bool) or value is None:
                shape.append((name, "value", value))
            else:
                shape.append((name, type(value).__name__))
        return tuple(shape)

    def _prepare(self, connection, fixed, arguments):
        stand_ins, where = {}, {}
        try:
            for name, value in arguments.items():
                if isinstance(value, list | tuple):
                    stand_ins[name] = [_stand_in(item) for item in value]
                    where.update({v: (name, i) for i, v in enumerate(stand_ins[name])})
                elif isinstance(value, bool) or value is None:
                    stand_ins[name] = value
                else:
                    stand_ins[name] = _stand_in(value)
                    where[stand_ins[name]] = (name, None)
        except TypeError:
            return _UNPREPARABLE
        compiler = self._build(**fixed, **stand_ins).query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty list for an __in lookup, say: the ORM knows what to do
            return _UNPREPARABLE
        places = {}
        for position, param in enumerate(params):
            if (
                isinstance(param, int | str | datetime.datetime)
                and not isinstance(param, bool)
                and param in where
            ):
                places[position] = where[param]
        # Every stand-in must be a parameter of its own, untouched, and nowhere in the SQL text.
        if set(places.values()) != set(where.values()) or any(str(v) in sql for v in where):
            return _UNPREPARABLE
        columns = [selected[0] for selected in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(columns):  # rows that results_iter regroups
            return _UNPREPARABLE
        return sql, tuple(params), places, compiler, compiler.get_converters(columns)


def over_all_rows(queryset: QuerySet) -> QuerySet:
    """The queryset grouped as one: annotate it with aggregates and take values_list() for what
    aggregate() gives (a dict, which cannot be prepared). Grouped by a constant, the rows form a
    single group, so there is one row of results even when no row matches."""
    return queryset.order_by().annotate(over_all_rows=Value(1)).values("over_all_rows")
