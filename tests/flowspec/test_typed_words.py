"""Options' `means` and `words`: the shipped flows use them, and each mistake is reported as file:line: message."""
from __future__ import annotations

import re
from pathlib import Path

from bot.flowspec.registry import load_flowset
from bot.flowspec.schema import ChoiceStep
from tests.flowspec.flowfiles import FLOWS, edit, line_of, problems_of

OFFER_ACCEPT = '      - label: {fi: "Kyllä, haluan yhteydenoton", sv: "Ja, jag vill bli kontaktad"}\n'
OTHER = "      - label: {fi: Kysyn jotain muuta, sv: Jag vill fråga om något annat}\n        next: main.again\n"


def test_every_option_of_intake_and_every_offer_has_words():
    flows = load_flowset(FLOWS).flows
    for flow in flows.values():
        for step_id, step in flow.steps.items():
            if not isinstance(step, ChoiceStep) or (flow.id != "intake" and step_id != "offer"):
                continue
            for option in step.options:
                assert option.words and option.words.fi and option.words.sv, (flow.id, step_id, option.label.fi)
    for flow in flows.values():
        if flow.topic:
            means = [option.means for option in flows[flow.id].steps["offer"].options]
            assert means == ["accept", None, "decline"], flow.id
    fix = flows["intake"].steps["fix"]
    nothing = fix.options[-1]
    assert (nothing.label.fi, nothing.label.sv, nothing.next, nothing.means) == \
           ("Ei mitään, kaikki on oikein", "Inget, allt stämmer", "summary", "decline")
    assert flows["intake"].steps["phone"].optional


def test_means_other_than_accept_or_decline(flows_copy: Path):
    path = flows_copy / "transport_service.yaml"
    edit(path, "        means: accept\n", "        means: yes\n")
    (problem,) = problems_of(flows_copy)
    assert problem.startswith(f"{path}:{line_of(path, 'means: yes')}: steps.offer.options.0.means: means must be "
                              "accept or decline")
    assert "unquoted yes/no" in problem


def test_two_options_that_mean_accept(flows_copy: Path):
    path = flows_copy / "home_support.yaml"
    edit(path, OTHER, OTHER + "        means: accept\n")
    (problem,) = problems_of(flows_copy)
    line = line_of(path, "means: accept", after="Kysyn jotain muuta")
    assert problem == (f"{path}:{line}: flow home_support: step offer: options 1 and 2 both mean accept; a typed yes "
                       "can pick only one option: keep `means` on one of them")


def test_words_without_swedish(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "          sv: [jag, ja, mig, mej, själv]\n", "")
    (problem,) = problems_of(flows_copy)
    assert problem.startswith(f"{path}:{line_of(path, 'words:', after='Minua itseäni')}: "
                              "steps.for_whom.options.0.words: the Swedish words (sv) are missing")


def test_words_that_are_not_a_list(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "          sv: [jag, ja, mig, mej, själv]\n", "          sv: jag\n")
    (problem,) = problems_of(flows_copy)
    assert "steps.for_whom.options.0.words.sv: write the words as a list" in problem


def test_a_word_that_picks_two_options(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "          sv: [jag, ja, mig, mej, själv]\n", "          sv: [jag, ja, mig, mej, själv, Mamma]\n")
    (problem,) = problems_of(flows_copy)  # reported where the word is listed the second time
    line = line_of(path, "mamma", after="Läheistäni")
    assert problem == (f"{path}:{line}: flow intake: step for_whom: the typed word 'mamma' of option 2 also picks "
                       "option 1 (its words); a word may pick only one option of a step: remove it from one")


def test_a_word_that_is_another_options_label(flows_copy: Path):
    path = flows_copy / "transport_service.yaml"
    edit(path, "          sv: [något annat, annat,", "          sv: [något annat, tack det räckte, annat,")
    (problem,) = problems_of(flows_copy)
    assert "the typed word 'tack det räckte' of option 2 also picks option 3 (its label)" in problem


def test_a_yes_word_on_an_option_that_does_not_mean_accept(flows_copy: Path):
    path = flows_copy / "transport_service.yaml"
    edit(path, "          fi: [muuta, jotain muuta,", "          fi: [muuta, joo, jotain muuta,")
    (problem,) = problems_of(flows_copy)
    assert re.search(r"transport_service\.yaml:\d+: flow transport_service: step offer: the typed word 'joo' of "
                     r"option 2 is a yes, which picks option 1 \(means: accept\)", problem)
