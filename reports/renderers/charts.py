"""Charts as SVG text: pure and deterministic, the same markup in the PDF and on the page.

Presentation attributes only (no ``style`` attributes), every label escaped, a <title> and
<desc> for assistive technology.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 250
BAR_HEIGHT = 16
GAP = 8
FONT = "Noto Sans, DejaVu Sans, sans-serif"
COLOURS = {"yes": "#005a8c", "partly": "#5b9bd5", "no": "#c9d3dc", "unknown": "#f0f0f0"}


def _svg(*, title: str, description: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" class="chart" font-family="{FONT}" font-size="11">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>" + "".join(body) + "</svg>"
    )


def _label(y: int, text: str) -> str:
    text = text if len(text) <= 38 else text[:37].rstrip() + "…"
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 4}" text-anchor="end" fill="#1a1a1a">'
        f"{escape(text)}</text>"
    )


def response_rate_chart_svg(rows: list[tuple[str, int]]) -> str:
    """Horizontal bars: the response rate (0-100) of each regional group."""
    span = WIDTH - LABEL_WIDTH - 50
    body = []
    for index, (label, share) in enumerate(rows):
        y = 8 + index * (BAR_HEIGHT + GAP)
        width = round(span * max(0, min(share, 100)) / 100)
        body += [
            _label(y, label),
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{span}" height="{BAR_HEIGHT}" fill="#eef3f7"/>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{COLOURS["yes"]}"/>',
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + BAR_HEIGHT - 4}" fill="#1a1a1a">{share}%</text>',
        ]
    height = 16 + len(rows) * (BAR_HEIGHT + GAP)
    description = "; ".join(f"{label}: {share}%" for label, share in rows)
    return _svg(title=_("Response rate by regional group"), description=description, height=height, body=body)


def measures_chart_svg(items: list[tuple[str, dict[str, int]]]) -> str:
    """Stacked bars: for each item, the shares of yes, partly, no and unknown answers."""
    span = WIDTH - LABEL_WIDTH - 20
    names = {"yes": _("Yes"), "partly": _("Partly"), "no": _("No"), "unknown": _("Unknown")}
    body = []
    descriptions = []
    for index, (label, counts) in enumerate(items):
        y = 8 + index * (BAR_HEIGHT + GAP)
        total = sum(counts.values()) or 1
        x = LABEL_WIDTH
        body.append(_label(y, label))
        for key in ("yes", "partly", "no", "unknown"):
            width = round(span * counts.get(key, 0) / total)
            if width:
                body.append(
                    f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{COLOURS[key]}" '
                    f'stroke="#ffffff" stroke-width="0.5"/>'
                )
            x += width
        shares = ", ".join(f"{names[k]} {round(100 * counts.get(k, 0) / total)}%" for k in names)
        descriptions.append(f"{label}: {shares}")
    legend_y = 12 + len(items) * (BAR_HEIGHT + GAP)
    x = LABEL_WIDTH
    for key, name in names.items():
        body += [
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{COLOURS[key]}" stroke="#808080" '
            f'stroke-width="0.5"/>',
            f'<text x="{x + 16}" y="{legend_y + 10}" fill="#1a1a1a">{escape(name)}</text>',
        ]
        x += 90
    return _svg(
        title=_("Measures reported, by item"),
        description="; ".join(descriptions),
        height=legend_y + 24,
        body=body,
    )
