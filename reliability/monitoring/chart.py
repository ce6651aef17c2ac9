"""The 24-hour success-rate chart, drawn on the server as inline SVG (no JavaScript, no CDN)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 200, 36, 24, 8


def success_chart_svg(buckets: list[dict], *, title: str, label_every: int = 3) -> str:
    """``buckets``: [{"label": "14h", "rate": 93.1 | None, "total": n}], oldest first."""
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(buckets), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="success-chart" aria-label="{escape(title)}"><title>{escape(title)}</title>',
    ]
    for pct, css in ((90, "#2e7d32"), (70, "#e65100")):
        y = TOP + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{css}" '
                     f'stroke-dasharray="4 3" stroke-width="1"/>'
                     f'<text x="2" y="{y + 4:.1f}" font-size="10" fill="{css}">{pct}%</text>')
    for i, bucket in enumerate(buckets):
        parts.append(_bar(bucket, x=LEFT + i * step, width=step, plot_h=plot_h))
        if i % label_every == 0:
            parts.append(f'<text x="{LEFT + i * step + step / 2:.1f}" y="{HEIGHT - 6}" font-size="10" '
                         f'text-anchor="middle" fill="#666">{escape(bucket["label"])}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#999"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped labels only


def _bar(bucket: dict, *, x: float, width: float, plot_h: float) -> str:
    rate = bucket["rate"]
    if rate is None:
        return (f'<rect x="{x + 2:.1f}" y="{TOP + plot_h - 2:.1f}" width="{width - 4:.1f}" height="2" fill="#ccc">'
                f'<title>{escape(bucket["label"])}: —</title></rect>')
    rate = float(rate)
    height = max(plot_h * rate / 100, 3)  # a 0 % hour still shows, in red
    color = "#2e7d32" if rate >= 90 else "#e65100" if rate >= 70 else "#c62828"
    return (f'<rect x="{x + 2:.1f}" y="{TOP + plot_h - height:.1f}" width="{width - 4:.1f}" height="{height:.1f}" '
            f'fill="{color}"><title>{escape(bucket["label"])}: {rate:.1f}% ({bucket["total"]})</title></rect>')
