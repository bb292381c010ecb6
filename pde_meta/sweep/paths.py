"""Key paths of a sweep file: ``"parameters.mmp_production"``,
``"initial.tumor[1].width"``: splitting them, setting them in a config, and the config
option each one names (so that its values can be checked before any member is made)."""

from __future__ import annotations

import re
from typing import Any

from ..config import (
    CIRCULATION_OPTIONS,
    CIRCULATION_PARAMETER_OPTIONS,
    EVENT_OPTIONS,
    FIELDS,
    INITIAL_TYPES,
    ORGAN_SOIL_OPTIONS,
    ORGANS_OPTIONS,
    PARAMETER_OPTIONS,
    PRIMARY_CONFIG_OPTIONS,
    SECTIONS,
    TOP_OPTIONS,
    TYPE_OPTION,
    exchange_options,
)
from ..core.options import Option, unknown_key
from ..models.circulation import ORGAN_OPTIONS

__all__ = ["flatten", "split_path", "bad_path", "assign", "option_of", "target",
           "types_first"]

#: key paths the sweep sets itself, and why
_MANAGED = {"name": "members are named <sweep name>-<index>",
            "output.path": "each member writes <output>/<index>-<hash>.h5"}

_SEGMENT = re.compile(r"^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$")


def flatten(table: dict, section: str, spec_keys: tuple[str, ...], problems: list[str]
            ) -> list[tuple[str, Any]]:
    """``{"parameters": {"mu": 1}}`` and ``{"parameters.mu": 1}`` both -> ``[("parameters.mu",
    1)]``; a table holding one of ``spec_keys`` is a value, not a level of the path."""
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and value and not set(value) & set(spec_keys):
                walk(value, path + ".")
                continue
            if path in seen:
                problems.append(f"{section}.{path} is given twice; allowed: each key path "
                                f"once; fix: remove one")
                continue
            seen.add(path)
            out.append((path, value))

    walk(table, "")
    return out


def split_path(path: str) -> list[str | int] | None:
    """``"initial.tumor[1].width"`` -> ``["initial", "tumor", 1, "width"]``."""
    out: list[str | int] = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if m is None:
            return None
        out.append(m.group(1))
        if m.group(2) is not None:
            out.append(int(m.group(2)))
    return out


def bad_path(section: str, path: str) -> str:
    return (f"{section}.{path} is not a key path; allowed: names joined by dots, e.g. "
            f"parameters.mmp_production or initial.tumor[1].width; fix: spell it so")


def assign(data: dict, segments: list, value: Any) -> str | None:
    """Set ``value`` at ``segments`` in ``data`` (creating tables); a problem or None."""
    node: Any = data
    for k, seg in enumerate(segments):
        last = k == len(segments) - 1
        if isinstance(seg, int):
            if isinstance(node, dict) and seg == 0:
                continue  # initial.tumor[0] of a single [initial.tumor] table
            if not isinstance(node, list) or seg >= len(node):
                return (f"the base has no part [{seg}] there; allowed: an index below "
                        f"{len(node) if isinstance(node, list) else 1}; fix: check the index")
            if last:
                node[seg] = value
                return None
            node = node[seg]
            continue
        if not isinstance(node, dict):
            return (f"{'.'.join(str(s) for s in segments[:k])} is not a table in the base; "
                    f"fix: check the key path")
        if last:
            if segments[0] == "initial" and seg == "type" and node.get("type") != value:
                node.clear()  # the keys of the old type do not apply to the new one
            node[seg] = value
            return None
        if seg not in node:
            node[seg] = {}
        node = node[seg]
    return None  # pragma: no cover - segments is never empty


def option_of(path: str, data: dict, section: str, problems: list[str]
              ) -> tuple[bool, Option | None]:
    """``(True, option)`` for a usable key path of ``[section]``; else records the problem
    and returns ``(False, None)``."""
    segments = split_path(path)
    if segments is None:
        problems.append(bad_path(section, path))
        return False, None
    opt, found = target(path, segments, data, section)
    if found:
        problems.append(found)
        return False, None
    return True, opt


def target(path: str, segments: list, data: dict, section: str
           ) -> tuple[Option | None, str | None]:
    """The config option a key path names: ``(option, None)``, or ``(None, problem)``.

    ``(None, None)`` when the path is fine but its option cannot be known (an initial part
    whose type is itself invalid; the config validation reports that)."""
    prefix = f"{section}." if section else ""
    if path in _MANAGED:
        return None, (f"{prefix}{path} is set by the sweep ({_MANAGED[path]}); allowed: any "
                      f"other key path; fix: remove it")
    head = segments[0]
    top = {o.key: o for o in TOP_OPTIONS if o.key != "name"}
    sections = (*SECTIONS, "physical_parameters", "initial")
    if len(segments) == 1:
        if head in top:
            return top[head], None
        if head in sections:
            return None, (f"{prefix}{path} is a section, not a key; allowed: a key path "
                          f"such as parameters.mmp_production; fix: name the key in it")
        return None, unknown_key(prefix, head, [*top, *sections])
    if head in SECTIONS or head == "physical_parameters":
        options = (SECTIONS[head] if head in SECTIONS
                   else tuple(o for o in PARAMETER_OPTIONS if o.kind == "number"))
        by_key = {o.key: o for o in options}
        key = segments[1]
        if key not in by_key:
            return None, unknown_key(f"{prefix}{head}.", key, list(by_key))
        if len(segments) > 2:
            return None, (f"{prefix}{path} goes below the key {head}.{key}; allowed: "
                          f"{head}.{key}; fix: set the whole value, e.g. {head}.{key} = [...]")
        return by_key[key], None
    if head == "initial":
        return _initial_target(path, segments, data, prefix)
    if head == "compartments":
        return _compartment_target(path, segments, data, prefix)
    if head == "exchanges":
        return _exchange_target(path, segments, data, prefix)
    if head == "treatments":
        return _treatment_target(path, segments, data, prefix)
    return None, unknown_key(prefix, head, [*top, *sections, "compartments", "exchanges",
                                            "treatments"])


#: the key paths of a compartment that is not a tissue: its options, its tables of
#: options (``parameters.<key>``) and its lists of tables (``organs[k].<key>``)
_MODEL_KEYS = {
    "circulation": (CIRCULATION_OPTIONS, {"parameters": CIRCULATION_PARAMETER_OPTIONS},
                    {"organs": ORGAN_OPTIONS}),
    "organs": (ORGANS_OPTIONS, {}, {"organs": ORGAN_SOIL_OPTIONS, "events": EVENT_OPTIONS}),
    "primary": (PRIMARY_CONFIG_OPTIONS, {}, {}),
}


def _pick(where: str, key, options) -> tuple[Option | None, str | None]:
    by_key = {o.key: o for o in options}
    if key in by_key:
        return by_key[key], None
    return None, unknown_key(where, key, list(by_key))


def _model_target(where: str, rest: list, options, tables: dict, lists: dict
                  ) -> tuple[Option | None, str | None]:
    """The option a key path below the name of a circulation, organs or a primary
    names."""
    head = rest[0]
    if head in tables and len(rest) == 2:
        return _pick(f"{where}{head}.", rest[1], tables[head])
    if head in lists:
        if len(rest) == 1:
            return None, None  # a whole list of tables: the config checks it
        if len(rest) == 3 and isinstance(rest[1], int):
            return _pick(f"{where}{head}[{rest[1]}].", rest[2], lists[head])
        example = lists[head][1].key
        return None, (f"{where}{'.'.join(map(str, rest))} is not a key of {head}; allowed: "
                      f"{head}, or {head}[k].<key>; fix: e.g. {head}[0].{example}")
    if len(rest) == 1 and head in {o.key for o in options}:
        return _pick(where, head, options)
    return None, unknown_key(where, head, [*(o.key for o in options), *tables, *lists])


def _compartment_target(path: str, segments: list, data: dict, prefix: str
                        ) -> tuple[Option | None, str | None]:
    """``compartments.<name>.<...>``: a tissue's key paths below its name, or those of a
    circulation, organs or a primary (:data:`_MODEL_KEYS`)."""
    table = data.get("compartments")
    names = list(table) if isinstance(table, dict) else []
    if len(segments) < 3 or segments[1] not in names:
        return None, (f"{prefix}{path} names no compartment of the base; allowed: "
                      f"compartments.<name>.<key path> with <name> one of {names or '(none)'}"
                      f"; fix: e.g. compartments.{names[0] if names else 'tissue'}"
                      f".parameters.haptotaxis")
    part = table[segments[1]]
    rest = segments[2:]
    where = f"{prefix}compartments.{segments[1]}."
    model = part.get("model") if isinstance(part, dict) else None
    if model in _MODEL_KEYS:
        return _model_target(where, rest, *_MODEL_KEYS[model])
    sub = ".".join(str(s) if not isinstance(s, int) else f"[{s}]" for s in rest)
    return target(sub.replace(".[", "["), rest, part if isinstance(part, dict) else {},
                  f"{prefix}compartments.{segments[1]}".lstrip("."))


def _exchange_target(path: str, segments: list, data: dict, prefix: str
                     ) -> tuple[Option | None, str | None]:
    """``exchanges[k].<key>``: an option of the k-th exchange's kind."""
    entries = data.get("exchanges")
    count = len(entries) if isinstance(entries, list) else 0
    if len(segments) != 3 or not isinstance(segments[1], int) or segments[1] >= count:
        return None, (f"{prefix}{path} is not an exchange key; allowed: exchanges[k].<key> "
                      f"with k below {count}; fix: e.g. exchanges[0].active_rate")
    entry = entries[segments[1]]
    options = exchange_options(entry.get("kind")) if isinstance(entry, dict) else None
    if options is None:
        return None, None  # the config reports the kind
    by_key = {o.key: o for o in options}
    if segments[2] in ("kind", "from", "to") or segments[2] not in by_key:
        allowed = [k for k in by_key if k not in ("from", "to")]
        return None, unknown_key(f"{prefix}exchanges[{segments[1]}].", segments[2], allowed)
    return by_key[segments[2]], None


def _treatment_target(path: str, segments: list, data: dict, prefix: str
                      ) -> tuple[Option | None, str | None]:
    """``treatments[k].<key>`` and ``treatments[k].effects[j].<key>``."""
    from ..config.treatments import EFFECT_OPTIONS, TREATMENT_OPTIONS

    entries = data.get("treatments")
    count = len(entries) if isinstance(entries, list) else 0
    if len(segments) not in (3, 5) or not isinstance(segments[1], int) \
            or segments[1] >= count:
        return None, (f"{prefix}{path} is not a treatment key; allowed: treatments[k].<key> "
                      f"or treatments[k].effects[j].<key> with k below {count}; fix: e.g. "
                      f"treatments[0].level")
    if len(segments) == 3:
        by_key = {o.key: o for o in TREATMENT_OPTIONS if o.key != "name"}
        where = f"{prefix}treatments[{segments[1]}]."
    else:
        effects = entries[segments[1]].get("effects", [])
        j = segments[3]
        if segments[2] != "effects" or not isinstance(j, int) or j >= len(effects):
            return None, (f"{prefix}{path} is not a treatment key; allowed: "
                          f"treatments[k].effects[j].<key> with j below {len(effects)}; fix: "
                          f"e.g. treatments[0].effects[0].emax")
        by_key = {o.key: o for o in EFFECT_OPTIONS if o.key != "target"}
        where = f"{prefix}treatments[{segments[1]}].effects[{j}]."
    if segments[-1] not in by_key:
        return None, unknown_key(where, segments[-1], list(by_key))
    return by_key[segments[-1]], None


def _initial_target(path: str, segments: list, data: dict, prefix: str
                    ) -> tuple[Option | None, str | None]:
    field = segments[1]
    if not isinstance(field, str) or field not in FIELDS:
        return None, unknown_key(f"{prefix}initial.", field, FIELDS)
    rest = segments[2:]
    index = None
    if rest and isinstance(rest[0], int):
        index, rest = rest[0], rest[1:]
    if len(rest) != 1 or not isinstance(rest[0], str):
        return None, (f"{prefix}{path} is not a key of an initial field; allowed: "
                      f"initial.<field>.<key> or initial.<field>[k].<key>; fix: e.g. "
                      f"initial.{field}.amplitude")
    key = rest[0]
    spec = data.get("initial", {}).get(field) if isinstance(data.get("initial"), dict) else None
    parts = spec if isinstance(spec, list) else [spec] if isinstance(spec, dict) else []
    if not parts:
        return None, (f"{prefix}{path}: initial.{field} is not in the base config; allowed: "
                      f"keys of the initial fields it describes; fix: describe "
                      f"initial.{field} in the base (or give its type in [set])")
    k = index or 0
    if k >= len(parts):
        return None, (f"{prefix}{path}: initial.{field} has {len(parts)} part(s); allowed: "
                      f"an index below {len(parts)}; fix: check the index")
    if len(parts) > 1 and index is None:
        return None, (f"{prefix}{path}: initial.{field} has {len(parts)} parts; allowed: "
                      f"initial.{field}[k].{key} with k < {len(parts)}; fix: name the part")
    if key == "type":
        return TYPE_OPTION, None
    kind = parts[k].get("type") if isinstance(parts[k], dict) else None
    if kind not in INITIAL_TYPES:
        return None, None  # the config reports the type
    options = {o.key: o for o in INITIAL_TYPES[kind].options}
    if key not in options:
        where = f"initial.{field}." if index is None else f"initial.{field}[{index}]."
        return None, unknown_key(prefix + where, key, ["type", *options])
    return options[key], None


def types_first(overrides):
    """Overrides with the initial field types first: a new type resets its part."""
    return sorted(overrides, key=lambda item: not item[0].endswith(".type"))
