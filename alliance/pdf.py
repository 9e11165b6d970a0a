"""PDF documents (reportlab) for every programme: A4 pages drawn in millimetres from the top.

Text uses fonts every PDF reader has, so nothing is embedded and nothing need be installed:
Courier and Helvetica for Latin text, Adobe's STSong-Light CID font for Chinese.
"""

from collections.abc import Iterable
from io import BytesIO

PAGE_W, PAGE_H = 210, 297  # millimetres (A4)
CHINESE = "STSong-Light"
MONO = "Courier"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CHINESE not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CHINESE))


class Document:
    """An A4 document whose drawing calls take millimetres from the page's top left corner."""

    def __init__(self, title: str = ""):
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        _register_fonts()
        self.buffer = BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=(PAGE_W * mm, PAGE_H * mm), pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("Book Alliance")
        self.canvas.setCreator("Book Alliance")
        self.mm = mm
        self._start_page()

    def _start_page(self) -> None:
        """Measure from the top left, in millimetres (text is drawn upright again below)."""
        self.canvas.translate(0, PAGE_H * self.mm)
        self.canvas.scale(self.mm, -self.mm)

    def next_page(self) -> None:
        """End this page and start another."""
        self.canvas.showPage()
        self._start_page()

    def finish(self) -> bytes:
        """Return the file."""
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()

    def dashed_box(self, x: float, y: float, width: float, height: float) -> None:
        """Draw a light dashed rectangle (a cutting guide)."""
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.2)
        canvas.setDash(1, 1)
        canvas.rect(x, y, width, height, stroke=1, fill=0)
        canvas.restoreState()

    def modules(self, matrix: Iterable[Iterable[int]], x: float, y: float, size: float) -> None:
        """Draw a square matrix of dark modules (a QR code) `size` wide, one box per dark run."""
        rows = [list(row) for row in matrix]
        canvas = self.canvas
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(size / len(rows), size / len(rows))  # a module is 1 x 1: whole numbers
        canvas.setFillGray(0)
        boxes = []  # written as PDF operators: reportlab's path would format 100,000s of floats
        for row, line in enumerate(rows):
            column = 0
            while column < len(line):
                if not line[column]:
                    column += 1
                    continue
                start = column
                while column < len(line) and line[column]:
                    column += 1
                boxes.append(f"{start} {row} {column - start} 1 re")
        if boxes:
            canvas.addLiteral(" ".join(boxes) + " f")
        canvas.restoreState()

    def centred(self, text: str, font: str, size: float, middle: float, baseline: float,
                grey: bool = False) -> None:  # fmt: skip
        """Write `text` centred on `middle`, its baseline at `baseline` (millimetres)."""
        canvas = self.canvas
        canvas.saveState()
        canvas.translate(middle, baseline)
        canvas.scale(1, -1)  # upright text in the flipped page
        canvas.setFillGray(0.33 if grey else 0)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, 0, text)
        canvas.restoreState()


def fitted(text: str, font: str, largest: float, width: float, smallest: float = 2.0):
    """Return a size (from `largest` down to `smallest`) and `text`, cut with … to fit `width`."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    natural = stringWidth(text, font, 1) or 1
    size = max(smallest, min(largest, width / natural))
    if stringWidth(text, font, size) <= width:
        return size, text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return size, text + "…"
