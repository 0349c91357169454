"""Validate flows in two layers: the schema, then one named rule at a time, each as file:line."""
from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path

import phonenumbers
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.dialogue.validators import folded_words, yes_no
from bot.flowspec.loader import LoadedFlow, Problem, SourceFile, read_source
from bot.flowspec.placeholders import BrokenTemplate, placeholders
from bot.flowspec.schema import CONTEXT_VARS, LANGS, NEED_SLOTS, ChoiceStep, Flow, Text
from bot.flowspec.validate_privacy import privacy_problems
from nlu.types import ALL_INTENTS, SERVICE_TOPICS

ENTRY = "main"


def _schema_problem(source: SourceFile, error: ErrorDetails) -> Problem:
    loc = tuple(error["loc"])
    # Drop the discriminator tag pydantic inserts into a union location ("steps", "x", "message", "text").
    clean = tuple(part for i, part in enumerate(loc)
                  if not (i >= 2 and loc[i - 2] == "steps" and isinstance(part, str) and part in _KINDS))
    where = ".".join(str(part) for part in clean) or "file"
    kind, msg = error["type"], error["msg"]
    if "words" in clean and clean[-1] in LANGS and kind == "missing":
        language = "Finnish" if clean[-1] == "fi" else "Swedish"
        where = ".".join(str(part) for part in clean[:-1])
        message = (f"{where}: the {language} words ({clean[-1]}) are missing; `words` needs a fi list and an sv list "
                   "(write [] when there are none)")
    elif "words" in clean and kind == "list_type":
        message = f"{where}: write the words as a list in brackets, for example [äiti, äidin]"
    elif clean and clean[-1] == "means":
        message = (f"{where}: means must be accept or decline (a typed yes picks the accept option, a typed no the "
                   "decline one); an unquoted yes/no would be read as true/false")
    elif kind == "missing" and clean and clean[-1] in LANGS:
        language = "Finnish" if clean[-1] == "fi" else "Swedish"
        where = ".".join(str(part) for part in clean[:-1])
        message = f"{where}: the {language} text ({clean[-1]}) is missing; every citizen-facing text needs fi and sv"
    elif kind == "missing":
        message = f"{where}: required field is missing; add it"
    elif kind == "extra_forbidden":
        message = f"{where}: unknown field; check the spelling (see flows/README.md for the fields of each step kind)"
    elif kind == "union_tag_invalid":
        message = f"{where}: unknown step kind; use one of {', '.join(sorted(_KINDS))}"
    elif kind == "union_tag_not_found":
        message = f"{where}: the step has no kind; add `kind:` ({', '.join(sorted(_KINDS))})"
    else:
        message = f"{where}: {msg}"
    return Problem(str(source.path), source.line_of(clean), message)


_KINDS = ("message", "choice", "ask", "topic", "summary", "consent", "handoff", "info", "feedback", "end")


def parse_flow(path: Path) -> tuple[LoadedFlow | None, list[Problem]]:
    """Layer one: YAML syntax and the Pydantic schema."""
    source, problems = read_source(path)
    if source is None:
        return None, problems
    if not isinstance(source.data, dict):
        return None, problems + [Problem(str(path), 1, "a flow file must be a mapping with id, title, start and steps")]
    try:
        flow = Flow.model_validate(source.data)
    except ValidationError as error:
        return None, problems + [_schema_problem(source, e) for e in error.errors()]
    return LoadedFlow(flow=flow, source=source), problems


def _texts(obj: object, loc: tuple) -> Iterable[tuple[tuple, Text]]:
    if isinstance(obj, Text):
        yield loc, obj
        return
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from _texts(item, (*loc, index))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _texts(getattr(obj, name), (*loc, name))


def _refs(step: object) -> Iterable[tuple[tuple, str]]:
    for name in ("next", "confirm", "correct", "yes", "no", "then"):
        value = getattr(step, name, None)
        if value:
            yield (name,), value
    for index, option in enumerate(getattr(step, "options", None) or []):
        yield ("options", index, "next"), option.next
    for intent, target in (getattr(step, "routes", None) or {}).items():
        yield ("routes", intent), target


def resolve(ref: str, flow_id: str) -> tuple[str, str]:
    if "." in ref:
        flow, step = ref.split(".", 1)
        return flow, step
    return flow_id, ref


def check_flows(loaded: list[LoadedFlow], *, broken: AbstractSet[str] = frozenset()) -> list[Problem]:
    """Layer two: references, reachability, intents, slots, placeholders, phone numbers, coverage.

    `broken` names flows whose files failed layer one: references into them are not reported again.
    """
    problems: list[Problem] = []
    by_id: dict[str, LoadedFlow] = {}
    for item in loaded:
        if item.flow.id in by_id:
            problems.append(Problem(str(item.source.path), item.line("id"),
                                    f"flow id {item.flow.id!r} is also used in {by_id[item.flow.id].source.path}; "
                                    "ids must be unique"))
        by_id[item.flow.id] = item

    def problem(item: LoadedFlow, loc: tuple, message: str) -> None:
        problems.append(Problem(str(item.source.path), item.line(*loc), f"flow {item.flow.id}: {message}"))

    topics_served: dict[str, str] = {}
    dangling: set[str] = set()  # flows with a broken next: their unreachable steps follow from it
    referenced: set[tuple[str, str]] = set()
    for item in loaded:
        flow = item.flow
        known_slots = set(NEED_SLOTS) | set(flow.slots)
        if flow.start not in flow.steps:
            problem(item, ("start",), f"start step {flow.start!r} does not exist; name one of the steps")
        if flow.topic is not None:
            if flow.topic not in SERVICE_TOPICS:
                problem(item, ("topic",),
                        f"unknown service topic {flow.topic!r}; use a name from shared/intents.yml service_topics")
            elif flow.topic in topics_served:
                problem(item, ("topic",), f"topic {flow.topic!r} is already served by flow {topics_served[flow.topic]}")
            else:
                topics_served[flow.topic] = flow.id
        for step_id, step in flow.steps.items():
            base = ("steps", step_id)
            for loc, ref in _refs(step):
                target_flow, target_step = resolve(ref, flow.id)
                referenced.add((target_flow, target_step))
                target = by_id.get(target_flow)
                if target_flow in broken:
                    continue
                if target is None:
                    dangling.add(flow.id)
                    problem(item, (*base, *loc), f"step {step_id}: next {ref!r} names an unknown flow {target_flow!r}")
                elif target_step not in target.flow.steps:
                    dangling.add(flow.id)
                    problem(item, (*base, *loc), f"step {step_id}: next {ref!r} points to no step; "
                                                 f"name one of the steps of flow {target_flow}")
            for intent in getattr(step, "routes", None) or {}:
                if intent not in ALL_INTENTS:
                    problem(item, (*base, "routes", intent), f"step {step_id}: unknown intent {intent!r}; "
                                                             "use a name from shared/intents.yml")
            for attr in ("slot",):
                slot = getattr(step, attr, None)
                if slot is not None and slot not in known_slots:
                    problem(item, (*base, "slot"), f"step {step_id}: unknown slot {slot!r}; use one of "
                                                   f"{', '.join(NEED_SLOTS)} or declare it under `slots:`")
            for index, slot in enumerate(getattr(step, "fields", None) or []):
                if slot not in known_slots:
                    problem(item, (*base, "fields", index), f"step {step_id}: unknown slot {slot!r} in fields")
            for loc, text in _texts(step, base):
                for lang in LANGS:
                    for message in _placeholder_problems(text.get(lang), lang, known_slots):
                        problem(item, (*loc, lang), f"step {step_id}: {message}")
            if step.kind == "choice":
                for loc, message in _typed_answer_problems(step):
                    problem(item, (*base, *loc), f"step {step_id}: {message}")
            if step.kind == "info":
                try:
                    valid = phonenumbers.is_valid_number(phonenumbers.parse(step.phone, "FI"))
                except phonenumbers.NumberParseException:
                    valid = False
                if not valid:
                    problem(item, (*base, "phone"),
                            f"step {step_id}: {step.phone!r} is not a valid Finnish phone number")

        for loc, message in privacy_problems(flow):
            problem(item, loc, message)

    # Reachability: from the entry flow's start and from every topic flow's start (topics are routed by NLU).
    roots = {(f.flow.id, f.flow.start) for f in loaded if f.flow.id == ENTRY or f.flow.topic}
    reachable = _reachable(by_id, roots)
    for item in loaded:
        if item.flow.id in dangling or broken:
            continue
        for step_id in item.flow.steps:
            if (item.flow.id, step_id) not in reachable:
                problem(item, ("steps", step_id), f"step {step_id} is unreachable: no step leads to it; "
                                                  "link it with next/options or remove it")
    if loaded and ENTRY not in by_id and ENTRY not in broken:
        problems.append(Problem(str(loaded[0].source.path.parent), 1,
                                f"no flow with id {ENTRY!r}: the entry flow is missing"))
    missing = [t for t in SERVICE_TOPICS if t not in topics_served]
    if loaded and missing and not broken:
        problems.append(Problem(str(loaded[0].source.path.parent), 1,
                                f"no flow serves the service topic(s) {', '.join(missing)}; add a flow with `topic:`"))
    return problems


def _typed_answer_problems(step: ChoiceStep) -> Iterable[tuple[tuple, str]]:
    """Options' `means` and `words`: one accept and one decline at most, and no typed word that picks two options."""
    meaning: dict[str, int] = {}
    for index, option in enumerate(step.options):
        if option.means is None:
            continue
        if option.means in meaning:
            answer = "yes" if option.means == "accept" else "no"
            yield ("options", index, "means"), (f"options {meaning[option.means] + 1} and {index + 1} both mean "
                                                f"{option.means}; a typed {answer} can pick only one option: "
                                                "keep `means` on one of them")
        else:
            meaning[option.means] = index
    owner: dict[str, tuple[int, str]] = {}  # folded phrase -> (option index, where it was found)
    for index, option in enumerate(step.options):
        for lang in LANGS:
            phrase = " ".join(folded_words(option.label.get(lang)))
            owner.setdefault(phrase, (index, "label"))
    for index, option in enumerate(step.options):
        for lang in LANGS:
            for number, word in enumerate(getattr(option.words, lang) if option.words else []):
                loc = ("options", index, "words", lang, number)
                phrase = " ".join(folded_words(word))
                if not phrase:
                    yield loc, f"the typed word {word!r} has no letters or digits; remove it"
                    continue
                first, where = owner.setdefault(phrase, (index, "words"))
                if first != index:
                    yield loc, (f"the typed word {word!r} of option {index + 1} also picks option {first + 1} "
                                f"(its {where}); a word may pick only one option of a step: remove it from one")
                yes = yes_no(word)
                means = None if yes is None else ("accept" if yes else "decline")
                if means and means in meaning and meaning[means] != index:
                    yield loc, (f"the typed word {word!r} of option {index + 1} is a {'yes' if yes else 'no'}, "
                                f"which picks option {meaning[means] + 1} (means: {means}); remove it")


def _reachable(by_id: dict[str, LoadedFlow], roots: set[tuple[str, str]]) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    stack = list(roots)
    while stack:
        flow_id, step_id = stack.pop()
        if (flow_id, step_id) in seen or flow_id not in by_id or step_id not in by_id[flow_id].flow.steps:
            continue
        seen.add((flow_id, step_id))
        step = by_id[flow_id].flow.steps[step_id]
        for _, ref in _refs(step):
            stack.append(resolve(ref, flow_id))
        if step.kind == "topic":
            stack.extend((f.flow.id, f.flow.start) for f in by_id.values() if f.flow.topic)
    return seen


def _placeholder_problems(text: str, lang: str, known_slots: AbstractSet[str]) -> Iterable[str]:
    """Every text's placeholders: well formed, plain (no spec, conversion or access: they can shorten, hide or
    reach past a value) and naming a slot or a context value."""
    try:
        found = placeholders(text)
    except BrokenTemplate:
        yield f"broken {{placeholder}} in the {lang} text; write {{{{ and }}}} for literal braces"
        return
    for placeholder in found:
        name, written = placeholder.name, placeholder.written()
        if placeholder.access:
            yield (f"{written} in the {lang} text reaches into the value ({placeholder.access}); flow texts take "
                   f"plain placeholders only: write {{{name}}}")
        if placeholder.conversion is not None:
            yield (f"{written} in the {lang} text has a conversion (!{placeholder.conversion}); flow texts take "
                   f"plain placeholders only: write {{{name}}}")
        if placeholder.spec:
            yield (f"{written} in the {lang} text has a format spec (:{placeholder.spec}), which can shorten or "
                   f"hide the value; flow texts take plain placeholders only: write {{{name}}}")
        if name not in known_slots and name not in CONTEXT_VARS:
            yield (f"unknown placeholder {{{name}}} in the {lang} text; use a slot or one of "
                   f"{', '.join(CONTEXT_VARS)}")


def _declared_id(path: Path) -> str:
    source, _ = read_source(path)
    data = source.data if source else None
    return str(data.get("id")) if isinstance(data, dict) else path.stem


def validate_dir(directory: Path) -> tuple[list[LoadedFlow], list[Problem]]:
    """Load and check every *.yaml under `directory`; returns the flows and every problem found."""
    loaded: list[LoadedFlow] = []
    problems: list[Problem] = []
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        return [], [Problem(str(directory), 1, "no flow files (*.yaml) here; is FLOWS_DIR right?")]
    broken: set[str] = set()
    for path in files:
        item, found = parse_flow(path)
        problems.extend(found)
        if item is not None:
            loaded.append(item)
        else:
            broken.add(_declared_id(path))
    problems.extend(check_flows(loaded, broken=broken))
    return loaded, problems
