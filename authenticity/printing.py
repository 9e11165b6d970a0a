"""Printable label sheets: QR codes of the verification address, title and code under each."""

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

import segno

from authenticity import labels

COLUMNS = 4
CELL_W = 50  # millimetres: four labels across an A4 sheet (210 mm) with margins
CELL_H = 62
MARGIN = 5
QR_SIZE = 38
SHEET_SIZE = 500  # labels in one downloadable sheet


def sheet_svg(title: str, rows: Iterable[tuple[int, str]], url_of) -> Iterator[str]:
    """Yield an SVG sheet of labels: for each (serial, code) a QR code, the title and the code."""
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
            f'text-anchor="middle">{escape(labels.group(code))}</text>'
            f'<text x="{CELL_W / 2}" y="{QR_SIZE + 16.5}" font-size="2.4" fill="#555" '
            f'text-anchor="middle">No. {serial}</text>'
            "</g>\n"
        )
    yield "</svg>\n"


def _qr(url: str) -> str:
    """Return the QR code of `url` as an SVG fragment QR_SIZE millimetres wide."""
    qr = segno.make(url, error="m", micro=False)
    modules = qr.symbol_size(scale=1, border=2)[0]
    scale = QR_SIZE / modules
    return qr.svg_inline(scale=scale, border=2, dark="#000", light="#fff", omitsize=False)
