"""Work tasks of a loose-leaf (活页式 / 工作手册式) textbook: the ``task:`` front matter.

A chapter with ``task:`` is a work task. It is printed on its own, as sheets a
student fills in and files in a binder: the record sheet (记录表) and the
evaluation sheet (评价表) are drawn from this front matter, so a teacher
changes a criterion or a column in the chapter's form, never in a table's
layout.

```yaml
task:
  record:
    title: 五步闸试验记录表          # optional
    columns: [试验步骤, 规定值, 实测值, 结论]
    rows:                            # optional: cells printed; the others are left to fill in
      - [运转位保压 1 min, 泄漏不超过 10 kPa]
    blank_rows: 2                    # optional: empty rows (default: 5 without rows, none with)
  evaluation:
    title: 任务评价表                # optional
    raters: [self, peer, teacher]    # optional: who scores (self, peer, teacher, enterprise)
    weights: {self: 20, peer: 30, teacher: 50}   # optional: percent of the final score, 100 in all
    criteria:
      - {criterion: 试验前安全确认, points: 20}
```

``task: true`` marks a task without sheets. A workbook chapter is written in
the sections of ``TASK_SECTIONS``; the sheets are printed at the end of the
记录 and 评价 sections when the chapter has them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import FrontMatterInvalid

# The sections of a workbook task, in order (the workbook template writes them as level-2 headings).
TASK_SECTIONS = ("任务描述", "学习目标", "任务准备", "实施步骤", "记录", "评价")
TASK_KEYS = ("record", "evaluation")
RECORD_KEYS = ("title", "columns", "rows", "blank_rows")
EVALUATION_KEYS = ("title", "criteria", "raters", "weights")
CRITERION_KEYS = ("criterion", "points")
RATERS = ("self", "peer", "teacher", "enterprise")
DEFAULT_RATERS = ("self", "peer", "teacher")
RATER_LABELS = {"self": "自评", "peer": "互评", "teacher": "师评", "enterprise": "企业评"}
MAX_COLUMNS = 12
MAX_ROWS = 100
MAX_CRITERIA = 50
MAX_TEXT = 200
DEFAULT_BLANK_ROWS = 5


@dataclass(frozen=True)
class RecordSheet:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()
    blank_rows: int | None = None          # None: the default (see ``empty_rows``)
    title: str | None = None

    @property
    def empty_rows(self) -> int:
        """Rows left empty for the student's entries."""
        if self.blank_rows is not None:
            return self.blank_rows
        return 0 if self.rows else DEFAULT_BLANK_ROWS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        out["columns"] = list(self.columns)
        if self.rows:
            out["rows"] = [list(r) for r in self.rows]
        if self.blank_rows is not None:
            out["blank_rows"] = self.blank_rows
        return out


@dataclass(frozen=True)
class Criterion:
    criterion: str
    points: int | float


@dataclass(frozen=True)
class Evaluation:
    criteria: tuple[Criterion, ...]
    raters: tuple[str, ...] = DEFAULT_RATERS
    weights: dict[str, int | float] = field(default_factory=dict)    # rater -> percent; empty: none
    title: str | None = None

    @property
    def total(self) -> int | float:
        return sum(c.points for c in self.criteria)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        if self.raters != DEFAULT_RATERS:
            out["raters"] = list(self.raters)
        if self.weights:
            out["weights"] = dict(self.weights)
        out["criteria"] = [{"criterion": c.criterion, "points": c.points} for c in self.criteria]
        return out


@dataclass(frozen=True)
class Task:
    record: RecordSheet | None = None
    evaluation: Evaluation | None = None

    def to_dict(self) -> dict[str, Any] | bool:
        if self.record is None and self.evaluation is None:
            return True
        out: dict[str, Any] = {}
        if self.record is not None:
            out["record"] = self.record.to_dict()
        if self.evaluation is not None:
            out["evaluation"] = self.evaluation.to_dict()
        return out


class _Reader:
    """Checks one ``task:`` value, each mistake with its line and dotted key."""

    def __init__(self, path: str, lines):
        self.path = path
        self.lines = lines

    def fail(self, message: str, where: tuple, reason: str) -> None:
        key = ".".join(str(w) for w in where)
        raise FrontMatterInvalid(message, path=self.path, line=self.lines.of(*where), key=key, reason=reason)

    def mapping(self, value: Any, where: tuple, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.fail(f"'{where[-1]}' must be a mapping of {', '.join(allowed)}", where, "task_type")
        for key in value:
            if key not in allowed:
                self.fail(f"unknown key '{key}' in '{where[-1]}' (allowed: {', '.join(allowed)})", where + (key,),
                          "task_unknown_key")
        return value

    def text(self, value: Any, where: tuple, *, empty: bool = False) -> str:
        if value is None and empty:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(f"'{where[-1]}' must be text", where, "task_type")
        text = str(value).strip()
        if not text and not empty:
            self.fail(f"'{where[-1]}' is empty", where, "task_empty")
        if len(text) > MAX_TEXT or "\n" in text:
            self.fail(f"'{where[-1]}' is too long for a table cell", where, "task_too_long")
        return text

    def texts(self, value: Any, where: tuple, *, limit: int, empty: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.fail(f"'{where[-1]}' must be a list", where, "task_type")
        if len(value) > limit:
            self.fail(f"'{where[-1]}' has more than {limit} entries", where, "task_too_many")
        return tuple(self.text(v, where + (i,), empty=empty) for i, v in enumerate(value))

    def number(self, value: Any, where: tuple, *, low: float, high: float, whole: bool = False) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
            self.fail(f"'{where[-1]}' must be a {'whole ' if whole else ''}number", where, "task_type")
        if not low <= value <= high:
            self.fail(f"'{where[-1]}' must be between {low:g} and {high:g}", where, "task_range")
        return value

    def record(self, value: Any, where: tuple) -> RecordSheet:
        data = self.mapping(value, where, RECORD_KEYS)
        if "columns" not in data:
            self.fail("a record sheet needs its 'columns'", where, "task_required")
        columns = self.texts(data["columns"], where + ("columns",), limit=MAX_COLUMNS)
        if not columns:
            self.fail("a record sheet needs at least one column", where + ("columns",), "task_empty")
        rows_raw = data.get("rows") or []
        if not isinstance(rows_raw, list):
            self.fail("'rows' must be a list of rows, each a list of cells", where + ("rows",), "task_type")
        if len(rows_raw) > MAX_ROWS:
            self.fail(f"'rows' has more than {MAX_ROWS} rows", where + ("rows",), "task_too_many")
        rows = []
        for i, row in enumerate(rows_raw):
            at = where + ("rows", i)
            cells = self.texts(row, at, limit=MAX_COLUMNS, empty=True)
            if len(cells) > len(columns):
                self.fail(f"row {i + 1} has {len(cells)} cells for {len(columns)} columns", at, "task_row_width")
            rows.append(cells)
        blank = data.get("blank_rows")
        if blank is not None:
            blank = int(self.number(blank, where + ("blank_rows",), low=0, high=MAX_ROWS, whole=True))
        title = self.text(data["title"], where + ("title",)) if data.get("title") is not None else None
        return RecordSheet(columns=columns, rows=tuple(rows), blank_rows=blank, title=title)

    def evaluation(self, value: Any, where: tuple) -> Evaluation:
        data = self.mapping(value, where, EVALUATION_KEYS)
        raw = data.get("criteria")
        if not isinstance(raw, list) or not raw:
            self.fail("an evaluation sheet needs a list of 'criteria'", where + (("criteria",) if "criteria" in data else ()),
                      "task_required")
        if len(raw) > MAX_CRITERIA:
            self.fail(f"'criteria' has more than {MAX_CRITERIA} entries", where + ("criteria",), "task_too_many")
        criteria = []
        for i, item in enumerate(raw):
            at = where + ("criteria", i)
            item = self.mapping(item, at, CRITERION_KEYS)
            for key in CRITERION_KEYS:
                if key not in item:
                    self.fail(f"criterion {i + 1} needs '{key}'", at, "task_required")
            criteria.append(Criterion(self.text(item["criterion"], at + ("criterion",)),
                                      self.number(item["points"], at + ("points",), low=0.5, high=1000)))
        raters = DEFAULT_RATERS
        if data.get("raters") is not None:
            raters = self.texts(data["raters"], where + ("raters",), limit=len(RATERS))
            for i, rater in enumerate(raters):
                if rater not in RATERS:
                    self.fail(f"unknown rater '{rater}' (allowed: {', '.join(RATERS)})", where + ("raters", i),
                              "task_rater")
            if not raters or len(set(raters)) != len(raters):
                self.fail("'raters' lists each rater once", where + ("raters",), "task_rater")
        weights: dict[str, int | float] = {}
        if data.get("weights") is not None:
            raw_weights = self.mapping(data["weights"], where + ("weights",), raters)
            for rater in raters:
                if rater not in raw_weights:
                    self.fail(f"'weights' needs a percent for '{rater}'", where + ("weights",), "task_required")
                weights[rater] = self.number(raw_weights[rater], where + ("weights", rater), low=0, high=100)
            if abs(sum(weights.values()) - 100) > 1e-9:
                self.fail("the 'weights' add up to 100", where + ("weights",), "task_weights")
        title = self.text(data["title"], where + ("title",)) if data.get("title") is not None else None
        return Evaluation(criteria=tuple(criteria), raters=tuple(raters), weights=weights, title=title)


def parse_task(value: Any, path: str, lines) -> Task | None:
    """The ``task:`` front matter as a ``Task`` (None when the chapter is not a task)."""
    if value is None or value is False:
        return None
    if value is True:
        return Task()
    reader = _Reader(path, lines)
    data = reader.mapping(value, ("task",), TASK_KEYS)
    return Task(record=reader.record(data["record"], ("task", "record")) if data.get("record") is not None else None,
                evaluation=reader.evaluation(data["evaluation"], ("task", "evaluation"))
                if data.get("evaluation") is not None else None)
