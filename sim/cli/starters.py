"""Starter scenario texts for `new`: a commented three-actor world, or a commented overlay on a base scenario."""

from __future__ import annotations

from typing import Any

HEADER = """\
# yaml-language-server: $schema={schema}
#
# {name}: a starter scenario written by `python run.py new`. Every section is explained in
# docs/scenario-authoring.md; a comment ending in (J) marks a modelling judgement, [key] a source in meta.sources.
#
#   python run.py validate {path}         # every problem, as file:line:column: field: message
#   python run.py run {path} --seed 1     # one run, round by round, with the reason for every move
#   python run.py check {path} --runs 40  # the expect: section over 40 seeds
"""

WORLD = """\

meta:
  id: {name}
  title: "{title}"
  summary: >-
    A small island state between two rival powers: will it stay balanced, or lean to one side?
  author: ""
  version: "0.1"
  sources: []          # - {{id: wb-gdp, citation: "World Bank WDI, 2015", url: "https://data.worldbank.org/"}}

calendar: {{start: 2020-Q1, step: quarter}}
rounds: 8              # quarters (J)

# Policy dimensions and agreement sectors: leave them out to get the defaults (five dimensions, ten sectors).
dimensions:
  - {{id: democracy, label: "Democracy & human rights"}}
  - {{id: sovereignty, label: "Sovereignty & non-interference"}}
  - {{id: open_trade, label: "Open trade"}}
sectors:
  - {{id: trade, label: "Trade & investment", trade: true}}
  - {{id: defence, label: "Defence", security: true}}
  - {{id: education, label: "Education"}}

actors:
  island:
    name: Island
    colour: "#009E73"
    map: {{lon: 120.0, lat: 10.0}}
    gdp: 20.0                # USD bn a year (J)
    growth: 0.05             # 5 % a year (J)
    capability: 0.02         # 0..1 (J)
    interests: {{economy: 0.4, security: 0.1, autonomy: 0.3, influence: 0.1, values: 0.1}}   # weights (J)
    positions: {{democracy: -0.2, sovereignty: 0.9, open_trade: 0.6}}                       # -1..1 (J)
    salience: {{democracy: 0.2, sovereignty: 0.4, open_trade: 0.4}}                         # sums to 1 (J)
    policy: {{tau: 0.15, actions_per_round: 2}}
    controller: ai           # ai, human (the player or a script submits moves) or scripted (script: only)
    playable: true           # students may play it: give it objectives and a briefing
  north:
    name: North
    colour: "#0072B2"
    map: {{lon: 130.0, lat: 40.0}}
    gdp: 5000.0
    growth: 0.02
    capability: 0.4
    interests: {{economy: 0.3, security: 0.2, autonomy: 0.0, influence: 0.3, values: 0.2}}
    positions: {{democracy: 0.8, sovereignty: -0.2, open_trade: 0.5}}
    salience: {{democracy: 0.5, sovereignty: 0.1, open_trade: 0.4}}
    playable: true
  south:
    name: South
    colour: "#D55E00"
    map: {{lon: 110.0, lat: -5.0}}
    gdp: 4000.0
    growth: 0.05
    capability: 0.35
    interests: {{economy: 0.3, security: 0.2, autonomy: 0.0, influence: 0.4, values: 0.1}}
    positions: {{democracy: -0.7, sovereignty: 0.8, open_trade: 0.3}}
    salience: {{democracy: 0.2, sovereignty: 0.4, open_trade: 0.4}}

# Pairs are written a: {{b: value}}. Relations are mirrored unless both directions are given.
relations:
  island: {{north: 0.3, south: 0.4}}
  north: {{south: -0.3}}
trade:                       # exports a -> b, USD bn a year
  island: {{north: 2.0, south: 1.5}}
  north: {{island: 1.0, south: 60.0}}
  south: {{island: 2.5, north: 70.0}}
tariffs:                     # a's tariff on b's goods, 0..1
  north: {{island: 0.05, south: 0.1}}
  south: {{island: 0.02, north: 0.1}}
  island: {{north: 0.05, south: 0.05}}
debt:                        # what a owes b, USD bn
  island: {{south: 2.0}}
agreements:
  island: {{north: [education], south: [trade]}}

scoring:
  focal: island              # whose outcome a run reports
  powers: [north, south]     # for the hedging index and the primary partner
  blocs: {{north_bloc: [north], south_bloc: [south]}}
  outcomes:                  # first matching rule wins
    - label: balanced
      when: {{hedging: island, at_least: 0.9}}
    - label: south-leaning
      when: {{primary_partner: island, is: south}}
    - label: north-leaning
      when: {{primary_partner: island, is: north}}
  default_outcome: drifting

# Events fire at the start of a round: at_round, or when a condition holds (or both), once unless repeat: true.
events:
  - id: port_loan
    title: "South offers a port loan"
    text: "South lends Island USD 1 bn for a new deep-water port."
    at_round: 2
    effects:
      - add: {{debt: [island, south], value: 1.0}}
      - add: {{gdp: island, value: 1.0}}
      - force_move: {{actor: south, action: state_visit, target: island}}
  - id: north_warning
    title: "North warns Island"
    text: "North criticises Island's growing ties with South."
    when: {{alignment: [island, south], above: 0.6}}
    effects:
      - force_move: {{actor: north, action: criticise, target: island}}

# Goals of playable actors; the debrief scores them (met at the end, in every round, or ever).
objectives:
  island:
    - id: stay_balanced
      description: "Keep your hedging index at 0.6 or more in every round"
      condition: {{hedging: island, at_least: 0.6}}
      timing: always
      weight: 2
    - id: no_sanctions
      description: "End the game with no sanctions against you"
      condition: {{all: [{{sanctions: [north, island], at_most: 0}}, {{sanctions: [south, island], at_most: 0}}]}}
  north:
    - id: keep_island_close
      description: "End with Island regarding you at 0.3 or better"
      condition: {{relations: [island, north], at_least: 0.3}}

briefing:
  island: |
    You govern Island, a small trading state. North buys your exports and funds your schools;
    South is your neighbour, your creditor and a rising power.

    **Your aim:** stay friends with both. Sign agreements, open trade, visit both capitals.
  north: |
    You are North. Island drifts toward South's orbit; keep it close without pushing it away.

# What the scenario should show over many seeds; `python run.py check` tests each statement.
expect:
  - id: island_stays_balanced
    description: "Island is still hedging (index 0.6 or more) at the end in most runs"
    holds: {{hedging: island, at_least: 0.6}}
    at_least: 0.8
  - id: no_sanctions_on_island
    description: "Nobody sanctions Island"
    holds: {{all: [{{sanctions: [north, island], at_most: 0}}, {{sanctions: [south, island], at_most: 0}}]}}
    at_least: 0.8
"""

OVERLAY = """\

# Values here are merged onto the base file key by key: mappings merge, lists and single values replace.

extends: {base}

meta:
  id: {name}
  title: "{title}"
  summary: >-
    What changes when {partner_name} sends a delegation to {focal_name} in the first round?
  author: ""
  version: "0.1"
  sources: []          # - {{id: key, citation: "Who, what, when", url: "https://..."}}

# rounds: 8            # uncomment to change the number of quarters
{playable_block}
# Events fire at the start of a round: at_round, or when a condition holds (or both), once unless repeat: true.
# To change the world so that trade and growth respond, use an event at round 1 rather than the starting
# numbers: the dynamics are calibrated to the starting state.
events:
  - id: delegation
    title: "{partner_name} sends a delegation"
    text: "A high-level delegation from {partner_name} arrives in {focal_name} with offers of cooperation."
    at_round: 1
    effects:
      - force_move: {{actor: {partner}, action: state_visit, target: {focal}}}
      - add: {{relations: [{focal}, {partner}], value: 0.25}}

# Objectives replace the base's list for the same actor (a list replaces a list).
objectives:
  {focal}:
    - id: stay_balanced
      description: "Keep your hedging index at 0.5 or more in every round"
      condition: {{hedging: {focal}, at_least: 0.5}}
      timing: always
      weight: 2
    - id: closer_to_{partner}
      description: "End the game regarding {partner_name} at least as well as you do now"
      condition: {{relations: [{focal}, {partner}], at_least: {regard:.2f}}}

briefing:
  {focal}: |
    A delegation from {partner_name} is on its way. Take what helps you, without losing your other partners.

expect:
  - id: warmer_to_{partner}
    description: "The delegation leaves {focal_name} regarding {partner_name} better than in the base"
    mean: {{relations: [{focal}, {partner}]}}
    timing: average      # over the whole game: relations drift back toward their long-run level
    above_base_by: 0.0
"""


def world_starter(name: str, title: str, path: str, schema: str) -> str:
    """A complete, commented three-actor scenario."""
    return HEADER.format(name=name, path=path, schema=schema) + WORLD.format(name=name, title=title)


def overlay_starter(name: str, title: str, path: str, schema: str, base: str, scenario: Any) -> str:
    """A commented overlay on ``scenario`` (the validated base): an event, objectives, a briefing, an expectation.

    The delegation comes from the power the focal actor regards least, so the event has room to show.
    """
    focal = scenario.scoring.focal
    names = {a: x.name for a, x in scenario.actors.items()}
    candidates = [p for p in scenario.scoring.powers if p != focal] or [a for a in scenario.actors if a != focal]
    partner = min(candidates, key=lambda p: _regard(scenario, focal, p))
    regard = _regard(scenario, focal, partner)
    playable_block = (
        ""
        if scenario.actors[focal].playable
        else f"\nactors:\n  {focal}:\n    playable: true     # objectives and briefings are for playable actors\n"
    )
    return HEADER.format(name=name, path=path, schema=schema) + OVERLAY.format(
        name=name,
        title=title,
        base=base,
        focal=focal,
        partner=partner,
        focal_name=names[focal],
        partner_name=names[partner],
        regard=min(max(regard, -1.0), 1.0),
        playable_block=playable_block,
    )


def _regard(scenario: Any, a: str, b: str) -> float:
    """How a regards b at the start (relations are mirrored unless both directions are given)."""
    given = scenario.relations.get(a, {}).get(b)
    return float(given if given is not None else scenario.relations.get(b, {}).get(a, 0.0))
