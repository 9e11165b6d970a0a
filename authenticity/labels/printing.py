"""Printable label sheets: QR codes of the verification address, title and code under each."""

import zlib
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

import segno

from authenticity.labels import codes

COLUMNS = 4
CELL_W = 50  # millimetres: four labels across an A4 sheet (210 mm) with margins
CELL_H = 62
MARGIN = 5
QR_SIZE = 38
SHEET_SIZE = 500  # labels in one downloadable sheet


def sheet_svg(title: str, rows: Iterable[tuple[int, str]], url_of) -> str:
    """Return an SVG sheet of labels: for each (serial, code) a QR code, the title and the code."""
    return "".join(_svg_parts(title, rows, url_of))


def _svg_parts(title: str, rows: Iterable[tuple[int, str]], url_of) -> Iterator[str]:
    items = list(rows)
    lines = max(1, -(-len(items) // COLUMNS))
    width = COLUMNS * CELL_W + 2 * MARGIN
    height = lines * CELL_H + 2 * MARGIN
    shown_title = escape(title if len(title) <= 24 else title[:23] + "…")
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">\n'
    )
    for index, (serial, code) in enumerate(items):
        x = MARGIN + (index % COLUMNS) * CELL_W
        y = MARGIN + (index // COLUMNS) * CELL_H
        yield (
            f'<g transform="translate({x},{y})">'
            f'<rect x="0.5" y="0.5" width="{CELL_W - 1}" height="{CELL_H - 1}" fill="none" '
            'stroke="#999" stroke-width="0.2" stroke-dasharray="1,1"/>'
            f'<g transform="translate({(CELL_W - QR_SIZE) / 2},2)">{_qr(url_of(code))}</g>'
            f'<text x="{CELL_W / 2}" y="{QR_SIZE + 7}" font-size="3.2" '
            f'text-anchor="middle">{shown_title}</text>'
            f'<text x="{CELL_W / 2}" y="{QR_SIZE + 12}" font-size="3.1" font-family="monospace" '
            f'text-anchor="middle">{escape(codes.group(code))}</text>'
            f'<text x="{CELL_W / 2}" y="{QR_SIZE + 16.5}" font-size="2.4" fill="#555" '
            f'text-anchor="middle">No. {serial}</text>'
            "</g>\n"
        )
    yield "</svg>\n"


def _symbol(url: str):
    """Return the QR code of `url` (error correction M, about 15%), as both sheets print it."""
    return segno.make(url, error="m", micro=False)


def _qr(url: str) -> str:
    """Return the QR code of `url` as an SVG fragment QR_SIZE millimetres wide."""
    qr = _symbol(url)
    modules = qr.symbol_size(scale=1, border=2)[0]
    scale = QR_SIZE / modules
    return qr.svg_inline(scale=scale, border=2, dark="#000", light="#fff", omitsize=False)


# The PDF sheet: A4 pages of 4 x 4 labels, drawn with fonts every PDF reader has, so nothing
# is embedded: Courier for the code and the number, and Adobe's STSong-Light (Simplified
# Chinese, encoding UniGB-UTF16-H) for the title, written in full-width forms so that every
# character is one em wide and the title can be centred without the font's metrics.
PAGE_W, PAGE_H = 210, 297  # millimetres
ROWS_PER_PAGE = 4
POINTS = 72 / 25.4  # PDF points in a millimetre
TEXT_WIDTH = CELL_W - 4  # millimetres of a label that text may use
EMS = {"F1": 0.6, "F2": 1.0}  # the width of every character of each font, in ems
_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}
FONTS = (  # objects 3 to 6 of the file: F1 is object 3, F2 object 4
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
    b"/DescendantFonts [5 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
    b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 /FontDescriptor 6 0 R >>",
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
    b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
)


def sheet_pdf(title: str, rows: Iterable[tuple[int, str]], url_of) -> bytes:
    """Return a PDF of A4 pages of labels: for each (serial, code) a QR code, title and code."""
    items = list(rows)
    per_page = COLUMNS * ROWS_PER_PAGE
    pages = [items[start : start + per_page] for start in range(0, len(items), per_page)]
    name_size, name = _fitted(title.translate(_FULL_WIDTH), "F2", 3.2)
    left = (PAGE_W - COLUMNS * CELL_W) / 2
    top = (PAGE_H - ROWS_PER_PAGE * CELL_H) / 2
    contents = []
    for page in pages or [[]]:
        # user space in millimetres from the top left corner of the page
        drawing = [f"{POINTS:.6f} 0 0 {-POINTS:.6f} 0 {PAGE_H * POINTS:.4f} cm"]
        for index, (serial, code) in enumerate(page):
            x = left + (index % COLUMNS) * CELL_W
            y = top + (index // COLUMNS) * CELL_H
            middle = x + CELL_W / 2
            code_size, grouped = _fitted(codes.group(code), "F1", 3.0)
            drawing += [
                f"q 0.6 G 0.2 w [1 1] 0 d {x + 0.5:.2f} {y + 0.5:.2f} {CELL_W - 1} "
                f"{CELL_H - 1} re S Q",
                _qr_pdf(url_of(code), x + (CELL_W - QR_SIZE) / 2, y + 2),
                _centred("F2", name_size, middle, y + QR_SIZE + 7, name),
                _centred("F1", code_size, middle, y + QR_SIZE + 12, grouped),
                _centred("F1", 2.4, middle, y + QR_SIZE + 16.5, f"No. {serial}", grey=True),
            ]  # fmt: skip
        contents.append(zlib.compress("\n".join(drawing).encode("ascii")))
    return _pdf_document(contents)


def _fitted(text: str, font: str, largest: float) -> tuple[float, str]:
    """Return the font size (at most `largest`, at least 2 mm) and `text`, cut to fit a label."""
    em = EMS[font]
    size = max(2.0, min(largest, TEXT_WIDTH / (em * max(len(text), 1))))
    fitting = int(TEXT_WIDTH / (em * size))
    return size, text if len(text) <= fitting else text[: fitting - 1] + "…"


def _centred(font: str, size: float, middle: float, y: float, text: str, grey=False) -> str:
    """Draw `text` centred on `middle`, its baseline at y, upright in the flipped space."""
    if font == "F2":  # STSong-Light, UniGB-UTF16-H: the text as UTF-16 in hexadecimal
        shown = "<" + text.encode("utf-16-be").hex().upper() + ">"
    else:  # Courier: a literal string, its delimiters escaped
        shown = "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    x = middle - len(text) * EMS[font] * size / 2
    colour = "0.33 g " if grey else "0 g "
    return f"BT {colour}/{font} {size:.2f} Tf 1 0 0 -1 {x:.2f} {y:.2f} Tm {shown} Tj ET"


def _qr_pdf(url: str, x: float, y: float) -> str:
    """Draw the QR code of `url`, QR_SIZE millimetres wide, as one rectangle per run of dark."""
    matrix = list(_symbol(url).matrix_iter(scale=1, border=2))
    module = QR_SIZE / len(matrix)
    runs = ["0 g"]
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            runs.append(
                f"{x + start * module:.3f} {y + row * module:.3f} "
                f"{(column - start) * module:.3f} {module:.3f} re"
            )
    return " ".join(runs) + " f"


def _pdf_document(contents: list[bytes]) -> bytes:
    """Write the PDF file: catalog, page tree, the two fonts, each page and its content."""
    first_page = 3 + len(FONTS)  # after the catalog, the page tree and the fonts
    pages = [first_page + 2 * index for index in range(len(contents))]
    media = f"[0 0 {PAGE_W * POINTS:.2f} {PAGE_H * POINTS:.2f}]".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % page for page in pages)
        + b"] /Count %d >>" % len(pages),
        *FONTS,
    ]  # fmt: skip
    for page, content in zip(pages, contents, strict=True):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox " + media
            + b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (page + 1)
        )  # fmt: skip
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content + b"\nendstream"
        )  # fmt: skip
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(document)
