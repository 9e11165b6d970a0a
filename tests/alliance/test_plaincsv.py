"""CSV text without quotes is cut into the rows and cells that csv.reader finds in it."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.plaincsv import plain_columns, plain_lines

TEXT = st.text(
    st.sampled_from([",", ";", "\t", "\r", "\n", " ", "a", "书", "\u200b", "\x0b", "\u2028", '"'])
)


@given(TEXT, st.sampled_from([",", ";", "\t"]))
@settings(max_examples=500)
def test_lines_are_the_rows_csv_reads_or_none(text, delimiter):
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    lines = plain_lines(text)
    if lines is None:
        assert any(character in text for character in '"\x0b\u2028')
        return
    assert [line.split(delimiter) if line else [] for line in lines] == rows
    columns = plain_columns(lines, delimiter)
    if columns is not None:  # all rows alike: the columns are the rows turned over
        assert [list(column) for column in zip(*rows, strict=True)] == columns


def test_lines_of_other_widths_or_blank_ones_are_not_cut():
    assert plain_columns(["a,b", "c,d"], ",") == [["a", "c"], ["b", "d"]]
    assert plain_columns(["a,b", "c"], ",") is None
    assert plain_columns(["a,b", ""], ",") is None
    assert plain_columns(["a", "b"], ",") is None  # one cell a row: a blank line would pass
