"""Printable label sheets as PDF: a file any reader opens, whose QR codes and text are right."""

import io
import re

import segno
from pypdf import PdfReader

from authenticity.labels import codes as label_codes
from authenticity.labels import printing

URL = "https://books.example.org/verify/"


def _sheet(title="红楼梦", count=20):
    rows = [(serial, label_codes.new_code()) for serial in range(1, count + 1)]
    return rows, PdfReader(io.BytesIO(printing.sheet_pdf(title, rows, lambda code: URL + code)))


def _qr_codes(page) -> list[list[list[int]]]:
    """Each QR code drawn on the page, as a grid of dark (1) and light (0) modules."""
    drawing = page.get_contents().get_data().decode("latin-1")
    grids = []
    for boxes in re.findall(r"((?:\d+ \d+ \d+ 1 re ?)+) f", drawing):
        runs = [tuple(map(int, run.split())) for run in boxes.split(" re")[:-1]]
        size = max(row for _x, row, _w, _h in runs) + 3  # the light border is 2 modules wide
        grid = [[0] * size for _ in range(size)]
        for x, row, width, _height in runs:
            grid[row][x : x + width] = [1] * width
        grids.append(grid)
    return grids


def test_the_file_opens_with_a4_pages_of_sixteen_labels():
    _rows, pdf = _sheet(count=33)
    assert len(pdf.pages) == 3
    width, height = (float(side) for side in pdf.pages[0].mediabox.upper_right)
    assert (round(width, 1), round(height, 1)) == (595.3, 841.9)  # A4
    assert [len(_qr_codes(page)) for page in pdf.pages] == [16, 16, 1]
    assert pdf.metadata.title == "红楼梦"


def test_each_label_has_the_qr_code_of_its_address_and_its_code_and_number():
    rows, pdf = _sheet()
    page = pdf.pages[0]
    text = page.extract_text()
    for serial, code in rows[:16]:
        assert label_codes.group(code) in text and f"No. {serial}" in text
    for (_serial, code), drawn in zip(rows[:16], _qr_codes(page), strict=True):
        symbol = segno.make(URL + code, error="m", micro=False)
        assert drawn == [[int(dark) for dark in row] for row in symbol.matrix_iter(border=2)]


def test_chinese_titles_are_written_and_long_ones_cut_to_fit():
    _rows, pdf = _sheet(title="呐喊 Call", count=1)
    assert "呐喊 Call" in pdf.pages[0].extract_text()
    _rows, long = _sheet(title="很长的书名" * 10, count=1)
    shown = next(line for line in long.pages[0].extract_text().splitlines() if "书名" in line)
    assert shown.endswith("…") and len(shown) < 50


def test_hostile_titles_are_only_text():
    for title in ["<script>x</script>", "=cmd|' /C calc'!A0", ") Tj ET (x", "\\) Tj"]:
        _rows, pdf = _sheet(title=title, count=1)
        page = pdf.pages[0]
        assert title in page.extract_text()
        assert page.get_contents().get_data().count(b" Tj") == 3  # title, code, number
