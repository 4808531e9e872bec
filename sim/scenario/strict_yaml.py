"""Strict, safe YAML reading: YAML 1.2 scalars, no duplicate keys, no tags, bounded aliases, with positions.

Only the composer of PyYAML's safe loader runs; values are built here from the node tree, so no
constructor (safe or not) ever executes, every node's line and column are kept, and alias
expansion is counted to refuse "billion laughs" documents.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from sim.files import special_kind
from sim.scenario.errors import ScenarioError

MAX_BYTES = 2 * 1024 * 1024  # 2 MiB: a scenario is a few tens of KiB
MAX_NODES = 200_000  # values after alias expansion
MAX_ALIASES = 200
MAX_DEPTH = 64
MAX_DIGITS = 100  # a whole number's digits (the largest sensible value has a handful)

Path = tuple[str | int, ...]
TAG = "tag:yaml.org,2002:"


class _Yaml12Resolver(BaseResolver):
    """YAML 1.2 core schema: only true/false are booleans (no yes/no/on/off), 1e3 is a float."""


_Yaml12Resolver.add_implicit_resolver(TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Yaml12Resolver.add_implicit_resolver(TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Yaml12Resolver.add_implicit_resolver(
    TAG + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Resolver.add_implicit_resolver(
    TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _ComposeOnly(Reader, Scanner, Parser, Composer, _Yaml12Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Yaml12Resolver.__init__(self)
        self.alias_count = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()
                raise _RefusedError(
                    f"more than {MAX_ALIASES} aliases: refused as a possible alias bomb", event.start_mark
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _RefusedError(f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastComposeOnly(CParser, _Yaml12Resolver):
        """libyaml's parser and composer with our resolver: ~8x faster than the pure-Python path."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Yaml12Resolver.__init__(self)


def _check_limits(text: str) -> None:
    """Refuse excessive nesting and alias counts from the event stream, before any node is built.

    libyaml's composer recurses in C without Python's recursion limit, so depth is checked first here,
    iteratively, on events.
    """
    events = _FastComposeOnly(text)
    depth = aliases = 0
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _RefusedError(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _RefusedError(
                        f"more than {MAX_ALIASES} aliases: refused as a possible alias bomb", event.start_mark
                    )
    finally:
        events.dispose()


def _compose(text: str) -> Node | None:
    if yaml.__with_libyaml__:
        _check_limits(text)
        fast = _FastComposeOnly(text)
        try:
            return fast.get_single_node()
        finally:
            fast.dispose()
    loader = _ComposeOnly(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _RefusedError(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass(frozen=True, slots=True)
class Document:
    """A YAML document as plain Python data, with the position of every value and key.

    A document merged from several files (``extends:``) records in ``files`` the file each path was
    written in; paths not listed there come from ``file``. ``observed`` is the data of the scenario whose
    state the dynamics are calibrated to, when it is not this data itself (an overlay calibrated to its
    base, or a document with overrides applied); sim.scenario.calibration reads it.
    """

    file: str
    data: Any
    value_marks: dict[Path, tuple[int, int]]  # path -> (line, column), 1-based
    key_marks: dict[Path, tuple[int, int]]
    files: dict[Path, str] = field(default_factory=dict)
    observed: Any = None

    def where(self, path: Path, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of a path, falling back to its nearest located ancestor."""
        _, line, column = self.locate(path, key=key)
        return line, column

    def locate(self, path: Path, *, key: bool = False) -> tuple[str, int | None, int | None]:
        """File, line and column of a path (its key with ``key=True``), else of its nearest located ancestor."""
        marks = self.key_marks if key and path in self.key_marks else self.value_marks
        p = path
        while True:
            if p in marks:
                line, column = marks[p]
                return self.files.get(p, self.file), line, column
            if not p:
                return self.file, None, None
            p = p[:-1]


def read_text(path: str, display: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing missing, oversized, binary or non-UTF-8 files with one clear problem."""
    name = display or path
    kind = special_kind(path)
    if kind is not None:  # opening a FIFO would wait for a writer forever; a device never ends
        raise ScenarioError.single(name, f"is {kind}, not a scenario file: refused without reading it")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError.single(name, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError.single(name, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError.single(name, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(name, f"file larger than {MAX_BYTES // (1024 * 1024)} MiB: refused")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(name, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None


def parse(text: str, file: str) -> Document:
    """Parse one YAML document strictly. Raises ScenarioError with the position of the first problem."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError.single(file, f"text larger than {MAX_BYTES // (1024 * 1024)} MiB: refused")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: no file read as UTF-8 holds one, but a string may
        raise ScenarioError.single(file, f"not valid Unicode text (character {exc.start})") from None
    try:
        root = _compose(text)
    except _RefusedError as exc:
        raise ScenarioError.single(file, exc.message, line=exc.mark.line + 1, column=exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        try:
            exc = _clearer_syntax_error(text, exc)
        except _RefusedError as refused:
            line, col = refused.mark.line + 1, refused.mark.column + 1
            raise ScenarioError.single(file, refused.message, line=line, column=col) from None
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            message += " (tabs cannot indent YAML: use spaces)"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        plain = indentation_problem(text, mark.line, message) if mark is not None else None
        if plain is not None:
            raise ScenarioError.single(file, plain[1], line=mark.line + 1, column=plain[0]) from None
        raise ScenarioError.single(file, f"YAML syntax error: {message}", line=line, column=col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other control characters)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"character U+{code:04X} is not allowed in YAML ({exc.reason}): remove it or save the file as text"
        raise ScenarioError.single(file, message, line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(file, "YAML error: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise ScenarioError.single(file, "nesting too deep: refused") from None
    if root is None:
        raise ScenarioError.single(
            file, "the file is empty (or holds only comments): a scenario needs meta, actors and scoring, or extends:"
        )
    builder = _Builder(file)
    data = builder.build(root, ())
    return Document(file, data, builder.value_marks, builder.key_marks)


def _clearer_syntax_error(text: str, error: yaml.MarkedYAMLError) -> yaml.MarkedYAMLError:
    """The pure-Python parser's report of a syntax error: it names what it found, libyaml's does not.

    Only used on the error path, so the fast parser still reads every valid file.
    """
    if not yaml.__with_libyaml__:
        return error
    try:
        loader = _ComposeOnly(text)
    except yaml.YAMLError:  # the pure-Python reader refuses a control character that libyaml had not reached
        return error
    try:
        loader.get_single_node()
    except yaml.MarkedYAMLError as slow:
        return slow
    except (yaml.YAMLError, RecursionError):
        return error
    finally:
        loader.dispose()
    return error


#: Parser messages that an indentation slip produces (the plain explanation replaces them).
_INDENT_SYMPTOMS = (
    "mapping values are not allowed here",
    "expected <block end>",
    "did not find expected key",
    "could not find expected ':'",
    "did not find expected '-' indicator",
)


def _spaces(n: int) -> str:
    return "one space" if n == 1 else ("no spaces" if n == 0 else f"{n} spaces")


def indentation_problem(text: str, line: int, message: str) -> tuple[int, str] | None:
    """(column, plain message) when a syntax error at 0-based ``line`` is an indentation slip, else None.

    Compares the line's indentation with the lines above it: deeper than the key before it, between two
    levels, or level with a list's ``-`` instead of its keys. Anything else keeps the parser's message.
    """
    if not message.startswith(_INDENT_SYMPTOMS):
        return None
    lines = text.splitlines()
    if not 0 < line < len(lines):
        return None
    here = lines[line]
    if not here.strip() or "\t" in here[: len(here) - len(here.lstrip())]:
        return None
    indent = len(here) - len(here.lstrip(" "))

    def content(k: int) -> tuple[int, int]:
        """(indent of the line's first character, indent of its key after any '- ' list markers)."""
        s = lines[k]
        raw = len(s) - len(s.lstrip(" "))
        key = raw
        while s[key:].startswith("- "):
            key += 2
            key += len(s[key:]) - len(s[key:].lstrip(" "))
        return raw, key

    above = [k for k in range(line - 1, -1, -1) if lines[k].strip() and not lines[k].lstrip().startswith("#")]
    if not above:
        return None
    prev = above[0]
    chain: list[tuple[int, int, int]] = []  # (line, raw indent, key indent) of the line before and its ancestors
    limit = 10**9
    for k in above:
        raw, key = content(k)
        if raw < limit:
            chain.append((k, raw, key))
            limit = raw
        if limit == 0:
            break
    if any(key == indent for _, _, key in chain):
        return None  # lines up with a key above it: the slip is something else
    column = indent + 1
    p_key = content(prev)[1]
    n, p = line + 1, prev + 1
    if indent > p_key:
        return column, (
            f"line {n} is indented {_spaces(indent - p_key)} deeper than line {p}; keys of the same mapping must "
            f"line up (start line {n} at column {p_key + 1}, as line {p}), or end line {p} with ':' to hold it"
        )
    dash = next(((k, raw, key) for k, raw, key in chain if raw == indent and key != raw), None)
    if dash is not None:
        return column, (
            f"line {n} is indented {_spaces(indent)}, level with the '-' of the list item on line {dash[0] + 1}, "
            f"not with its keys; indent it {_spaces(dash[2])} to make it part of that item, or dedent it "
            "further if it belongs elsewhere"
        )
    inner = min((c for c in chain if c[2] > indent), key=lambda c: c[2], default=None)
    outer = max((c for c in chain if c[2] < indent), key=lambda c: c[2], default=None)
    parts = []
    if inner is not None:
        parts.append(f"line {inner[0] + 1}'s keys are at {_spaces(inner[2])}")
    if outer is not None:
        at = "the left margin" if outer[2] == 0 else _spaces(outer[2])
        parts.append(f"line {outer[0] + 1}'s at {at}")
    return column, (
        f"line {n} is indented {_spaces(indent)}, which lines up with no key above it ({', '.join(parts)}); "
        "keys of the same mapping must line up"
    )


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _tag_refused(tag: str) -> str:
    return (
        f"tag {tag.replace(TAG, '!!')!r} is not allowed: scenario files hold plain data only "
        "(no Python objects or custom tags)"
    )


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.value_marks: dict[Path, tuple[int, int]] = {}
        self.key_marks: dict[Path, tuple[int, int]] = {}
        self.count = 0

    def fail(self, node: Node, path: Path, message: str) -> ScenarioError:
        return ScenarioError.single(
            self.file, message, _dotted(path), node.start_mark.line + 1, node.start_mark.column + 1
        )

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, path, f"more than {MAX_NODES} values after expanding aliases: refused")
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nesting deeper than {MAX_DEPTH} levels: refused")
        self.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, MappingNode):
            if node.tag not in (TAG + "map",):
                raise self.fail(node, path, _tag_refused(node.tag))
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag == TAG + "merge":
                    raise self.fail(key_node, path, "merge keys (<<) are not supported: write the values out")
                key = self.build(key_node, (*path, "<key>"), depth + 1)
                if not isinstance(key, str):
                    raise self.fail(key_node, path, f"keys must be names (got {key!r})")
                child = (*path, key)
                if key in out:
                    raise self.fail(
                        key_node, child, f"duplicate key {key!r} (first at line {self.key_marks[child][0]})"
                    )
                self.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, child, depth + 1)
            return out
        if isinstance(node, SequenceNode):
            if node.tag != TAG + "seq":
                raise self.fail(node, path, _tag_refused(node.tag))
            return [self.build(item, (*path, k), depth + 1) for k, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        tag, value = node.tag, node.value
        if tag == TAG + "str":
            return value
        if tag == TAG + "null":
            return None
        if tag == TAG + "bool":
            return value.lower() == "true"
        if tag == TAG + "int":
            if len(value) > MAX_DIGITS:  # int() of thousands of digits is slow, and refused past 4,300
                raise self.fail(node, path, f"a whole number of more than {MAX_DIGITS} digits: refused")
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value)
        if tag == TAG + "float":
            lowered = value.lower()
            if lowered.endswith(".inf"):
                return -math.inf if lowered.startswith("-") else math.inf
            if lowered.endswith(".nan"):
                return math.nan
            return float(value)
        raise self.fail(node, path, _tag_refused(tag))


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path if p != "<key>")
