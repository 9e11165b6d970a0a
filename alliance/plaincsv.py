"""Cut CSV text without quotes into columns by splitting it, as csv.reader would read it."""

import csv
from itertools import repeat

# Only its quote makes csv.reader do more than split lines at \r, \n or \r\n and cells at the
# delimiter; str.splitlines also splits at these, which csv.reader keeps inside a cell.
NOT_PLAIN = '"\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029'


def plain_lines(text: str) -> list[str] | None:
    """Return the lines of `text` if csv.reader would read each as one row, else None."""
    if any(character in text for character in NOT_PLAIN):
        return None
    lines = text.splitlines()
    if max(map(len, lines), default=0) > csv.field_size_limit():
        return None  # csv.reader refuses so long a cell: let it say so
    return lines


def plain_columns(lines: list[str], delimiter: str) -> list[list[str]] | None:
    """Return the columns of lines that all hold the same number (2 or more) of cells.

    Returns None when some line holds another number of cells, a blank line included
    (csv.reader makes it an empty row, not a row of one empty cell).
    """
    if not lines:
        return None
    width = lines[0].count(delimiter) + 1
    if width < 2 or list(map(str.count, lines, repeat(delimiter))).count(width - 1) < len(lines):
        return None
    cells = delimiter.join(lines).split(delimiter)  # each line's cells, one line after another
    return [cells[index::width] for index in range(width)]
