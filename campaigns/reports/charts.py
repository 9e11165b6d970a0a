"""Dashboard charts drawn on the server by matplotlib as accessible SVG text.

matplotlib is imported inside the functions (it is slow to import and most requests never
draw). Glyphs are drawn as paths with a CJK font when the machine has one, so a chart looks
the same in every browser; without one the text stays text and the browser's fonts draw it.
Every chart carries a <title> and a <desc> listing its figures, for screen readers.
"""

import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

# Tried in order for each glyph: Chinese fonts first, then a Latin one that is always there.
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
]
LATIN_FONTS = ["DejaVu Sans"]
COLOURS = {"allocated": "#0d6efd", "spent": "#198754", "remaining": "#adb5bd"}
MAX_LABEL = 24  # characters of a bar's label before it is shortened
_lock = threading.Lock()  # pyplot's state is global; one figure at a time
_font_state: dict[str, object] = {}


def _pyplot():
    """Import matplotlib once with the Agg backend and the font fallback list."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    if "cjk" not in _font_state:
        available = {font.name for font in font_manager.fontManager.ttflist}
        found = [name for name in CJK_FONTS if name in available]
        if not found:
            log.warning("No CJK font found for charts; Chinese text is left to the browser.")
        _font_state["cjk"] = found
    found = _font_state["cjk"]
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": found + LATIN_FONTS,
            "svg.fonttype": "path" if found else "none",
            "svg.hashsalt": "book-alliance",  # the same figures give the same SVG
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 9,
        }
    )
    return plt


class DrawnCharts:
    """Keep recently drawn charts, keyed by what they show, for a few minutes.

    Drawing takes a few hundred milliseconds; the key holds a fingerprint of the data (see
    `dashboard.chart_fingerprint`), so a chart is drawn again as soon as its figures move.
    """

    def __init__(self, size: int = 128, seconds: float = 300):
        self.size, self.seconds = size, seconds
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> str | None:
        """Return the chart drawn for `key`, unless there is none or it is too old."""
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.seconds:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key, svg: str) -> str:
        """Keep `svg` for `key` (dropping the oldest beyond the size) and return it."""
        with self._lock:
            self._items[key] = (time.monotonic(), svg)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return svg


def _yuan(fen: int) -> float:
    return float(Decimal(fen) / 100)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _svg(plt, figure, title: str, description: str) -> str:
    """Return the figure as SVG text with an accessible title and description."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    start = svg.index("<svg")
    opening_end = svg.index(">", start) + 1
    opening = svg[start:opening_end]
    opening = opening.replace("<svg ", '<svg role="img" aria-labelledby="chart-title" ', 1)
    accessible = (
        f'<title id="chart-title">{escape(title)}</title><desc>{escape(description)}</desc>'
    )
    return svg[:start] + opening + accessible + svg[opening_end:]


def _figure(plt, rows: int):
    height = max(2.2, 0.35 * rows + 1.0)
    return plt.subplots(figsize=(7, height))


def _money_axis(axis, label: str) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    axis.set_label_text(label)


def _describe(rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    return "; ".join(f"{label}: {', '.join(values)}" for label, values in rows)


def budget_bar(
    title: str,
    labels: dict[str, str],
    allocated_fen: int,
    spent_fen: int,
    remaining_fen: int,
    money_label: str,
    money_text,
) -> str:
    """Draw one stacked bar: spent, allocated but unspent, and remaining budget."""
    with _lock:
        plt = _pyplot()
        figure, axes = plt.subplots(figsize=(7, 1.8))
        parts = [
            ("spent", spent_fen),
            ("allocated", allocated_fen - spent_fen),
            ("remaining", remaining_fen),
        ]
        left = 0.0
        for key, fen in parts:
            width = _yuan(fen)
            axes.barh([0], [width], left=left, color=COLOURS[key], label=labels[key])
            left += width
        axes.set_yticks([])
        _money_axis(axes.xaxis, money_label)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False)
        description = _describe(
            [
                (labels["allocated"], [money_text(allocated_fen)]),
                (labels["spent"], [money_text(spent_fen)]),
                (labels["remaining"], [money_text(remaining_fen)]),
            ]
        )
        return _svg(plt, figure, title, description)


def share_bars(
    title: str,
    names: Sequence[str],
    allocated_fen: Sequence[int],
    spent_fen: Sequence[int],
    labels: dict[str, str],
    money_label: str,
    money_text,
) -> str:
    """Draw horizontal bars of allocated and spent money per name (category or publisher)."""
    with _lock:
        plt = _pyplot()
        figure, axes = _figure(plt, len(names))
        positions = list(range(len(names)))
        axes.barh(
            [p + 0.2 for p in positions],
            [_yuan(v) for v in allocated_fen],
            height=0.4,
            color=COLOURS["allocated"],
            label=labels["allocated"],
        )
        axes.barh(
            [p - 0.2 for p in positions],
            [_yuan(v) for v in spent_fen],
            height=0.4,
            color=COLOURS["spent"],
            label=labels["spent"],
        )
        axes.set_yticks(positions, [_short(name) for name in names])
        axes.invert_yaxis()
        _money_axis(axes.xaxis, money_label)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
        description = _describe(
            [
                (name, [money_text(a), money_text(s)])
                for name, a, s in zip(names, allocated_fen, spent_fen, strict=True)
            ]
        )
        return _svg(plt, figure, title, description)


def spend_line(
    title: str, days: Sequence[date], spent_fen: Sequence[int], money_label: str, money_text
) -> str:
    """Draw the subsidy spent per day as a line with markers."""
    with _lock:
        plt = _pyplot()
        figure, axes = plt.subplots(figsize=(7, 2.8))
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        values = [_yuan(v) for v in spent_fen]
        axes.plot(list(days), values, marker="o", color=COLOURS["spent"])
        locator = AutoDateLocator(maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if len(days) == 1:  # one point: show the days around it, not years
            axes.set_xlim(days[0] - timedelta(days=1), days[0] + timedelta(days=1))
        axes.set_ylim(bottom=min([0.0, *values]))
        _money_axis(axes.yaxis, money_label)
        description = _describe(
            [(day.isoformat(), [money_text(v)]) for day, v in zip(days, spent_fen, strict=True)]
        )
        return _svg(plt, figure, title, description)


def ranking_bars(
    title: str, names: Sequence[str], values: Sequence[int | float], axis_label: str, value_text
) -> str:
    """Draw one horizontal bar per name, largest first (top titles)."""
    with _lock:
        plt = _pyplot()
        figure, axes = _figure(plt, len(names))
        positions = list(range(len(names)))
        axes.barh(positions, list(values), color=COLOURS["allocated"])
        axes.set_yticks(positions, [_short(name) for name in names])
        axes.invert_yaxis()
        axes.xaxis.set_label_text(axis_label)
        description = _describe(
            [(name, [value_text(v)]) for name, v in zip(names, values, strict=True)]
        )
        return _svg(plt, figure, title, description)
