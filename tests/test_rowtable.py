"""RowTable: rows keyed by string in one growing numpy array."""

from __future__ import annotations

import numpy as np

from cleaner.rowtable import RowTable


def test_rows_survive_growth_and_clear_reuses_them() -> None:
    table = RowTable(np.intp)
    rows = [table.add(f"key{k}", (k, -k)) for k in range(1500)]  # past the first 1024 rows
    assert rows == list(range(1500))
    assert table.array.dtype == np.intp
    assert table.array[table.rows["key1234"]].tolist() == [1234, -1234]
    room = len(table.array)
    table.clear()
    assert table.add("new", (7, 8)) == 0
    assert table.array[0].tolist() == [7, 8]
    assert len(table.array) == room
