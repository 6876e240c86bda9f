"""The blocks of the dashboard and the reports in the reader's words: rows of text and SVG charts made
from services.py's figures and a label set — the page's (translated) or the PDF's (Chinese, see
documents.py) — so the page and the PDF show the same tables and the same pictures."""
from __future__ import annotations

from decimal import Decimal

from ..core.formatting import format_money
from . import charts, rules
from .kpis import ADMISSION_ENDS as FUNNEL_ENDS
from .kpis import ADMISSION_STAGES as FUNNEL

GRADES = ("excellent", "good", "pass", "fail")
GRADE_COLOURS = (charts.COLOURS["green"], charts.COLOURS["teal"], charts.COLOURS["blue"], charts.COLOURS["red"])


def number(n) -> str:
    return "—" if n is None else f"{n:,}"


def pct(v) -> str:
    return "—" if v is None else f"{v}%"


def short_name(name: str) -> str:
    """A carrier's name without its parenthesis, for chart labels: 水乡科创中心（含零碳产业园） → 水乡科创中心."""
    for mark in ("（", "("):
        name = name.split(mark)[0]
    return name.strip()


# --- targets -----------------------------------------------------------------------------------------

def progress_row(p: rules.Progress, L: dict) -> dict:
    return {"key": p.indicator, "label": L["indicators"][p.indicator], "unit": L["units"][p.indicator],
            "target": str(p.target) if p.target else None, "actual": p.actual, "actual_text": number(p.actual),
            "gap": p.gap, "pct": p.pct, "expected": p.expected, "status": p.status.value,
            "status_label": L["statuses"][p.status.value], "as_of": p.as_of, "year": p.year}


def _bar_text(r: dict, L: dict) -> str:
    if not r["target"]:
        return f"{r['actual_text']} · {L['text']['no_target']}"
    return f"{r['actual_text']} / {r['target']}" + (f" · {pct(r['pct'])}" if r["pct"] is not None else "")


def targets(data: dict, L: dict) -> dict:
    """The year's progress (data["headline"]: rules.Progress per indicator) as rows and a chart, and the
    table of every target year when the data has one."""
    rows = [progress_row(p, L) for p in data["headline"]]
    bars = [{"label": r["label"], "actual": r["actual"], "target": p.target.minimum if p.target else None,
             "expected": p.expected, "status": r["status"], "text": _bar_text(r, L)}
            for r, p in zip(rows, data["headline"], strict=True)]
    desc = "；".join(f"{r['label']} {b['text']} {r['status_label']}" for r, b in zip(rows, bars, strict=True))
    chart = charts.progress_bars(bars, L["titles"]["targets"].format(year=data["year"]), desc)
    table = [{"year": t["year"], "as_of": t["as_of"], "rows": [progress_row(p, L) for p in t["rows"]]}
             for t in data.get("table", [])]
    return {"rows": rows, "chart": chart, "table": table}


# --- occupancy ----------------------------------------------------------------------------------------

def occupancy(data: dict, L: dict) -> dict:
    occ = data["occupancy"]
    rows = [{**r, "type_label": L["unit_types"].get(r["type"], r["type"])} for r in occ["rows"]]
    items = [{"label": f"{short_name(r['carrier'])} · {r['type_label']}", "value": r["rate"] or 0,
              "text": f"{pct(r['rate'])} · {r['leased']:,.0f}/{r['lettable']:,.0f} m²"} for r in rows]
    desc = "；".join(f"{i['label']} {i['text']}" for i in items)
    chart = charts.bar_chart(items, L["titles"]["occupancy"], desc, max_value=100) if items else None
    return {**occ, "rows": rows, "chart": chart}


# --- admission ---------------------------------------------------------------------------------------

def funnel(data: dict, L: dict) -> dict:
    counts = data["funnel"]
    first = counts["submitted"]
    stages = [{"key": s, "label": L["stages"][s], "value": counts[s],
               "text": f"{number(counts[s])} · {pct(rules.percent(counts[s], first))}" if first else "0"}
              for s in FUNNEL]
    ends = [{"key": s, "label": L["stages"][s], "value": counts[s]} for s in FUNNEL_ENDS]
    desc = "；".join(f"{s['label']} {s['text']}" for s in stages)
    chart = charts.funnel(stages, L["titles"]["funnel"].format(year=data["year"]), desc) if first else None
    return {"stages": stages, "ends": ends, "chart": chart, "first": first, "stage_labels": L["stages"]}


# --- funds ---------------------------------------------------------------------------------------------

def funds(data: dict, L: dict) -> dict:
    f = data["funds"]
    series = [(L["series"]["paid"], charts.COLOURS["blue"]), (L["series"]["committed"], charts.COLOURS["yellow"]),
              (L["series"]["remaining"], charts.COLOURS["grey"])]
    cats = [{"label": p["name"], "values": [p["paid"] - p["returned"], p["committed"], max(p["remaining"], Decimal(0))],
             "text": format_money(p["allocated"])} for p in f["pools"]]
    desc = "；".join(f"{p['name']} {L['fund_fields']['allocated']} {format_money(p['allocated'])}，"
                    f"{L['fund_fields']['paid']} {format_money(p['paid'])}，{L['fund_fields']['committed']} "
                    f"{format_money(p['committed'])}，{L['fund_fields']['remaining']} {format_money(p['remaining'])}"
                    for p in f["pools"])
    chart = charts.stacked_bars(cats, series, L["titles"]["funds"].format(year=data["year"]), desc) if cats else None
    return {**f, "chart": chart}


# --- assessment and exits ------------------------------------------------------------------------------

def grades(data: dict, L: dict) -> dict:
    years = data["grades"]
    series = list(zip([L["grades"][g] for g in GRADES], GRADE_COLOURS, strict=True))
    rows = [{**y, "total": sum(y["grades"].values()), "counts": [y["grades"].get(g, 0) for g in GRADES],
             "pcts": [rules.percent(y["grades"].get(g, 0), sum(y["grades"].values())) for g in GRADES]} for y in years]
    cats = [{"label": L["text"]["year_n"].format(year=r["year"]), "values": r["counts"],
             "text": f"{r['total']} {L['text']['companies_unit']}"} for r in rows]
    desc = "；".join(f"{c['label']}：" + "，".join(f"{name} {n}" for (name, _c), n in zip(series, c["values"],
                                                                                      strict=True))
                    for c in cats)
    chart = charts.stacked_bars(cats, series, L["titles"]["grades"], desc, label_width=60) if cats else None
    return {"rows": rows, "chart": chart, "grades": GRADES}


def exits(data: dict, L: dict) -> dict:
    e = data["exits"]
    series = [(L["series"]["exited"], charts.COLOURS["orange"]), (L["series"]["graduated"], charts.COLOURS["green"])]
    rows = [{"year": y, "exited": v["exited"], "graduated": v["graduated"]} for y, v in e["left"].items()]
    cats = [{"label": L["text"]["year_n"].format(year=r["year"]), "values": [r["exited"], r["graduated"]],
             "text": f"{r['exited'] + r['graduated']} {L['text']['companies_unit']}"} for r in rows]
    desc = "；".join(f"{c['label']}：{series[0][0]} {c['values'][0]}，{series[1][0]} {c['values'][1]}" for c in cats)
    chart = charts.stacked_bars(cats, series, L["titles"]["exits"], desc, label_width=60) if cats else None
    kinds = [{"key": k, "label": L["exit_kinds"].get(k, k), "count": n}
             for k, n in sorted(e["executed"].get(data["year"], {}).items(), key=lambda kv: -kv[1])]
    this_year = e["left"].get(data["year"], {"exited": 0, "graduated": 0})
    return {"rows": rows, "chart": chart, "kinds": kinds, "open": sum(e["open"].values()), "open_by_state": e["open"],
            "this_year": this_year}


# --- the operator's own assessment -------------------------------------------------------------------------

def value_text(indicator: dict, L: dict) -> str:
    v, kind = indicator["value"], indicator["kind"]
    if v is None:
        return L["text"]["no_data"]
    if kind == "percent":
        return pct(v)
    if kind == "money":
        return format_money(v)
    if kind == "days":
        return f"{v} {L['text']['days']}"
    if kind == "count":
        return f"{number(v)} {L['operator_units'].get(indicator['key'], '')}".strip()
    return str(v)


MONEY_PARTS = {"revenue", "previous", "amount", "received", "charged", "arrears"}
AREA_PARTS = {"leased", "lettable"}


def _part(key: str, value, L: dict) -> str:
    if value is None:
        return "—"
    if key == "year":
        return str(value)
    if key in MONEY_PARTS:
        return format_money(value)
    if key in AREA_PARTS:
        return f"{value:,.2f} m²"
    if hasattr(value, "isoformat"):
        return L["date"](value)
    return number(value) if isinstance(value, int) else str(value)


def operator(data: dict, L: dict) -> dict:
    dimensions = []
    for d in data["operator"]:
        indicators = []
        for i in d["indicators"]:
            parts = {k: _part(k, v, L) for k, v in i["parts"].items()}
            indicators.append({"key": i["key"], "label": L["operator"][i["key"]], "value": value_text(i, L),
                               "raw": i["value"], "formula": L["formulas"][i["key"]].format(**parts)})
        dimensions.append({"key": d["dimension"], "label": L["dimensions"][d["dimension"]], "indicators": indicators})
    occ = data["occupancy"]["total"]
    by_key = {i["key"]: i for d in data["operator"] for i in d["indicators"]}
    coll = by_key["collection"]["parts"]
    donuts = [
        charts.donut([(f"{L['series']['leased']} {occ['leased']:,.0f} m²", occ["leased"], charts.COLOURS["blue"]),
                      (f"{L['series']['vacant']} {max(occ['lettable'] - occ['leased'], 0):,.0f} m²",
                       max(occ["lettable"] - occ["leased"], 0), charts.COLOURS["grey"])],
                     pct(occ["rate"]), L["operator"]["occupancy"], L["operator"]["occupancy"],
                     f"{L['operator']['occupancy']} {pct(occ['rate'])}"),
        charts.donut([(f"{L['series']['received']} {format_money(coll['received'])}", coll["received"],
                       charts.COLOURS["green"]),
                      (f"{L['series']['unpaid']} {format_money(coll['arrears'])}", coll["arrears"],
                       charts.COLOURS["red"])],
                     pct(by_key["collection"]["value"]), L["operator"]["collection"], L["operator"]["collection"],
                     f"{L['operator']['collection']} {pct(by_key['collection']['value'])}"),
    ]
    return {"dimensions": dimensions, "donuts": donuts, "filed_year": data["filed_year"]}


def year_blocks(data: dict, L: dict) -> dict:
    """Every block of a year, for the dashboard and the annual report."""
    return {"targets": targets(data, L), "occupancy": occupancy(data, L), "funnel": funnel(data, L),
            "funds": funds(data, L), "grades": grades(data, L), "exits": exits(data, L),
            "operator": operator(data, L)}
