"""Charts as plain SVG made on the server, so a page and a PDF show the same picture: no script, every
figure also written as text, a <title> and <desc> for screen readers, CJK fonts named by family as
the PDFs name them. Builders take labels already in the reader's language and return Markup.

Geometry is in SVG user units; pages scale the picture to their width (`.report-chart svg`), the
PDF templates to the text width."""
from __future__ import annotations

import hashlib
import math

from markupsafe import Markup, escape

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"
INK, MUTED, GRID, TRACK = "#1d273b", "#667382", "#dce1e7", "#eef1f4"
# Tabler's palette, so page badges and chart colours agree
COLOURS = {"green": "#2fb344", "blue": "#206bc4", "azure": "#4299e1", "teal": "#0ca678", "orange": "#f76707",
           "red": "#d63939", "yellow": "#f59f00", "purple": "#ae3ec9", "grey": "#a8b0ba", "cyan": "#17a2b8",
           "indigo": "#4263eb"}
STATUS_COLOURS = {"met": COLOURS["green"], "on_track": COLOURS["blue"], "behind": COLOURS["orange"],
                  "missed": COLOURS["red"], "none": COLOURS["grey"]}


def text_width(text: str, size: float = 12) -> float:
    """An estimate of a label's width (CJK characters are square, Latin ones about half as wide), so the
    label column fits the longest label in either language."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.56 for ch in str(text))


def _label_column(labels, size: float, minimum: float) -> float:
    return max([minimum, *[text_width(label, size) + 12 for label in labels]])


def _num(value) -> float:
    return float(value or 0)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(kind: str, title: str, desc: str, width: float, height: float, body: list[str]) -> Markup:
    ident = f"{kind}-" + hashlib.sha1(f"{title}|{desc}".encode()).hexdigest()[:10]
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" width="{_fmt(width)}" '
        f'height="{_fmt(height)}" role="img" aria-labelledby="{ident}-t {ident}-d" font-family="{FONT}" '
        f'font-size="12" class="report-svg report-svg-{kind}">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _text(x, y, text, anchor="start", size=None, fill=INK, weight=None) -> str:
    extra = (f' font-size="{size}"' if size else "") + (f' font-weight="{weight}"' if weight else "")
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{escape(text)}</text>")


def _rect(x, y, w, h, fill, rx=2) -> str:
    return f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(max(w, 0))}" height="{_fmt(h)}" rx="{rx}" fill="{fill}"/>'


def _legend(items: list[tuple[str, str]], x0: float, y: float) -> list[str]:
    out, x = [], x0
    for label, colour in items:
        out += [_rect(x, y - 9, 10, 10, colour, 1), _text(x + 14, y, label, size=11, fill=MUTED)]
        x += 14 + text_width(label, 11) + 16
    return out


def progress_bars(rows: list[dict], title: str, desc: str, width: float = 640, label_width: float = 60,
                  value_width: float = 60) -> Markup:
    """One bar per indicator: the actual as a share of the target (full width = target), a dashed mark
    where the straight line to the target stands today, the figures as text on the right.
    rows: {label, actual, target (number or None), expected (or None), status, text}."""
    label_width = _label_column([r["label"] for r in rows], 12, label_width)
    value_width = _label_column([r["text"] for r in rows], 11, value_width)
    plot = width - label_width - value_width
    row_h, top = 34, 8
    body = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        colour = STATUS_COLOURS.get(r.get("status"), COLOURS["grey"])
        body.append(_text(label_width - 8, y + 15, r["label"], "end"))
        body.append(_rect(label_width, y + 4, plot, 14, TRACK))
        target = _num(r.get("target"))
        if target:
            share = min(_num(r["actual"]) / target, 1.0)
            body.append(_rect(label_width, y + 4, plot * share, 14, colour))
            if r.get("expected") is not None:
                x = label_width + plot * min(_num(r["expected"]) / target, 1.0)
                body.append(f'<line x1="{_fmt(x)}" y1="{y + 1}" x2="{_fmt(x)}" y2="{y + 21}" stroke="{INK}" '
                            f'stroke-width="1.2" stroke-dasharray="3 2"/>')
        body.append(_text(label_width + plot + 8, y + 15, r["text"], size=11))
    height = top + len(rows) * row_h
    return _svg("progress", title, desc, width, height, body)


def bar_chart(items: list[dict], title: str, desc: str, width: float = 640, label_width: float = 60,
              value_width: float = 60, max_value=None, colour: str = COLOURS["blue"]) -> Markup:
    """Horizontal bars. items: {label, value, text, colour?}; the longest bar is `max_value` (default
    the largest value)."""
    label_width = _label_column([i["label"] for i in items], 11, label_width)
    value_width = _label_column([i["text"] for i in items], 11, value_width)
    plot = width - label_width - value_width
    top = max((_num(i["value"]) for i in items), default=0)
    scale = _num(max_value) or top or 1
    row_h, body = 24, []
    for n, item in enumerate(items):
        y = 6 + n * row_h
        body.append(_text(label_width - 8, y + 12, item["label"], "end", size=11))
        body.append(_rect(label_width, y + 2, plot, 13, TRACK))
        body.append(_rect(label_width, y + 2, plot * min(_num(item["value"]) / scale, 1.0), 13,
                          item.get("colour", colour)))
        body.append(_text(label_width + plot + 8, y + 12, item["text"], size=11))
    return _svg("bars", title, desc, width, 10 + len(items) * row_h, body)


def stacked_bars(categories: list[dict], series: list[tuple[str, str]], title: str, desc: str, width: float = 640,
                 label_width: float = 60, value_width: float = 60) -> Markup:
    """Horizontal stacked bars on one scale (the largest total is full width), a legend on top.
    categories: {label, values (one per series), text}; series: (legend label, colour)."""
    label_width = _label_column([c["label"] for c in categories], 11, label_width)
    value_width = _label_column([c["text"] for c in categories], 11, value_width)
    plot = width - label_width - value_width
    scale = max((sum(_num(v) for v in c["values"]) for c in categories), default=0) or 1
    body = _legend(series, label_width, 14)
    row_h, top = 26, 26
    for n, c in enumerate(categories):
        y = top + n * row_h
        body.append(_text(label_width - 8, y + 13, c["label"], "end", size=11))
        x = label_width
        for (_name, colour), value in zip(series, c["values"], strict=True):
            w = plot * _num(value) / scale
            if w > 0:
                body.append(_rect(x, y + 2, w, 15, colour, 0))
                if w >= 26:
                    body.append(_text(x + w / 2, y + 13.5, _short(value), "middle", size=10, fill="#ffffff"))
            x += w
        body.append(_text(label_width + plot + 8, y + 13, c["text"], size=11))
    return _svg("stacked", title, desc, width, top + len(categories) * row_h + 4, body)


def _short(value) -> str:
    """A compact figure for inside a bar segment: 12, 3.4万, 1.2亿."""
    v = _num(value)
    if v >= 1e8:
        return f"{_fmt(v / 1e8)}亿"
    if v >= 1e4:
        return f"{_fmt(v / 1e4)}万"
    return _fmt(v)


def funnel(stages: list[dict], title: str, desc: str, width: float = 640, label_width: float = 60,
           value_width: float = 60) -> Markup:
    """Centred bars narrowing with each stage, the count and the share of the first stage as text.
    stages: {label, value, text}."""
    label_width = _label_column([s["label"] for s in stages], 11, label_width)
    value_width = _label_column([s["text"] for s in stages], 11, value_width)
    plot = width - label_width - value_width
    first = _num(stages[0]["value"]) if stages else 0
    row_h, body = 30, []
    for n, s in enumerate(stages):
        y = 4 + n * row_h
        share = _num(s["value"]) / first if first else 0
        w = max(plot * share, 2)
        body.append(_text(label_width - 8, y + 16, s["label"], "end", size=11))
        body.append(_rect(label_width + (plot - w) / 2, y + 3, w, 20, COLOURS["azure"] if n else COLOURS["blue"], 3))
        body.append(_text(label_width + plot + 8, y + 17, s["text"], size=11))
    return _svg("funnel", title, desc, width, 8 + len(stages) * row_h, body)


def _arc(cx, cy, r, start: float, end: float) -> str:
    """An SVG arc path from angle `start` to `end` (fractions of a turn, clockwise from 12 o'clock)."""
    a0, a1 = 2 * math.pi * start, 2 * math.pi * end
    x0, y0 = cx + r * math.sin(a0), cy - r * math.cos(a0)
    x1, y1 = cx + r * math.sin(a1), cy - r * math.cos(a1)
    large = 1 if end - start > 0.5 else 0
    return f"M {x0:.2f} {y0:.2f} A {r} {r} 0 {large} 1 {x1:.2f} {y1:.2f}"


def donut(parts: list[tuple[str, object, str]], centre: str, caption: str, title: str, desc: str,
          size: float = 150, legend_width: float = 120) -> Markup:
    """A ring of the parts' shares, `centre` written in the middle, a legend with each part's figure.
    parts: (legend text, value, colour)."""
    legend_width = _label_column([label for label, _v, _c in parts], 11, legend_width) + 20
    total = sum(_num(v) for _l, v, _c in parts)
    cx = cy = size / 2
    r, stroke = size / 2 - 12, 16
    body = [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{TRACK}" stroke-width="{stroke}"/>']
    start = 0.0
    for _label, value, colour in parts:
        share = _num(value) / total if total else 0
        if share >= 0.9999:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>')
        elif share > 0:
            body.append(f'<path d="{_arc(cx, cy, r, start, start + share)}" fill="none" stroke="{colour}" '
                        f'stroke-width="{stroke}"/>')
        start += share
    body.append(_text(cx, cy + 2, centre, "middle", size=17, weight="bold"))
    body.append(_text(cx, cy + 19, caption, "middle", size=10, fill=MUTED))
    for i, (label, _v, colour) in enumerate(parts):
        y = 30 + i * 20
        body += [_rect(size + 10, y - 9, 10, 10, colour, 1), _text(size + 25, y, label, size=11)]
    return _svg("donut", title, desc, size + legend_width, max(size, 30 + len(parts) * 20), body)

