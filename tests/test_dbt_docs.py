"""Every dbt model, every column it selects and every source table is described in a schema yml. No dbt run:
the model SQL's final select is parsed for its output columns; columns a Jinja loop adds (asana__task's
custom_*) are covered by the model's description."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml

MODELS = Path(__file__).resolve().parent.parent / "transform" / "models"


@functools.cache
def described() -> dict[str, dict]:
    """Model name -> its yml entry, from every schema file under models/ (a model declared twice fails)."""
    found: dict[str, dict] = {}
    for path in sorted(MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            assert model["name"] not in found, f"{model['name']} is declared twice (second in {path.name})"
            found[model["name"]] = model
    return found


def _plain(sql: str) -> str:
    """The SQL with comments and Jinja loops removed and every other Jinja expression a placeholder."""
    sql = re.sub(r"\{#.*?#\}", " ", sql, flags=re.S)
    sql = re.sub(r"\{%-?\s*for\b.*?\{%-?\s*endfor\s*-?%\}", " ", sql, flags=re.S)
    sql = re.sub(r"\{%.*?%\}", " ", sql, flags=re.S)
    sql = re.sub(r"\{\{.*?\}\}", " jinja_value ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)  # before the literals: a comment may hold an apostrophe
    return re.sub(r"'(?:[^']|'')*'", "'s'", sql)


def _depths(sql: str) -> list[int]:
    """How deep in parentheses each character of the SQL is."""
    depth, out = 0, []
    for ch in sql:
        depth -= ch == ")"
        out.append(depth)
        depth += ch == "("
    return out


def output_columns(sql: str) -> list[str]:
    """Names of the columns the model's final (outermost, last) select yields."""
    plain = _plain(sql)
    depth = _depths(plain)
    selects = [m for m in re.finditer(r"\bselect\b", plain, re.I) if depth[m.start()] == 0]
    assert selects, "no top-level select"
    froms = [m for m in re.finditer(r"\bfrom\b", plain[selects[-1].end() :], re.I)]
    stops = [selects[-1].end() + m.start() for m in froms if depth[selects[-1].end() + m.start()] == 0]
    body = plain[selects[-1].end() : stops[0] if stops else len(plain)]
    items, level, current = [], 0, ""
    for ch in body:
        level += (ch == "(") - (ch == ")")
        if ch == "," and level == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    names = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        alias = re.search(r"\bas\s+\"?(\w+)\"?\s*$", item, re.I | re.S)
        name = alias.group(1) if alias else re.sub(r"^distinct\s+", "", item, flags=re.I).split(".")[-1]
        assert re.fullmatch(r"\w+", name), f"cannot name the select item {item!r}"
        names.append(name)
    return names


SQL_MODELS = sorted(MODELS.rglob("*.sql"))


def test_the_parser_reads_aliases_nested_selects_and_loops():
    sql = """
    with a as (select x as inner_only from t)
    select distinct
        t.task_gid,
        case when (a, b) then 1 else 0 end as flag,  -- a comment, with a comma
        count(*) filter (where y in ('a,b')) as n
        {%- for f in fields %}, cv.{{ f.column }}{%- endfor %}
    from a as t
    left join (select z from u) as v on true
    """
    assert output_columns(sql) == ["task_gid", "flag", "n"]


def test_every_model_has_a_schema_entry_and_every_schema_entry_a_model():
    names = {p.stem for p in SQL_MODELS}
    entries = set(described())
    assert names - entries == set(), "models missing from the schema yml"
    assert entries - names == set(), "schema yml entries with no model SQL"


@pytest.mark.parametrize("path", SQL_MODELS, ids=lambda p: p.stem)
def test_model_and_its_columns_are_described(path: Path):
    entry = described().get(path.stem)
    assert entry, f"{path.stem} has no entry in a schema yml"
    assert (entry.get("description") or "").strip(), f"{path.stem} has no description"
    columns = {c["name"]: c for c in entry.get("columns") or []}
    selected = output_columns(path.read_text())
    missing = [c for c in selected if not (columns.get(c, {}).get("description") or "").strip()]
    assert not missing, f"{path.stem}: columns with no description: {missing}"
    stale = sorted(set(columns) - set(selected))
    assert not stale, f"{path.stem}: the yml describes columns the model does not select: {stale}"


def test_every_source_table_is_described():
    sources = [
        source
        for path in sorted(MODELS.rglob("*.yml"))
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources") or []
    ]
    tables = {t["name"]: t for s in sources for t in s.get("tables") or []}
    assert tables, "no source tables declared"
    missing = sorted(n for n, t in tables.items() if not (t.get("description") or "").strip())
    assert not missing, f"source tables with no description: {missing}"
