"""Printable label sheets as PDF: a well-formed file whose QR codes and text are the labels'."""

import re
import zlib

import segno

from authenticity.labels import codes as label_codes
from authenticity.labels import printing

URL = "https://books.example.org/verify/"


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {
        int(number): body for number, body in re.findall(rb"(\d+) 0 obj\n(.*?)\nendobj", pdf, re.S)
    }


def _pages(pdf: bytes) -> list[str]:
    """The drawing of each page, decompressed, in page order."""
    objects = _objects(pdf)
    kids = re.search(rb"/Kids \[([^\]]*)\]", objects[2]).group(1)
    drawings = []
    for page in map(int, re.findall(rb"(\d+) 0 R", kids)):
        content = int(re.search(rb"/Contents (\d+) 0 R", objects[page]).group(1))
        stream = re.search(rb"stream\n(.*)\nendstream", objects[content], re.S).group(1)
        drawings.append(zlib.decompress(stream).decode("ascii"))
    return drawings


def _sheet(title="红楼梦", count=20):
    rows = [(serial, label_codes.new_code()) for serial in range(1, count + 1)]
    return rows, printing.sheet_pdf(title, rows, lambda code: URL + code)


def test_the_file_is_well_formed_and_its_cross_references_are_right():
    _rows, pdf = _sheet(count=33)
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    start = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[start:].startswith(b"xref\n0 ")
    offsets = [int(line[:10]) for line in pdf[start:].split(b"\n")[3:] if line.endswith(b" n ")]
    assert offsets and all(
        pdf[offset:].startswith(b"%d 0 obj" % n) for n, offset in enumerate(offsets, 1)
    )
    assert b"/Count 3 >>" in pdf and len(_pages(pdf)) == 3  # 16 labels a page
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4


def test_each_label_has_the_qr_code_of_its_address_and_its_code_and_number():
    rows, pdf = _sheet()
    first_page = _pages(pdf)[0]
    serial, code = rows[0]
    assert f"({label_codes.group(code)}) Tj" in first_page and f"(No. {serial}) Tj" in first_page
    # the first QR code's dark runs, put back on a grid, are the code of the label's address
    qr = segno.make(URL + code, error="m", micro=False)
    expected = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    module = printing.QR_SIZE / len(expected)
    origin_x = (printing.PAGE_W - printing.COLUMNS * printing.CELL_W) / 2
    origin_x += (printing.CELL_W - printing.QR_SIZE) / 2
    origin_y = (printing.PAGE_H - printing.ROWS_PER_PAGE * printing.CELL_H) / 2 + 2
    grid = [[0] * len(expected) for _ in expected]
    drawn = first_page.split("0 g ", 1)[1].split(" f", 1)[0]
    for run in drawn.split(" re")[:-1]:
        x, y, width, height = map(float, run.split())
        assert abs(height - module) < 0.001
        row, column = round((y - origin_y) / module), round((x - origin_x) / module)
        for step in range(round(width / module)):
            grid[row][column + step] = 1
    assert grid == expected


def test_the_title_is_written_full_width_and_cut_to_fit():
    _rows, pdf = _sheet(title="呐喊 Call")
    page = _pages(pdf)[0]
    assert "<" + "呐喊\u3000Ｃａｌｌ".encode("utf-16-be").hex().upper() + "> Tj" in page
    _rows, long = _sheet(title="很长的书名" * 10)
    shown = re.search(r"/F2 ([\d.]+) Tf .*? <([0-9A-F]+)> Tj", _pages(long)[0]).groups()
    text = bytes.fromhex(shown[1]).decode("utf-16-be")
    assert text.endswith("…") and len(text) * float(shown[0]) <= printing.TEXT_WIDTH + 0.01


def test_hostile_titles_cannot_break_out_of_the_text():
    for title in ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", ") Tj ET (x", "\\) Tj"]:
        _rows, pdf = _sheet(title=title, count=1)
        page = _pages(pdf)[0]
        assert page.count(" Tj") == 3 and "script" not in page and "calc" not in page
