"""Adding a batch's figures to roll-up rows in one statement per table, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Text, bindparam, cast, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


class Sums:
    """Figures keyed like a roll-up table's primary key, to be added to what the table holds."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.rows: dict[tuple, dict[str, object]] = defaultdict(dict)

    def add(self, key: tuple, **counts: int) -> None:
        row = self.rows[key]
        for name, value in counts.items():
            row[name] = row.get(name, 0) + value

    def extend(self, key: tuple, *, earliest: dict[str, datetime] | None = None,
               latest: dict[str, datetime] | None = None) -> None:
        row = self.rows[key]
        for name, value in (earliest or {}).items():
            row[name] = min(row.get(name, value), value)
        for name, value in (latest or {}).items():
            row[name] = max(row.get(name, value), value)

    def values(self) -> Iterable[dict]:
        return [dict(zip(self.keys, key, strict=True), **row) for key, row in self.rows.items()]


def add_to(session: Session, model, sums: Sums, earliest: tuple[str, ...] = (), latest: tuple[str, ...] = ()) -> None:
    """Insert new keys, add to existing ones; ``earliest``/``latest`` columns keep the min/max.

    On PostgreSQL the rows travel as one JSON text in a single statement, so a batch's thousands
    of keys cost one statement, not one each.
    """
    values = sums.values()
    if not values:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql if postgres else sqlite).insert(model)
    least, greatest = (func.least, func.greatest) if postgres else (func.min, func.max)
    table = model.__table__
    counted = [name for name in values[0] if name not in sums.keys and name not in earliest + latest]
    update = {name: table.c[name] + insert.excluded[name] for name in counted}
    update.update({name: least(table.c[name], insert.excluded[name]) for name in earliest})
    update.update({name: greatest(table.c[name], insert.excluded[name]) for name in latest})
    if postgres:
        insert = _from_json(insert, table, values)
        session.execute(insert.on_conflict_do_update(index_elements=list(sums.keys), set_=update))
        return
    session.execute(insert.on_conflict_do_update(index_elements=list(sums.keys), set_=update), values)


def _from_json(insert, table, values: list[dict]):
    """``INSERT ... SELECT * FROM json_to_recordset(:rows)``: the rows as one JSON text, which
    PostgreSQL parses faster than a driver binds thousands of parameters."""
    names = list(values[0])
    rows = bindparam("rows", json.dumps(values, default=str), type_=Text)
    source = func.json_to_recordset(cast(rows, postgresql.JSON)).table_valued(
        *(column(name, table.c[name].type) for name in names)).render_derived(with_types=True)
    return insert.from_select(names, select(*(source.c[name] for name in names)))


def month_of(day: date) -> date:
    return day.replace(day=1)
