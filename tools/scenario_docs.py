"""Generate the field reference and the list of common mistakes in docs/scenario-authoring.md.

The reference is built from the scenario format's JSON Schema (itself generated from the pydantic
models); the mistakes from the test cases in tests/data/mistakes/, with the exact error each gives.

    python tools/scenario_docs.py            # print both generated sections
    python tools/scenario_docs.py --write    # rewrite them in the guide
    python tools/scenario_docs.py --check    # exit 1 if the guide is out of date (a test runs this)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402  (dev dependency, after the path is set)

from sim.atomic import write_text  # noqa: E402
from sim.scenario.errors import ScenarioError  # noqa: E402
from sim.scenario.json_schema import scenario_json_schema  # noqa: E402
from sim.scenario.loader import load_document, validate_document  # noqa: E402
from sim.scenario.strict_yaml import parse, read_text  # noqa: E402

GUIDE = ROOT / "docs" / "scenario-authoring.md"
MISTAKES = ROOT / "tests" / "data" / "mistakes"
REF = "#/definitions/"
#: What a mapping's keys stand for, by the field that holds the mapping.
KEY_NAMES = {
    "actors": "<actor>",
    "objectives": "<actor>",
    "briefing": "<actor>",
    "per_actor": "<actor>",
    "actions": "<action>",
    "blocs": "<bloc>",
    "positions": "<dimension>",
    "salience": "<dimension>",
}
TITLES = {
    "Scenario": "Scenario (top level)",
    "EventModel": "Event",
    "ObjectiveModel": "Objective",
    "OutcomeRuleModel": "Outcome rule",
    "ScoringWeightsModel": "Scoring weights",
    "MetricRef": "Metric",
}


def title_of(name: str) -> str:
    return TITLES.get(name, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).capitalize())


def anchor_of(name: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title_of(name).lower()).replace(" ", "-")


def flow(value: Any) -> str:
    """A value in YAML flow style, as a scenario file would write it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "~"
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z_][\w.-]*", value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _ref(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return schema["$ref"].removeprefix(REF)
    for option in schema.get("allOf", []):
        if "$ref" in option:
            return option["$ref"].removeprefix(REF)
    return None


def type_of(schema: dict[str, Any], refs: list[str]) -> str:
    """A short description of the values a field takes, collecting the definitions it refers to."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if options and len(options) == len(schema.get("anyOf", [])) - 1:
        return type_of(options[0], refs) if len(options) == 1 else " or ".join(type_of(o, refs) for o in options)
    if options:
        return " or ".join(type_of(o, refs) for o in options)
    ref = _ref(schema)
    if ref is not None:
        refs.append(ref)
        return f"[{title_of(ref)}](#{anchor_of(ref)})"
    kind = schema.get("type")
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if kind == "array":
        text = "list of " + type_of(schema.get("items", {}), refs)
        if "minItems" in schema:
            text += f" (at least {schema['minItems']})"
        return text
    if kind == "object":
        inner = schema.get("additionalProperties")
        text = "mapping" if not isinstance(inner, dict) else "mapping of name → " + type_of(inner, refs)
        if "minProperties" in schema:
            text += f" (at least {schema['minProperties']})"
        return text
    names = {"string": "text", "number": "number", "integer": "whole number", "boolean": "true / false"}
    text = names.get(kind, str(kind))
    bounds = []
    for key, symbol in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            value = schema[key]
            bounds.append(f"{symbol} {value:,.0f}" if abs(value) >= 1e4 else f"{symbol} {value:g}")
    if bounds:
        text += " " + ", ".join(bounds)
    if "pattern" in schema:
        text += f" matching `{schema['pattern']}`"
    if schema.get("minLength"):
        text += ", not empty"
    return text


def reference() -> str:
    """One table per definition of the format, in the order a file meets them."""
    schema = scenario_json_schema()
    definitions = schema["definitions"]
    order: list[str] = []
    where: dict[str, str] = {}

    def visit(name: str, path: str) -> None:
        if name in where:
            return
        where[name] = path
        order.append(name)
        for field, prop in definitions[name].get("properties", {}).items():
            for child, child_path in refs_in(prop, f"{path}.{field}" if path else field, field):
                visit(child, child_path)

    def refs_in(schema: dict[str, Any], path: str, field: str) -> list[tuple[str, str]]:
        """Definitions a field's values use, with the dotted path where each appears."""
        ref = _ref(schema)
        if ref is not None:
            return [(ref, path)]
        out: list[tuple[str, str]] = []
        for option in schema.get("anyOf", []):
            out += refs_in(option, path, field)
        if isinstance(schema.get("items"), dict):
            out += refs_in(schema["items"], f"{path}[]", field)
        if isinstance(schema.get("additionalProperties"), dict):
            out += refs_in(schema["additionalProperties"], f"{path}.{KEY_NAMES.get(field, '<name>')}", field)
        return out

    visit("Scenario", "")
    lines: list[str] = []
    for name in order:
        definition = definitions[name]
        lines.append(f"### {title_of(name)}")
        lines.append("")
        if where[name]:
            lines.append(f"Where: `{where[name]}`")
            lines.append("")
        if definition.get("description"):
            lines.append(" ".join(definition["description"].split()))
            lines.append("")
        required = set(definition.get("required", []))
        lines.append("| field | takes | default | what it is | example |")
        lines.append("|---|---|---|---|---|")
        for field, prop in definition.get("properties", {}).items():
            refs: list[str] = []
            kind = type_of(prop, refs)
            given = prop.get("default")
            default = "**required**" if field in required else (flow(given) if given is not None else "")
            if default not in ("", "**required**"):
                default = f"`{default}`"
            example = flow(prop["examples"][0]).replace("|", "\\|")
            description = " ".join(prop.get("description", "").split()).replace("|", "\\|")
            lines.append(f"| `{field}` | {kind} | {default} | {description} | `{example}` |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def mistakes() -> str:
    """Each case in tests/data/mistakes/: the file, and the exact error `validate` prints."""
    validator = jsonschema.Draft7Validator(scenario_json_schema())
    cases = sorted(p for p in MISTAKES.glob("*.yaml") if re.match(r"\d\d_", p.name))
    lines: list[str] = []
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        for number, case in enumerate(cases, start=1):
            relative = str(case.relative_to(ROOT))
            text = case.read_text()
            title = next(line for line in text.splitlines() if line.startswith("# mistake: "))[len("# mistake: ") :]
            try:
                validate_document(load_document(relative))
                problems: list[str] = []
            except ScenarioError as exc:
                problems = [str(p) for p in exc.problems]
            body = "\n".join(line for line in text.splitlines() if not line.startswith(("# mistake:", "# expect:")))
            body = re.sub(r"\d\d_[a-z_]+\.yaml", "other.yaml", body.replace("../../../scenarios/", ""))
            body = body.replace("\t", "<TAB>")

            def shown(line: str, own: str = case.name) -> str:
                line = line.replace("tests/data/mistakes/", "").replace("../../../scenarios/", "")
                line = line.replace("scenarios/", "").replace(own, "lesson.yaml")
                return re.sub(r"\d\d_[a-z_]+\.yaml", "other.yaml", line)

            try:
                data = parse(read_text(relative), relative).data
                editor = "Your editor's JSON Schema check flags this too." if list(validator.iter_errors(data)) else ""
            except ScenarioError as exc:
                empty = "the file is empty" in exc.problems[0].message
                editor = "" if empty else "Your editor's YAML support flags this too."
            lines.append(f"**{number}. {title}.**")
            lines.append("")
            lines.append("```yaml")
            lines.append(body if body.strip() else "# (nothing but comments)")
            lines.append("```")
            others = sorted({p.split(":")[0] for p in problems} - {relative})
            for other in others:
                if other.startswith("tests/data/mistakes/") and not re.match(r"\d\d_", Path(other).name):
                    lines.append("")
                    lines.append(f"with `{Path(other).name}`:")
                    lines.append("")
                    lines.append("```yaml")
                    lines.append((ROOT / other).read_text().rstrip())
                    lines.append("```")
            lines.append("")
            lines.append("gives")
            lines.append("")
            lines.append("```")
            lines.extend(shown(p) for p in problems)
            lines.append("```")
            lines.append("")
            lines.append(editor or "Only `python run.py validate` sees this one.")
            lines.append("")
    finally:
        os.chdir(cwd)
    return "\n".join(lines).rstrip() + "\n"


SECTIONS = {"mistakes": mistakes, "reference": reference}


def render(text: str) -> str:
    for name, build in SECTIONS.items():
        begin = f"<!-- BEGIN GENERATED {name}: python tools/scenario_docs.py --write -->\n"
        end = f"<!-- END GENERATED {name} -->"
        start, stop = text.index(begin) + len(begin), text.index(end)
        text = text[:start] + build() + text[stop:]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections of the guide")
    parser.add_argument("--check", action="store_true", help="exit 1 if the guide's generated sections are stale")
    args = parser.parse_args()
    if not (args.check or args.write):
        sys.stdout.write(mistakes() + "\n" + reference())
        return 0
    current = GUIDE.read_text()
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{GUIDE} is out of date: run python tools/scenario_docs.py --write", file=sys.stderr)
            return 1
        return 0
    write_text(GUIDE, wanted)
    print(f"wrote {GUIDE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
