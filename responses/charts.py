"""Charts as inline SVG drawn on the server: pure functions from data to markup.

The Content-Security-Policy forbids inline scripts and style attributes, so every chart is
plain SVG with presentation attributes only, and every text in it is escaped here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#005b8f"  # 7.0:1 on white, and on the track colour below
TRACK_COLOUR = "#e9ecef"
TEXT_COLOUR = "#212529"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    maximum: float
    text: str = ""

    @property
    def fraction(self) -> float:
        if self.maximum <= 0:
            return 0.0
        return min(max(self.value / self.maximum, 0.0), 1.0)


def rate_text(value: int, maximum: int) -> str:
    """'12 / 54 (22%)': the counts behind a rate, then the rate."""
    percent = round(100 * value / maximum) if maximum else 0
    return f"{value} / {maximum} ({percent}%)"


def horizontal_bar_chart(
    bars: list[Bar], *, title: str, description: str = "", chart_id: str = "chart", width: int = 640
) -> SafeString:
    """One labelled bar per row, the label above its bar and the value after it, so long
    labels in any language never need cutting. Scales with its container (viewBox)."""
    label_height, bar_height, gap, value_width = 18, 18, 14, 150
    row_height = label_height + bar_height + gap
    track_width = width - value_width
    height = max(len(bars), 1) * row_height
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img"'
        f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' aria-labelledby="{escape(title_id)}{f" {escape(desc_id)}" if description else ""}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if description:
        parts.append(f'<desc id="{escape(desc_id)}">{escape(description)}</desc>')
    for index, bar in enumerate(bars):
        top = index * row_height
        bar_top = top + label_height
        filled = round(track_width * bar.fraction, 1)
        parts.append(
            f'<g><text x="0" y="{top + 13}" font-size="13" fill="{TEXT_COLOUR}">{escape(bar.label)}</text>'
            f'<rect x="0" y="{bar_top}" width="{track_width}" height="{bar_height}" fill="{TRACK_COLOUR}"/>'
            f'<rect x="0" y="{bar_top}" width="{filled}" height="{bar_height}" fill="{BAR_COLOUR}"/>'
            f'<text x="{track_width + 8}" y="{bar_top + 13}" font-size="13" fill="{TEXT_COLOUR}">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    # Every text above is escaped.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703
