"""PDF documents (reportlab) for every programme: A4 pages drawn in millimetres from the top.

Print shops' preflight refuses a file whose fonts are not embedded, so every font is embedded
(as a subset of the glyphs used): DejaVu Sans and DejaVu Sans Mono for Latin text (the copies
matplotlib ships, so nothing need be installed; Bitstream Vera licence, free to embed), and
for Chinese a subset of Noto Sans CJK SC (SIL Open Font Licence) converted to TrueType when
the system has it (Debian: fonts-noto-cjk). Reportlab embeds only TrueType outlines, and Noto
CJK is OpenType/CFF, so the few glyphs a text needs are cut out with fontTools and their
cubic outlines turned into quadratic ones (cu2qu, within one font unit: invisible). Without
Noto CJK, Chinese falls back to Adobe's STSong-Light CID font, which no file can embed (the
reader supplies it): such a file opens everywhere but a preflight check flags that font.
"""

import hashlib
import importlib.util
import logging
from collections.abc import Iterable
from functools import cache
from io import BytesIO
from pathlib import Path

PAGE_W, PAGE_H = 210, 297  # millimetres (A4)
SANS = "DejaVuSans"
MONO = "DejaVuSansMono"
CHINESE = "STSong-Light"  # not embeddable: only without Noto CJK on the system
ELLIPSIS = "…"
CJK_FONT_FILES = (  # Noto Sans CJK where distributions install it
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Alpine
)
CJK_FACE = "Noto Sans CJK SC"


@cache
def _register_fonts() -> None:
    """Register the embedded Latin fonts (matplotlib's DejaVu) and the CID fallback."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    # Found without importing matplotlib (numpy and all): only its data folder is needed.
    folder = Path(importlib.util.find_spec("matplotlib").submodule_search_locations[0])
    for name in (SANS, MONO):
        pdfmetrics.registerFont(TTFont(name, folder / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"))
    pdfmetrics.registerFont(UnicodeCIDFont(CHINESE))


def _covers(font: str, text: str) -> bool:
    from reportlab.pdfbase.pdfmetrics import getFont

    glyphs = getFont(font).face.charToGlyph
    return all(ord(char) in glyphs for char in text)


def latin(text: str) -> bool:
    """Tell whether DejaVu Sans writes every character of `text` (and …)."""
    _register_fonts()
    return _covers(SANS, text + ELLIPSIS)


def text_font(text: str) -> str:
    """Return the name of an embedded font that writes `text` (and …), registering it."""
    if latin(text):
        return SANS
    return _cjk_subset("".join(sorted(set(text + ELLIPSIS)))) or CHINESE


@cache
def _cjk_subset(chars: str) -> str | None:
    """Register Noto Sans CJK SC cut down to `chars`, as TrueType; None without the font.

    Once per set of characters (a title's few glyphs, some kilobytes) for the life of the
    process: reportlab keeps every registered font, so a bounded cache would save nothing.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = next((path for path in CJK_FONT_FILES if Path(path).is_file()), None)
    if path is None:
        return None
    name = "NotoSansCJKsc-Regular-" + hashlib.sha256(chars.encode()).hexdigest()[:12]
    font = TTFont(name, BytesIO(_truetype_subset(path, chars)))
    # reportlab would take a later font of the same face name for the first one registered.
    font.face.name = name.encode()
    pdfmetrics.registerFont(font)
    return name


def _truetype_subset(path: str, chars: str) -> bytes:
    """Return the TrueType font of the glyphs of `chars` in the CJK_FACE of the file `path`."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, newTable

    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # not what it pruned
    collection = TTCollection(path, lazy=True)
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == CJK_FACE)
    options = subset.Options()
    options.layout_features, options.hinting, options.notdef_outline = [], False, True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion, maxp.maxZones, maxp.maxComponentElements = 0x00010000, 1, 0
    for field in ("TwilightPoints", "Storage", "FunctionDefs", "InstructionDefs",
                  "StackElements", "SizeOfInstructions"):  # fmt: skip
        setattr(maxp, f"max{field}", 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\0\1\0\0"
    font["head"].glyphDataFormat = 0
    data = BytesIO()
    font.save(data)
    return data.getvalue()


class Document:
    """An A4 document whose drawing calls take millimetres from the page's top left corner."""

    def __init__(self, title: str = ""):
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        _register_fonts()
        self.buffer = BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=(PAGE_W * mm, PAGE_H * mm),
            pageCompression=1,
            initialFontName=SANS,
        )  # fmt: skip (else Helvetica, not embedded)
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

    def cut_lines(self, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Draw light dashed cutting guides: a vertical line at each x, a horizontal at each y."""
        xs, ys = sorted(xs), sorted(ys)
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.2)
        canvas.setDash(1, 1)
        canvas.lines([(x, ys[0], x, ys[-1]) for x in xs] + [(xs[0], y, xs[-1], y) for y in ys])
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
    while text and stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return size, text + ELLIPSIS


def width(text: str, font: str, size: float) -> float:
    """Return how wide `text` is in `font` at `size` (in the unit of `size`)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    return stringWidth(text, font, size)
