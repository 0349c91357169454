"""Flow validation: the real flows pass; each kind of mistake is reported as file:line: message."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.flowspec.validate import validate_dir
from tests.flowspec.flowfiles import FLOWS, edit, line_of, problems_of


def test_the_shipped_flows_are_valid():
    loaded, problems = validate_dir(FLOWS)
    assert problems == []
    topics = {item.flow.topic for item in loaded if item.flow.topic}
    assert len(topics) == 15


def test_missing_swedish_text_names_file_and_line(flows_copy: Path):
    path = flows_copy / "main.yaml"
    edit(path, "      sv: Tack för att du skrev. Du kan komma tillbaka hit när du vill. Allt gott!\n", "")
    problems = problems_of(flows_copy)
    assert len(problems) == 1
    assert re.match(rf"{re.escape(str(path))}:\d+: steps\.bye\.text: the Swedish text \(sv\) is missing", problems[0])
    assert problems[0].split(":")[1] == str(line_of(path, "Kiitos, että kirjoitit") - 1)


def test_dangling_next(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "    next: for_whom\n", "    next: for_who\n")
    (problem,) = problems_of(flows_copy)
    assert f"{path}:{line_of(path, 'next: for_who')}:" in problem
    assert "points to no step" in problem


def test_unknown_flow_in_next(flows_copy: Path):
    edit(flows_copy / "home_support.yaml", "next: intake.describe", "next: intak.describe")
    (problem,) = problems_of(flows_copy)
    assert "unknown flow 'intak'" in problem


def test_unreachable_step(flows_copy: Path):
    path = flows_copy / "main.yaml"
    path.write_text(path.read_text() + "  orphan:\n    kind: end\n    text: {fi: Hei, sv: Hej}\n")
    (problem,) = problems_of(flows_copy)
    assert f"{path}:{line_of(path, 'orphan:')}: flow main: step orphan is unreachable" in problem


def test_unknown_intent_in_routes(flows_copy: Path):
    edit(flows_copy / "main.yaml", "      greet: again\n      affirm: again\n", "      greeting: again\n      affirm: again\n")
    (problem,) = problems_of(flows_copy)
    assert "unknown intent 'greeting'" in problem


def test_unknown_topic(flows_copy: Path):
    edit(flows_copy / "home_support.yaml", "topic: home_support", "topic: home_care")
    problems = problems_of(flows_copy)
    assert any("unknown service topic 'home_care'" in p for p in problems)
    assert any("no flow serves the service topic(s) home_support" in p for p in problems)


def test_unknown_slot(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "    slot: description\n", "    slot: descripton\n")
    (problem,) = problems_of(flows_copy)
    assert "unknown slot 'descripton'" in problem


def test_unknown_placeholder(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "Hän ottaa sinuun yhteyttä {when}", "Hän ottaa sinuun yhteyttä {whenn}")
    (problem,) = problems_of(flows_copy)
    assert "unknown placeholder {whenn} in the fi text" in problem


def test_consent_text_must_name_the_coordinator(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "Palveluohjaajasi olisi {coordinator}, {title}, {unit}.", "Palveluohjaajasi olisi joku.")
    problems = problems_of(flows_copy)
    assert any("consent text must name the coordinator" in p for p in problems)


def test_unknown_step_kind_and_field(flows_copy: Path):
    edit(flows_copy / "main.yaml", "    kind: feedback\n", "    kind: rating\n")
    edit(flows_copy / "intake.yaml", "    validate: phone\n", "    validate: phone\n    colour: red\n")
    problems = problems_of(flows_copy)
    assert any("steps.feedback: unknown step kind" in p for p in problems)
    assert any("steps.phone.colour: unknown field" in p for p in problems)


def test_yaml_syntax_error_has_its_line(flows_copy: Path):
    path = flows_copy / "home_support.yaml"
    edit(path, "  offer:\n", "  offer:\n   - broken: [\n")
    (problem,) = [p for p in problems_of(flows_copy) if "home_support" in p]
    assert problem.startswith(f"{path}:") and "YAML syntax error" in problem


def test_duplicate_key(flows_copy: Path):
    path = flows_copy / "main.yaml"
    edit(path, "  bye:\n", "  bye:\n    kind: end\n  bye:\n")
    assert any("duplicate key 'bye'" in p for p in problems_of(flows_copy))


def test_invalid_phone_on_card(flows_copy: Path):
    edit(flows_copy / "home_support.yaml", '"+358 40 000 1101"', '"12"')
    (problem,) = problems_of(flows_copy)
    assert "not a valid Finnish phone number" in problem


def test_every_problem_is_reported_at_once(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "    next: for_whom\n", "    next: nowhere\n")
    edit(flows_copy / "main.yaml", "      ask_human: human\n  again:", "      ask_humans: human\n  again:")
    assert len(problems_of(flows_copy)) == 2


def test_cli_prints_file_line_and_exits_nonzero(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "    next: for_whom\n", "    next: nowhere\n")
    result = subprocess.run([sys.executable, "-m", "bot", "flows", "validate", str(flows_copy)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert re.search(r"intake\.yaml:\d+: flow intake: step describe: next 'nowhere' points to no step", result.stdout)
    assert "Traceback" not in result.stderr


def test_cli_ok_on_shipped_flows():
    result = subprocess.run([sys.executable, "-m", "bot", "flows", "validate", str(FLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "17 flows" in result.stdout
