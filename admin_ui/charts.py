"""Charts drawn on the server as SVG (pygal), readable without JavaScript.

Values stay integers (minor units, points, basis points); a ``Unit`` writes them as people read
them on the axis and in each point's title. pygal's own script tag (its tooltip configuration) is
dropped: the page loads nothing from elsewhere, and each point's value is already in its ``<title>``.
pygal takes tens of milliseconds a chart, so the last drawings are kept by their exact inputs: a
page shown again with the same figures (the roll-ups move once a minute) is not drawn again.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from markupsafe import Markup
from pygal.style import Style

from admin_ui import formatting

# pygal appends an import hook for its map plugins (pygal.maps.*, unused here) that has no
# find_spec: on Python 3.10+ every import that finds nothing then warns instead of simply failing.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_STYLE = Style(background="transparent", plot_background="#ffffff", foreground="#1d2430",
               foreground_strong="#1d2430", foreground_subtle="#d7dce3", opacity=".85", opacity_hover="1",
               colors=("#0b5cad", "#c2410c", "#1e7d3a", "#8a5a00", "#6b21a8"),
               font_family='system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
               label_font_size=14, major_label_font_size=14, legend_font_size=15, value_font_size=13,
               title_font_size=17)

Series = Sequence[tuple[str, Sequence[int | None]]]


@dataclass(frozen=True)
class Unit:
    """What a chart's integers are: ``money`` (minor units of ``currency``), ``points`` or ``percent_bp``."""

    kind: str
    currency: str = ""
    exponent: int = 2

    def format(self, value: int) -> str:
        if self.kind == "money":
            return formatting.money(value, self.currency, self.exponent)
        if self.kind == "percent_bp":
            return f"{formatting.percent_text(value)} %"
        return formatting.points(value)


def chart(kind: str, title: str, labels: Sequence[str], series: Series, unit: Unit, *,
          stacked: bool = False) -> Markup:
    """An inline SVG: ``kind`` is 'line' or 'bar'; one x label per value; None leaves a gap."""
    return _drawn(kind, title, tuple(labels), tuple((name, tuple(values)) for name, values in series), unit,
                  stacked)


@functools.lru_cache(maxsize=32)
def _drawn(kind: str, title: str, labels: tuple[str, ...], series: tuple, unit: Unit, stacked: bool) -> Markup:
    formatter = unit.format
    maker = {"line": pygal.Line, "bar": pygal.StackedBar if stacked else pygal.Bar}[kind]
    drawn = maker(style=_STYLE, js=[], disable_xml_declaration=True, width=640, height=340, title=title,
                  value_formatter=lambda v: "" if v is None else formatter(int(v)), x_label_rotation=30 if
                  len(labels) > 12 else 0, show_minor_x_labels=False, truncate_label=-1, print_values=False,
                  legend_at_bottom=True, legend_at_bottom_columns=len(series), dots_size=4, margin=8,
                  include_x_axis=True, show_legend=len(series) > 1, allow_interruptions=True)
    flat = [v or 0 for _, values in series for v in values]
    drawn.y_labels = ticks(flat, top=max((sum(column) for column in zip(*([v or 0 for v in values] for _, values
                                                                          in series), strict=True)), default=0)
                           if stacked else None)
    drawn.x_labels = list(labels)
    drawn.x_labels_major = list(labels)[:: max(1, len(labels) // 10)]
    for name, values in series:
        drawn.add(name, list(values))
    svg = _SCRIPT.sub("", drawn.render(is_unicode=True))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(title)}" ', 1))


def ticks(values: Sequence[int], top: int | None = None) -> list[int]:
    """Whole-number axis marks from 0 (or below, for negatives) past the highest value, at a step of
    1, 2 or 5 times a power of ten, at most five steps: an axis of points or cents never shows 0.5."""
    high, low = max([0, *values]) if top is None else top, min([0, *values])
    step = 1
    while (high - low) / step > 5:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50, ...
    first = (low // step) * step
    return list(range(first, max(high, 1) + step, step))
