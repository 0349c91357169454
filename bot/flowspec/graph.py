"""A flow drawn as steps and branches (Graphviz on the server, SVG), with unreachable steps and dangling references
marked in words as well as in shape, each step linked to its line in the editor. Read from the YAML as written, so a
draft with problems still draws: the graph is how an admin finds them."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

import yaml

ENTRY = "main"
REF_KEYS = ("next", "yes", "no", "confirm", "correct", "then")
BOOLEAN_KEYS = {"yes": True, "no": False}  # yaml.safe_load reads the keys `yes:` and `no:` as booleans (YAML 1.1)


@dataclass
class Step:
    flow: str
    id: str
    kind: str
    line: int
    text: str
    edges: list[tuple[str, str]] = field(default_factory=list)  # (label, "flow.step")


@dataclass
class Graph:
    steps: dict[str, Step]  # by "flow.step"
    starts: set[str]

    def reachable(self) -> set[str]:
        seen, todo = set(), list(self.starts)
        while todo:
            key = todo.pop()
            if key in seen or key not in self.steps:
                continue
            seen.add(key)
            todo.extend(target for _label, target in self.steps[key].edges)
        return seen

    def dangling(self) -> set[str]:
        return {target for step in self.steps.values() for _label, target in step.edges if target not in self.steps}


def _lines(body: str) -> dict[str, int]:
    """step id -> its line (1-based) in a flow file; empty when the YAML does not parse."""
    try:
        root = yaml.compose(body)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if getattr(key, "value", None) == "steps" and isinstance(value, yaml.MappingNode):
            return {str(k.value): k.start_mark.line + 1 for k, _v in value.value}
    return {}


def _ref(ref: Any, flow: str) -> str:
    text = str(ref)
    return text if "." in text else f"{flow}.{text}"


def _fi(text: Any) -> str:
    if isinstance(text, dict):
        return str(text.get("fi") or text.get("sv") or "")
    return str(text or "")


def build(files: dict[str, str]) -> tuple[Graph, dict[str, str]]:
    """The graph of every flow in `files`, and which file each flow is in."""
    steps: dict[str, Step] = {}
    starts: set[str] = set()
    file_of: dict[str, str] = {}
    for name, body in sorted(files.items()):
        try:
            data = yaml.safe_load(body)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
            continue
        flow = str(data.get("id") or name.rsplit(".", 1)[0])
        file_of[flow] = name
        lines = _lines(body)
        if data.get("start"):
            if flow == ENTRY or data.get("topic"):
                starts.add(f"{flow}.{data['start']}")
        for step_id, spec in data["steps"].items():
            spec = spec if isinstance(spec, dict) else {}
            step = Step(flow=flow, id=str(step_id), kind=str(spec.get("kind", "?")), line=lines.get(str(step_id), 1),
                        text=_fi(spec.get("text"))[:60])
            for key in REF_KEYS:
                target = spec.get(key) or spec.get(BOOLEAN_KEYS.get(key))
                if target:
                    step.edges.append((key, _ref(target, flow)))
            for option in spec.get("options") or []:
                if isinstance(option, dict) and option.get("next"):
                    step.edges.append((_fi(option.get("label"))[:24], _ref(option["next"], flow)))
            for intent, target in (spec.get("routes") or {}).items():
                step.edges.append((str(intent), _ref(target, flow)))
            steps[f"{flow}.{step_id}"] = step
    return Graph(steps=steps, starts=starts), file_of


def has_dot() -> bool:
    return shutil.which("dot") is not None


def svg(graph: Graph, file_of: dict[str, str], flow: str, *, labels: dict[str, str]) -> str:
    """One flow as SVG; steps of other flows it leads to are drawn as dashed boxes. `labels` words the marks:
    {"unreachable": ..., "missing": ..., "start": ...}. Needs Graphviz's `dot`."""
    import graphviz

    reachable, dangling = graph.reachable(), graph.dangling()
    dot = graphviz.Digraph(flow, format="svg", graph_attr={"rankdir": "TB", "fontname": "DejaVu Sans"},
                           node_attr={"shape": "box", "fontname": "DejaVu Sans", "fontsize": "11"},
                           edge_attr={"fontname": "DejaVu Sans", "fontsize": "9"})
    outside: set[str] = set()
    for key, step in graph.steps.items():
        if step.flow != flow:
            continue
        marks = ([labels["start"]] if key in graph.starts else []) + (
            [labels["unreachable"]] if key not in reachable else [])
        text = f"{step.id} ({step.kind})" + "".join(f"\n[{mark}]" for mark in marks)
        if step.text:
            text += f"\n{step.text}"
        dot.node(key, text, URL=f"/flows/edit/{file_of.get(flow, flow)}#line-{step.line}", target="_top",
                 style="dashed" if key not in reachable else ("bold" if key in graph.starts else "solid"),
                 tooltip=f"{step.id}: {step.kind}")
        for label, target in step.edges:
            if not target.startswith(f"{flow}."):
                outside.add(target)
            dot.edge(key, target, label=label)
    for target in outside | {t for t in dangling if t.startswith(f"{flow}.")}:
        if target in dangling:
            dot.node(target, f"{target}\n[{labels['missing']}]", shape="octagon", style="dashed")
        elif target not in graph.steps or graph.steps[target].flow != flow:
            other = graph.steps.get(target)
            dot.node(target, target, style="dashed", shape="box",
                     URL=f"/flows/edit/{file_of.get(other.flow, '')}#line-{other.line}" if other else None)
    return dot.pipe(encoding="utf-8")
