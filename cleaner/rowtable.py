"""Rows of numbers keyed by string in one numpy array, filled as keys come (per-process caches)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike


class RowTable:
    """A row of numbers per key met, in ``array`` (which doubles its room when full).

    ``clear`` forgets the keys; their rows are then reused from 0 without reallocating.
    """

    def __init__(self, dtype: DTypeLike = np.float64) -> None:
        self.rows: dict[str, int] = {}
        self.array: np.ndarray = np.zeros((0, 0), dtype=dtype)

    def add(self, key: str, values: Sequence[float]) -> int:
        """Store the row of a key not met before; its row number."""
        row = len(self.rows)
        if row == len(self.array):  # full: double the room
            grown = np.zeros((max(1024, 2 * row), len(values)), dtype=self.array.dtype)
            if row:
                grown[:row] = self.array
            self.array = grown
        self.array[row] = values
        self.rows[key] = row
        return row

    def clear(self) -> None:
        """Forget every key (rows start again from 0)."""
        self.rows.clear()
