"""Cards and claims as tables, stacked over benchmarks, and as HTML pages (benchmarks as columns)."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..store import atomic_path
from .claims import CLAIM_COLUMNS, DOES_NOT_HOLD, HOLDS, NOT_TESTABLE
from .findings import GREEN, INFO, NOT_APPLICABLE, RED, Finding, need

CARD_COLUMNS = ("benchmark", "position", "finding", "label", "value", "lo", "hi", "display", "status", "rule", "detail")
STATUS_COLOURS = {GREEN: "#d9f2d9", RED: "#f8d0d0", NOT_APPLICABLE: "#eeeeee", INFO: "#ffffff"}
VERDICT_COLOURS = {HOLDS: STATUS_COLOURS[GREEN], DOES_NOT_HOLD: STATUS_COLOURS[RED], NOT_TESTABLE: STATUS_COLOURS[NOT_APPLICABLE]}


def card_table(benchmark: str, findings: Sequence[Finding]) -> pd.DataFrame:
    """The findings of one benchmark as a table (columns :data:`CARD_COLUMNS`), in the given order."""
    rows = [
        {"benchmark": benchmark, "position": i, "finding": f.finding, "label": f.label, "value": f.value, "lo": f.lo,
         "hi": f.hi, "display": f.display, "status": f.status, "rule": f.rule, "detail": f.detail}
        for i, f in enumerate(findings)
    ]
    out = pd.DataFrame(rows, columns=list(CARD_COLUMNS))
    for column in ("benchmark", "finding", "label", "display", "status", "rule", "detail"):
        out[column] = out[column].astype("string")
    return out.astype({"position": np.int64, "value": np.float64, "lo": np.float64, "hi": np.float64})


def compare_cards(cards: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several benchmarks' cards (or claims tables) stacked, benchmark order as given."""
    if not cards:
        raise InputError("no health card to compare")
    return pd.concat(list(cards), ignore_index=True)


_STYLE = ("body{font-family:system-ui,Helvetica,Arial,sans-serif;font-size:14px;margin:1em;color:#222}"
          "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left;"
          "vertical-align:top}thead th{background:#f4f4f4}p.note{color:#555;max-width:60em}"
          "small{color:#555}")


def _grid_html(table: pd.DataFrame, key: str, header: Callable[[pd.Series], str], text: Callable[[pd.Series], str],
               colour: Callable[[pd.Series], str], tip: Callable[[pd.Series], str], corner: str) -> str:
    """Rows = distinct ``key`` (first benchmark's order by position), columns = benchmarks."""
    benchmarks = list(dict.fromkeys(table["benchmark"].astype(str)))
    rows = table.drop_duplicates(key).sort_values("position", kind="stable")
    cell = {(str(r["benchmark"]), str(r[key])): r for _, r in table.iterrows()}
    head = "".join(f"<th>{html.escape(b)}</th>" for b in benchmarks)
    body = []
    for _, row in rows.iterrows():
        tds = []
        for b in benchmarks:
            r = cell.get((b, str(row[key])))
            if r is None:
                tds.append(f'<td style="background:{STATUS_COLOURS[NOT_APPLICABLE]}">–</td>')
                continue
            tds.append(f'<td style="background:{colour(r)}" title="{html.escape(tip(r))}">{text(r)}</td>')
        body.append(f"<tr><th>{header(row)}</th>{''.join(tds)}</tr>")
    return f"<table><thead><tr><th>{corner}</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _joined(*parts: object) -> str:
    return " · ".join(str(p) for p in parts if isinstance(p, str) and p)


def _page(title: str, note: str, legend: str, content: str) -> str:
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h2>{html.escape(title)}</h2>"
        + (f"<p class='note'>{html.escape(note)}</p>" if note else "")
        + f"<p class='note'>{legend}</p>{content}</body></html>\n"
    )


def cards_html(cards: pd.DataFrame, title: str, note: str = "") -> str:
    """One HTML page: findings as rows, benchmarks as columns, each cell coloured by its status."""
    need(cards, CARD_COLUMNS, "health cards")
    grid = _grid_html(
        cards, "finding", header=lambda r: html.escape(str(r["label"])),
        text=lambda r: html.escape(str(r["display"])) + (
            f"<br><small>{html.escape(str(r['detail']))}</small>" if r["status"] == NOT_APPLICABLE
            and isinstance(r["detail"], str) and r["detail"] else ""),
        colour=lambda r: STATUS_COLOURS.get(str(r["status"]), "#ffffff"),
        tip=lambda r: _joined(r["rule"], r["detail"]), corner="finding",
    )
    legend = ("Green: healthy by the configured threshold (config <code>health</code>); red: the flaw is present; "
              "grey: not applicable here (the reason is under the dash). Hover a cell for its rule.")
    return _page(title, note, legend, grid)


def claims_html(claims: pd.DataFrame, title: str, note: str = "") -> str:
    """One HTML page: the study's claims as rows, benchmarks as columns; cell = effect [interval] and verdict."""
    need(claims, CLAIM_COLUMNS, "claims table")
    grid = _grid_html(
        claims, "claim",
        header=lambda r: f"{html.escape(str(r['statement']))}<br><small>{html.escape(str(r['source']))}</small>",
        text=lambda r: f"<b>{html.escape(str(r['verdict']))}</b><br>{html.escape(str(r['display']))}"
                       f"<br><small>{html.escape(str(r['reason']))}</small>",
        colour=lambda r: VERDICT_COLOURS.get(str(r["verdict"]), "#ffffff"),
        tip=lambda r: _joined(r["reason"]), corner="the study's claim",
    )
    legend = ("Each claim of the study re-tested on each benchmark with the measured effect, its paired 95 % "
              "bootstrap interval over the test queries, and a verdict: green holds, red does not hold, grey not "
              "testable here (with the reason).")
    return _page(title, note, legend, grid)


def status_counts(cards: pd.DataFrame, claims: pd.DataFrame) -> Mapping[str, Mapping[str, int]]:
    """{benchmark: {status or verdict: count}} over a card and its claims (for logs)."""
    out: dict[str, dict[str, int]] = {}
    for table, column in ((cards, "status"), (claims, "verdict")):
        for (b, s), n in table.groupby([table["benchmark"].astype(str), table[column].astype(str)]).size().items():
            out.setdefault(b, {})[s] = int(n)
    return out


def write_page(page: str, path: str | os.PathLike) -> None:
    """Write an HTML page atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
