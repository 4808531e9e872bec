"""The scenario format as a JSON Schema (draft-07, which editors' YAML extensions read), generated from the models.

One schema serves both kinds of file. A complete scenario must give every required field; a file with
``extends:`` is an *overlay* merged onto its base, so it validates against partial copies of the
definitions in which nothing is required (except its own ``meta.id``). Only what is reached through
mappings becomes partial: list items (events, objectives, outcomes...) replace the base's list whole,
so they must be complete. In an overlay any merged key may also be null, which removes the base's
value. Checks that need the whole merged file (known actors, sums, rounds) are ``python run.py
validate``'s, not the schema's.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.core.actions import ACTION_IDS
from sim.scenario.fields import ID_PATTERN
from sim.scenario.schema import DEFAULT_SECTORS, Scenario

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
REF = "#/definitions/"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (a plain dict, ready for ``json.dumps``)."""
    generated = Scenario.model_json_schema(ref_template=REF + "{model}")
    definitions: dict[str, Any] = generated.pop("$defs")
    definitions["Scenario"] = generated
    for node in definitions.values():
        _draft_07_refs(node)
    _name_enums(definitions)
    overlay = _overlay_definitions(definitions)
    overlay["ScenarioOverlay"]["required"] = ["extends", "meta"]
    overlay["ScenarioOverlay"]["description"] = (
        "A scenario that extends a base file: only the values it changes or adds (mappings merge into the "
        "base's, lists and single values replace them)."
    )
    overlay["MetaOverlay"]["required"] = ["id"]
    return {
        "$schema": DRAFT_07,
        "$id": "https://pivot.local/scenario.schema.json",
        "title": "Pivot scenario",
        "description": "A Pivot scenario file. With `extends:` it is an overlay on a base scenario and only the "
        "changed values are needed; without, every required section must be present.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": REF + "ScenarioOverlay"},
        "else": {"$ref": REF + "Scenario"},
        "definitions": {**definitions, **overlay},
    }


def _name_enums(definitions: dict[str, Any]) -> None:
    """Enums for the names editors should complete and flag: actions (a fixed catalogue) and sectors.

    Interest and controller names are enums already (the models' fields and Literals). Sectors are the
    scenario's own (``sectors:``), so any identifier is allowed, but the default sectors are offered first.
    """
    actions = {"enum": list(ACTION_IDS)}
    for name in ("ScriptStep", "ForcedMove"):
        definitions[name]["properties"]["action"].update(actions)
    settings = definitions["Scenario"]["properties"]["actions"]
    settings["propertyNames"] = actions
    sector = {
        "anyOf": [
            {"enum": [s.id for s in DEFAULT_SECTORS], "description": "a default sector"},
            {"type": "string", "pattern": ID_PATTERN, "description": "a sector the scenario defines in sectors:"},
        ]
    }
    for name in ("ScriptStep", "ForcedMove"):
        prop = definitions[name]["properties"]["sector"]
        prop["anyOf"] = [sector, {"type": "null"}]
    prop = definitions["AgreementChange"]["properties"]["sector"]
    prop.pop("type", None)
    prop.update(sector)
    agreements = definitions["Scenario"]["properties"]["agreements"]
    agreements["additionalProperties"]["additionalProperties"]["items"] = sector


def _draft_07_refs(node: Any) -> None:
    """In draft-07 a ``$ref`` hides its sibling keywords: wrap such refs in allOf so descriptions stay visible."""
    if isinstance(node, dict):
        if "$ref" in node and len(node) > 1:
            ref = node.pop("$ref")
            node["allOf"] = [{"$ref": ref}]
        for value in node.values():
            _draft_07_refs(value)
    elif isinstance(node, list):
        for value in node:
            _draft_07_refs(value)


def _overlay_definitions(definitions: dict[str, Any]) -> dict[str, Any]:
    """'XOverlay' copies, without required fields, of every definition reached from Scenario through mappings."""
    out: dict[str, Any] = {}

    def make(name: str) -> str:
        overlay_name = f"{name}Overlay"
        if overlay_name not in out:
            out[overlay_name] = {}  # placeholder: definitions may refer to themselves
            node = copy.deepcopy(definitions[name])
            node.pop("required", None)
            for key, prop in node.get("properties", {}).items():
                rewrite(prop)
                node["properties"][key] = _nullable(prop)
            if isinstance(node.get("additionalProperties"), dict):
                rewrite(node["additionalProperties"])
                node["additionalProperties"] = _nullable(node["additionalProperties"])
            out[overlay_name] = node
        return overlay_name

    def rewrite(schema: dict[str, Any]) -> None:
        if schema.get("type") == "object":
            schema.pop("minProperties", None)  # counted after the merge: an overlay may add one actor
        if "$ref" in schema:
            schema["$ref"] = REF + make(schema["$ref"].removeprefix(REF))
        for key in ("anyOf", "allOf", "oneOf"):
            for option in schema.get(key, []):
                rewrite(option)
        if isinstance(schema.get("additionalProperties"), dict):
            rewrite(schema["additionalProperties"])
            schema["additionalProperties"] = _nullable(schema["additionalProperties"])
        # "items" stay complete: a list in an overlay replaces the base's list whole.

    make("Scenario")
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null: in an overlay, null removes the base's value (descriptions stay on the outside)."""
    if any(option.get("type") == "null" for option in schema.get("anyOf", [])):
        return schema
    outer: dict[str, Any] = {k: schema.pop(k) for k in ("title", "description", "examples", "default") if k in schema}
    return {**outer, "anyOf": [schema, {"type": "null"}]}
