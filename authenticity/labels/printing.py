"""Printable label sheets: QR codes of the verification address, title and code under each."""

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from alliance import pdf
from authenticity.labels import codes

COLUMNS = 4
CELL_W = 50  # millimetres: four labels across an A4 sheet (210 mm) with margins
CELL_H = 62
MARGIN = 5
QR_SIZE = 38  # millimetres, the quiet zone included
QR_TOP = 2  # millimetres from the label's top edge (its cut line) to the QR code's quiet zone
QUIET_ZONE = 4  # light modules round each code, as ISO/IEC 18004 asks (scanners need them)
TEXT_WIDTH = CELL_W - 4  # millimetres of a label that text may use
TITLE_SIZE, CODE_SIZE, NUMBER_SIZE = 3.2, 3.0, 2.4  # largest text sizes, millimetres
SHEET_SIZE = 500  # labels in one downloadable sheet
SANS_FAMILIES = "DejaVu Sans, Noto Sans CJK SC, sans-serif"  # the PDF's fonts first
MONO_FAMILIES = "DejaVu Sans Mono, monospace"
CUT_LINE = 'stroke="#999" stroke-width="0.2" stroke-dasharray="1,1"'


def _symbol(url: str):
    """Return the QR code of `url` (error correction M, about 15%), as both sheets print it."""
    import segno  # here: only label sheets need it

    return segno.make(url, error="m", micro=False)


def _cut_positions(rows: int, left: float, top: float):
    """Return the x and y of the cut lines shared by a grid of `rows` lines of labels."""
    xs = [left + column * CELL_W for column in range(COLUMNS + 1)]
    ys = [top + row * CELL_H for row in range(rows + 1)]
    return xs, ys


def sheet_svg(title: str, rows: Iterable[tuple[int, str]], url_of) -> str:
    """Return an SVG sheet of labels: for each (serial, code) a QR code, the title and the code."""
    return "".join(_svg_parts(title, rows, url_of))


def _svg_text(text: str, font: str, families: str, largest: float, x: float, y: float,
              extra: str = "") -> str:  # fmt: skip
    """Return an SVG text fitted to TEXT_WIDTH by `font`'s metrics, as the PDF fits it.

    textLength holds it to that width whichever font the reader's renderer picks.
    """
    size, shown = pdf.fitted(text, font, largest, TEXT_WIDTH)
    length = pdf.width(shown, font, size)
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size:.3f}" font-family={quoteattr(families)} '
        f'text-anchor="middle" textLength="{length:.3f}" lengthAdjust="spacingAndGlyphs"'
        f"{extra}>{escape(shown)}</text>"
    )


def _svg_parts(title: str, rows: Iterable[tuple[int, str]], url_of) -> Iterator[str]:
    items = list(rows)
    lines = max(1, -(-len(items) // COLUMNS))
    width = COLUMNS * CELL_W + 2 * MARGIN
    height = lines * CELL_H + 2 * MARGIN
    # Measured with the PDF's fonts (STSong-Light's metrics for Chinese: nothing to load).
    title_font = pdf.SANS if pdf.latin(title) else pdf.CHINESE
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}">\n'
    )
    xs, ys = _cut_positions(lines, MARGIN, MARGIN)
    yield (
        f'<g {CUT_LINE} fill="none">'
        + "".join(f'<line x1="{x}" y1="{ys[0]}" x2="{x}" y2="{ys[-1]}"/>' for x in xs)
        + "".join(f'<line x1="{xs[0]}" y1="{y}" x2="{xs[-1]}" y2="{y}"/>' for y in ys)
        + "</g>\n"
    )
    middle = CELL_W / 2
    title_text = _svg_text(title, title_font, SANS_FAMILIES, TITLE_SIZE, middle, QR_SIZE + 7)
    for index, (serial, code) in enumerate(items):
        x = MARGIN + (index % COLUMNS) * CELL_W
        y = MARGIN + (index // COLUMNS) * CELL_H
        grouped = _svg_text(codes.group(code), pdf.MONO, MONO_FAMILIES, CODE_SIZE, middle,
                            QR_SIZE + 12)  # fmt: skip
        number = _svg_text(f"No. {serial}", pdf.MONO, MONO_FAMILIES, NUMBER_SIZE, middle,
                           QR_SIZE + 16.5, ' fill="#555"')  # fmt: skip
        yield (
            f'<g transform="translate({x},{y})">'
            f'<g transform="translate({(CELL_W - QR_SIZE) / 2},{QR_TOP})">{_qr(url_of(code))}</g>'
            f"{title_text}{grouped}{number}</g>\n"
        )
    yield "</svg>\n"


def _qr(url: str) -> str:
    """Return the QR code of `url` as an SVG fragment QR_SIZE millimetres wide."""
    qr = _symbol(url)
    modules = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    scale = QR_SIZE / modules
    return qr.svg_inline(scale=scale, border=QUIET_ZONE, dark="#000", light="#fff", omitsize=False)


# The PDF sheet: A4 pages of 4 x 4 labels, every font embedded (alliance.pdf).
ROWS_PER_PAGE = 4


def sheet_pdf(title: str, rows: Iterable[tuple[int, str]], url_of) -> bytes:
    """Return a PDF of A4 pages of labels: for each (serial, code) a QR code, title and code."""
    items = list(rows)
    per_page = COLUMNS * ROWS_PER_PAGE
    document = pdf.Document(title)
    title_font = pdf.text_font(title)
    name_size, name = pdf.fitted(title, title_font, TITLE_SIZE, TEXT_WIDTH)
    left = (pdf.PAGE_W - COLUMNS * CELL_W) / 2
    top = (pdf.PAGE_H - ROWS_PER_PAGE * CELL_H) / 2
    for index, (serial, code) in enumerate(items):
        place = index % per_page
        if not place:
            if index:
                document.next_page()
            on_page = min(per_page, len(items) - index)
            document.cut_lines(*_cut_positions(-(-on_page // COLUMNS), left, top))
        x = left + (place % COLUMNS) * CELL_W
        y = top + (place // COLUMNS) * CELL_H
        middle = x + CELL_W / 2
        code_size, grouped = pdf.fitted(codes.group(code), pdf.MONO, CODE_SIZE, TEXT_WIDTH)
        matrix = _symbol(url_of(code)).matrix_iter(scale=1, border=QUIET_ZONE)
        document.modules(matrix, x + (CELL_W - QR_SIZE) / 2, y + QR_TOP, QR_SIZE)
        document.centred(name, title_font, name_size, middle, y + QR_SIZE + 7)
        document.centred(grouped, pdf.MONO, code_size, middle, y + QR_SIZE + 12)
        number_size, number = pdf.fitted(f"No. {serial}", pdf.MONO, NUMBER_SIZE, TEXT_WIDTH)
        document.centred(number, pdf.MONO, number_size, middle, y + QR_SIZE + 16.5, grey=True)
    return document.finish()
