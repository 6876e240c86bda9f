"""The SVG charts: well-formed, accessible, text escaped, shapes in proportion to the figures."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from incubator.reports import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and "Noto Sans CJK SC" in root.get("font-family")
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def widths(root, colour, legend: bool = False) -> list[float]:
    """Widths of the rectangles of a colour (the legend's 10 × 10 swatches left out)."""
    return [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")
            if r.get("fill") == colour and (legend or r.get("height") != "10")]


def texts(root) -> list[str]:
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_progress_bars_show_the_share_of_the_target():
    svg = charts.progress_bars([
        {"label": "人才", "actual": 50, "target": 100, "expected": 75, "status": "behind", "text": "50 / ≥ 100"},
        {"label": "企业", "actual": 300, "target": 100, "expected": None, "status": "met", "text": "300 / ≥ 100"},
        {"label": "平台", "actual": 2, "target": None, "expected": None, "status": "none", "text": "2"}],
        "目标", "人才 50；企业 300；平台 2")
    root = parse(svg)
    track = widths(root, charts.TRACK)
    assert len(track) == 3 and len(set(track)) == 1
    assert widths(root, charts.STATUS_COLOURS["behind"]) == [track[0] / 2]
    assert widths(root, charts.STATUS_COLOURS["met"]) == [track[0]]  # over the target: a full bar, no more
    assert widths(root, charts.STATUS_COLOURS["none"]) == []  # no target: no bar
    assert len(list(root.iter("{http://www.w3.org/2000/svg}line"))) == 1  # the expected mark
    assert {"人才", "企业", "平台", "50 / ≥ 100"} <= set(texts(root))


def test_labels_are_escaped_text():
    svg = charts.bar_chart([{"label": "<script>alert(1)</script>", "value": 3, "text": "a & b"}],
                           'title "quoted" <x>', "desc & more")
    assert "<script>" not in str(svg)
    root = parse(svg)
    assert "<script>alert(1)</script>" in texts(root) and "a & b" in texts(root)
    assert root.find("s:title", NS).text == 'title "quoted" <x>'


def test_stacked_bars_and_the_funnel_are_in_proportion():
    blue, grey = charts.COLOURS["blue"], charts.COLOURS["grey"]
    root = parse(charts.stacked_bars([{"label": "一期", "values": [1, 3], "text": "4"},
                                      {"label": "二期", "values": [2, 0], "text": "2"}],
                                     [("已拨付", blue), ("余额", grey)], "资金", "一期 4；二期 2"))
    (paid1, paid2), (rest1,) = widths(root, blue)[:2], widths(root, grey)[:1]
    assert abs(rest1 - 3 * paid1) < 0.2 and abs(paid2 - 2 * paid1) < 0.2
    root = parse(charts.funnel([{"label": "提交", "value": 8, "text": "8"}, {"label": "准予", "value": 2, "text": "2"}],
                               "漏斗", "提交 8；准予 2"))
    first, last = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert abs(first - 4 * last) < 0.2


def test_donut_parts():
    root = parse(charts.donut([("已出租", 300, "#111111"), ("未出租", 100, "#222222")], "75%", "去化率", "去化", "75%"))
    paths = list(root.iter("{http://www.w3.org/2000/svg}path"))
    # three quarters from 12 o'clock clockwise ends at 9 o'clock: the large-arc flag is set for it only
    assert [p.get("d").split()[7] for p in paths] == ["1", "0"]
    whole = parse(charts.donut([("已收", 5, "#111111"), ("未收", 0, "#222222")], "100%", "", "收缴", "100%"))
    assert [c.get("stroke") for c in whole.iter("{http://www.w3.org/2000/svg}circle")] == [charts.TRACK, "#111111"]
    empty = parse(charts.donut([("已收", 0, "#111111")], "—", "", "收缴", "无数据"))
    assert len(list(empty.iter("{http://www.w3.org/2000/svg}path"))) == 0
