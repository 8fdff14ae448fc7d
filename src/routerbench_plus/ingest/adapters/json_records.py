"""Helpers shared by the JSON-based adapters (LLMRouter, RouterDC): JSON files, scored records, text ids."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError

QUESTION_KEY = "question"
SCORES_KEY = "scores"


def load_json(path: Path, what: str) -> Any:
    """Parse a JSON file; a syntax error (e.g. a truncated download) is an InputError naming the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); expected {what}. "
            "The file may be truncated: download or copy it again"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc}); expected {what}") from None


def load_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    """Parse a JSON-lines file (blank lines skipped); a bad line is an InputError naming file and line."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path}: line {number} is not valid JSON ({exc.msg}); expected {what}. "
                    "The file may be truncated: download or copy it again"
                ) from None
            if not isinstance(record, dict):
                raise InputError(f"{path}: line {number} is a {type(record).__name__}; expected a JSON object ({what})")
            records.append(record)
    return records


def scored_records(path: Path, data: Any) -> tuple[pd.Series, pd.DataFrame, np.ndarray]:
    """A list of ``{question, scores: {model: score}, ...}`` -> (text per record, wide scores, named).

    The text is NA where a record has no question (reported later as a blank prompt). Scores must
    be numbers or null; ``named[i, j]`` says record i lists model j at all: a null score is a NaN
    label (``ingest.nan_labels``), a model a record does not list is an absent pair.
    """
    what = f"a JSON list of {{'{QUESTION_KEY}': text, '{SCORES_KEY}': {{model: score}}}} records"
    if not isinstance(data, list):
        raise InputError(f"{path}: expected {what}, found a JSON {type(data).__name__}")
    if not data:
        raise InputError(f"{path}: the list of records is empty")
    bad = [i for i, r in enumerate(data) if not isinstance(r, dict) or not isinstance(r.get(SCORES_KEY), dict)]
    if bad:
        found = data[bad[0]]
        shown = type(found.get(SCORES_KEY)).__name__ if isinstance(found, dict) else type(found).__name__
        raise InputError(
            f"{path}: record {bad[0]} (of {len(bad)} such records) has no '{SCORES_KEY}' object mapping model names "
            f"to scores (found {shown}); expected {what}"
        )
    question = pd.Series([r.get(QUESTION_KEY) for r in data], dtype=object)
    not_text = question.notna() & ~question.map(lambda q: isinstance(q, str))
    if not_text.any():
        i = int(np.flatnonzero(not_text.to_numpy())[0])
        raise InputError(f"{path}: record {i}: '{QUESTION_KEY}' must be text, found {type(data[i][QUESTION_KEY]).__name__}")
    wide = pd.DataFrame.from_records([r[SCORES_KEY] for r in data])
    named = pd.DataFrame.from_records([dict.fromkeys(r[SCORES_KEY], True) for r in data], columns=wide.columns)
    numeric = wide.apply(pd.to_numeric, errors="coerce").astype("float64")
    wrong = numeric.isna() & wide.notna()
    if wrong.to_numpy().any():
        row, col = np.argwhere(wrong.to_numpy())[0]
        raise InputError(
            f"{path}: record {row}: score of model '{wide.columns[col]}' must be a number in [0, 1] or null, "
            f"found {wide.iat[row, col]!r}"
        )
    return question.astype("string"), numeric, named.notna().to_numpy()


def text_ids(text: pd.Series, file: str) -> pd.Series:
    """Query ids from the text (the layouts have none): 'q' + 16 hex digits of sha1(text).

    The same text is the same query wherever it appears (files, splits); a record without text is
    its own query '<file>#<row>' (reported as a blank prompt at assembly).
    """
    digest = text.map(lambda t: "q" + hashlib.sha1(t.encode("utf-8")).hexdigest()[:16], na_action="ignore")
    own = pd.Series([f"{file}#{i}" for i in range(len(text))], index=text.index)
    blank = text.isna() | (text.fillna("").str.strip() == "")
    return digest.where(~blank, own).astype(str)


def check_id_collisions(ids: pd.Series, text: pd.Series, where: str) -> None:
    """Two different texts with one hashed id would merge two queries: refuse (never seen in practice)."""
    pairs = pd.DataFrame({"id": ids.to_numpy(), "text": text.to_numpy()}).dropna().drop_duplicates()
    clash = pairs["id"].duplicated()
    if clash.any():
        raise InputError(f"{where}: two different question texts hash to the id {pairs.loc[clash, 'id'].iloc[0]}")


def long_labels(query_id: pd.Series, wide: pd.DataFrame, named: np.ndarray, file: str) -> pd.DataFrame:
    """Wide scores (a column per model) -> long labels (query_id, model, label, file).

    Cells a record named are kept (a null score stays NaN for the nan policy); others are absent.
    """
    values = wide.to_numpy(dtype=np.float64)
    rows, cols = np.nonzero(named)
    return pd.DataFrame(
        {
            "query_id": query_id.to_numpy()[rows],
            "model": np.asarray(wide.columns, dtype=object)[cols],
            "label": values[rows, cols],
            "file": file,
        }
    )
