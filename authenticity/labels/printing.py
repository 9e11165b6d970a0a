"""Printable label sheets: QR codes of the verification address, title and code under each."""

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from alliance import pdf
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
    import segno  # here: only label sheets need it

    return segno.make(url, error="m", micro=False)


def _qr(url: str) -> str:
    """Return the QR code of `url` as an SVG fragment QR_SIZE millimetres wide."""
    qr = _symbol(url)
    modules = qr.symbol_size(scale=1, border=2)[0]
    scale = QR_SIZE / modules
    return qr.svg_inline(scale=scale, border=2, dark="#000", light="#fff", omitsize=False)


# The PDF sheet: A4 pages of 4 x 4 labels (alliance.pdf: fonts every reader has, so nothing
# is embedded): STSong-Light for the title, Courier for the code and the number.
ROWS_PER_PAGE = 4
TEXT_WIDTH = CELL_W - 4  # millimetres of a label that text may use


def sheet_pdf(title: str, rows: Iterable[tuple[int, str]], url_of) -> bytes:
    """Return a PDF of A4 pages of labels: for each (serial, code) a QR code, title and code."""
    items = list(rows)
    per_page = COLUMNS * ROWS_PER_PAGE
    document = pdf.Document(title)
    name_size, name = pdf.fitted(title, pdf.CHINESE, 3.2, TEXT_WIDTH)
    left = (pdf.PAGE_W - COLUMNS * CELL_W) / 2
    top = (pdf.PAGE_H - ROWS_PER_PAGE * CELL_H) / 2
    for index, (serial, code) in enumerate(items):
        if index and not index % per_page:
            document.next_page()
        place = index % per_page
        x = left + (place % COLUMNS) * CELL_W
        y = top + (place // COLUMNS) * CELL_H
        middle = x + CELL_W / 2
        code_size, grouped = pdf.fitted(codes.group(code), pdf.MONO, 3.0, TEXT_WIDTH)
        document.dashed_box(x + 0.5, y + 0.5, CELL_W - 1, CELL_H - 1)
        matrix = _symbol(url_of(code)).matrix_iter(scale=1, border=2)
        document.modules(matrix, x + (CELL_W - QR_SIZE) / 2, y + 2, QR_SIZE)
        document.centred(name, pdf.CHINESE, name_size, middle, y + QR_SIZE + 7)
        document.centred(grouped, pdf.MONO, code_size, middle, y + QR_SIZE + 12)
        document.centred(f"No. {serial}", pdf.MONO, 2.4, middle, y + QR_SIZE + 16.5, grey=True)
    return document.finish()
