"""The dialogue engine: one turn in, new state and replies out. Plain Python, no I/O of its own."""
from __future__ import annotations

import logging
import string
from typing import Any

from bot.dialogue import listening, system, typed
from bot.dialogue.crisis import Expects
from bot.dialogue.models import Button, Document, Outcome, Reply, State, Turn
from bot.dialogue.ports import Actions, OutOfArea, Proposal
from bot.dialogue.render import Renderer, fold
from bot.dialogue.validators import has_letters_or_digits, parse_phone, yes_no
from bot.flowspec.placeholders import fill_plain
from bot.flowspec.registry import FlowRegistry, FlowSet
from bot.flowspec.schema import (
    CONSENT_VARS,
    AskStep,
    ChoiceStep,
    ConsentStep,
    FeedbackStep,
    HandoffStep,
    InfoStep,
    MessageStep,
    Step,
    SummaryStep,
    TopicStep,
)
from bot.i18n import N_, I18n
from nlu.types import SERVICE_TOPICS, Prediction

logger = logging.getLogger(__name__)

MAX_CHAIN = 25  # steps entered in one turn; validation keeps real flows far below
UNIT_VARS = frozenset({"unit", "unit_phone", "unit_hours", "unit_address"})
SKIP_WORDS = frozenset({"ohita", "ohitan", "ohi", "jata valiin", "en halua", "ei tarvii", "hoppa over", "hoppar over",
                        "hoppa", "vill inte", "behovs inte", "skip", "-"})
CORRECT_WORDS = ("korja", "muuta", "vaara", "ratta", "andra", "fel")  # "haluan korjata", "jag vill ändra"
PIN = "_flows"  # the slot holding the version of the flows a conversation began on (Engine.flows_for)
PAIR_LANGUAGE_NOTE = {  # by the language the named work pair serves in, when it is not the citizen's
    "fi": N_("{pair} serves in Finnish: if you need help in Swedish while {coordinator} is away, call {unit}, "
             "{unit_phone}."),
    "sv": N_("{pair} serves in Swedish: if you need help in Finnish while {coordinator} is away, call {unit}, "
             "{unit_phone}."),
}
TOPIC_CONFIDENCE = 0.0  # the classifier already answers out_of_scope below its calibrated threshold


class Engine:
    """Built once; `turn` is called for every citizen message or button press."""

    def __init__(self, *, registry: FlowRegistry, i18n: I18n) -> None:
        self.registry = registry
        self.i18n = i18n

    def new_state(self, lang: str) -> State:
        """A conversation waiting at the idle step, where the first words are understood."""
        flow, step = self.registry.current().idle
        return State(flow=flow, step=step, lang=lang)

    def flows_for(self, state: State) -> FlowSet:
        """The flows a conversation runs on: those it began with (PIN), while it is on its way through them; the
        current ones for a conversation that is idle, new, or whose set is gone."""
        version = state.slots.get(PIN)
        pinned = self.registry.pinned(version) if isinstance(version, str) else None
        return pinned or self.registry.current()

    def expects(self, state: State) -> Expects:
        """What the conversation waits for, for the crisis guard's context: "choice" (buttons, yes or no),
        "slot" (a short typed answer: a phone number, a time) or "free" (the citizen's own words)."""
        if state.mode == "relay":
            return "free"
        if state.slots.get("_sys"):
            return "free" if state.slots["_sys"] == "addcase" else "choice"
        step = self.flows_for(state).step(state.flow, state.step)
        if isinstance(step, FeedbackStep):
            return "choice" if state.slots.get("_fb_score") is None else "free"
        if isinstance(step, (ChoiceStep, SummaryStep, ConsentStep)):
            return "choice"
        if isinstance(step, AskStep) and step.validate_as != "non_empty":
            return "slot"
        return "free"

    def reprompt(self, state: State, actions: Actions) -> Outcome:
        """Show the current step again (after an answer given outside the dialogue, such as a help number)."""
        run = _Run(self, state, actions)
        try:
            run.prompt(run.step())
        except _Recover:
            run.replies.clear()
            run.restart()
        return run.outcome()

    def start(self, state: State, actions: Actions) -> Outcome:
        """Begin (or begin again) at the entry flow."""
        run = _Run(self, state, actions)
        run.restart()
        return run.outcome()

    def turn(self, state: State, turn: Turn, prediction: Prediction | None, actions: Actions) -> Outcome:
        run = _Run(self, state, actions)
        try:
            run.handle(turn, prediction or Prediction.nothing())
        except _Recover as reason:
            logger.error("conversation state %s.%s unusable (%s); restarting at entry", state.flow, state.step, reason)
            run.replies.clear()
            run.restart()
        return run.outcome()


    def rate(self, state: State, *, score: int, handoff_id: int, topic: str | None, actions: Actions,
             comment: bool = True) -> Outcome:
        """A rating button of a closed case's message: record it at the flows' feedback step, ask for a comment.

        Without `comment` (the citizen is talking with a coordinator about another case, so their next words
        belong to that person) the rating is recorded at once and the conversation stays where it is.
        """
        run = _Run(self, state, actions)
        where = run.flows.feedback
        if where is None or not 1 <= score <= 5 or not actions.may_rate(handoff_id):
            run.say(run._("Thank you. This case has already been rated, or the rating has closed."))
            run.events.append("rating_refused")
            return run.outcome()
        if not comment:
            actions.record_feedback(score=score, comment=None, topic=topic, handoff_id=handoff_id)
            run.events.append("feedback")
            feedback = run.flows.step(*where)
            assert isinstance(feedback, FeedbackStep)  # `feedback` finds a step of kind "feedback"
            run.say(run.fmt(feedback.thanks.get(run.s.lang)))
            return run.outcome()
        run.s.flow, run.s.step = where
        run.s.slots = {"topic": topic, "_fb_score": score, "_fb_handoff": handoff_id}
        run.prompt(run.step())
        return run.outcome()


class _Recover(Exception):
    """The saved state points to a step that no longer exists (flows were edited)."""


class _Run:
    """The work of one turn: a mutable copy of the state and the replies so far."""

    def __init__(self, engine: Engine, state: State, actions: Actions) -> None:
        self.engine = engine
        self.flows: FlowSet = engine.flows_for(state)
        self.s = state.copy()
        self.actions = actions
        self.replies: list[Reply] = []
        self.events: list[str] = []
        self.render = Renderer(self)

    # Helpers ----------------------------------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self.engine.i18n.gettext(self.s.lang, message)

    def outcome(self) -> Outcome:
        if (self.s.flow, self.s.step) == self.flows.idle:
            self.s.slots.pop(PIN, None)  # waiting at the start: the next words begin on the newest flows
        else:
            self.s.slots[PIN] = self.flows.version
        return Outcome(state=self.s, replies=self.replies, events=self.events)

    def say(self, text: str, buttons: list[tuple[str, str]] | None = None, *,
            document: Document | None = None) -> None:
        """Add a reply; buttons (label, key) start a new menu and make older buttons stale. A document (a file for
        the citizen) goes out with the text; the turn only returns it, the channel sends it."""
        if buttons:
            self.s.menu_id += 1
            made = tuple(Button(label=label, payload=f"m{self.s.menu_id}:{key}") for label, key in buttons)
            self.replies.append(Reply(text=text, buttons=made, document=document))
        else:
            self.replies.append(Reply(text=text, document=document))

    def fmt(self, template: str, **extra: Any) -> str:
        values = self.render.slot_values()
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        if names & UNIT_VARS and not UNIT_VARS & extra.keys():
            values.update(self.unit_vars())
        if "where_to_turn" in names:  # a municipality the county does not serve: the citizen's own area's service
            values["where_to_turn"] = self.actions.where_to_turn(area=self.s.slots.get("_area"), lang=self.s.lang)
        values.update({k: v for k, v in extra.items() if v is not None})
        return I18n.tidy(string.Formatter().vformat(template, (), _Defaulting(values)))

    def step(self) -> Step:
        step = self.flows.step(self.s.flow, self.s.step)
        if step is None:
            raise _Recover(f"no step {self.s.flow}.{self.s.step}")
        return step

    # Moving -----------------------------------------------------------------------------------------------

    def restart(self) -> None:
        keep_lang = self.s.lang
        self.s.slots = {}
        self.s.lang = keep_lang
        self.events.append("restart")
        self.go(*self.flows.entry)

    def go_ref(self, ref: str) -> None:
        self.go(*self.flows.resolve(ref, self.s.flow))

    def go(self, flow_id: str, step_id: str) -> None:
        """Enter a step and keep going through steps that need no answer."""
        for _ in range(MAX_CHAIN):
            step = self.flows.step(flow_id, step_id)
            if step is None:
                raise _Recover(f"next points to missing {flow_id}.{step_id}")
            flow = self.flows.flows[flow_id]
            if flow.topic and flow_id != self.s.flow:
                self.s.slots["topic"] = flow.topic
            self.s.flow, self.s.step = flow_id, step_id
            self.s.slots.pop("_sys", None)
            following = listening.told_already(self, step) or self.enter(step)
            if following is None:
                return
            flow_id, step_id = self.flows.resolve(following, flow_id)
        raise _Recover("too many steps in one turn")

    def enter(self, step: Step) -> str | None:
        """Show a step; return the next ref for steps that need no answer, None when waiting or ended."""
        lang = self.s.lang
        if isinstance(step, MessageStep):
            self.say(self.fmt(step.text.get(lang)))
            return step.next
        if isinstance(step, InfoStep):
            self.say(self.render.card(step))
            return step.next
        if isinstance(step, HandoffStep):
            return self.enter_handoff(step)
        if step.kind == "end":
            self.say(self.fmt(step.text.get(lang)))
            self.events.append("end")
            self.s.slots = {}
            self.s.flow, self.s.step = self.flows.idle
            return None
        self.prompt(step)
        return None

    def prompt(self, step: Step) -> None:
        """(Re)show a waiting step with fresh buttons."""
        lang = self.s.lang
        if isinstance(step, ChoiceStep):
            self.say(self.fmt(step.text.get(lang)), [(o.label.get(lang), str(i)) for i, o in enumerate(step.options)])
        elif isinstance(step, AskStep):
            self.say(self.fmt(step.text.get(lang)), [(self._("Skip"), "skip")] if step.optional else None)
        elif isinstance(step, TopicStep):
            buttons = [(f.title.get(lang), f"t.{f.id}") for f in self.flows.topic_flows()] if step.menu else None
            note = listening.other_topic_note(self, step)
            self.say((note + "\n" if note else "") + self.fmt(step.text.get(lang)), buttons)
        elif isinstance(step, SummaryStep):
            text = self.fmt(step.text.get(lang)) + "\n\n" + self.render.summary(step)
            self.say(text, [(step.confirm_label.get(lang), "yes"), (step.correct_label.get(lang), "no")])
        elif isinstance(step, ConsentStep):
            self.prompt_consent(step)
        elif isinstance(step, FeedbackStep):
            if self.s.slots.get("_fb_score") is None:
                self.say(self.fmt(step.text.get(lang)),
                         [(str(n), str(n)) for n in range(1, 6)] + [(self._("Skip"), "skip")])
            else:
                self.say(self.fmt(step.comment_text.get(lang)), [(self._("Skip"), "skip")])

    # Input ------------------------------------------------------------------------------------------------

    def handle(self, turn: Turn, prediction: Prediction) -> None:
        if turn.lang and turn.lang != self.s.lang and turn.text and not turn.is_command:
            self.switch_language(turn.lang, announce=False)
        if turn.truncated:
            self.say(self._("Your message was very long, so I kept only its beginning."))
        if turn.payload is not None:
            self.handle_payload(turn.payload)
            return
        text = turn.text or ""
        if turn.is_command:
            system.command(self, text)
            return
        if not has_letters_or_digits(text):
            self.say(self._("I did not catch that. Could you write it in words?"))
            self.prompt(self.step())
            return
        if self.s.slots.get("_sys"):
            system.text_in_dialog(self, text, prediction)
            return
        if listening.special(self, text):
            return
        self.handle_text(self.step(), text, prediction)

    def handle_payload(self, payload: str) -> None:
        menu, _, key = payload.partition(":")
        if not menu.startswith("m") or not menu[1:].isdigit() or not key:
            self.say(self._("I could not use that button. Here is where we are now."))
            self.prompt(self.step())
            self.events.append("bad_payload")
            return
        if int(menu[1:]) != self.s.menu_id:
            self.say(self._("That button is from an earlier message. Here is where we are now."))
            self.prompt(self.step())
            self.events.append("stale_button")
            return
        if self.s.slots.get("_sys"):
            system.choose(self, key)
            return
        self.handle_choice(self.step(), key)

    def handle_choice(self, step: Step, key: str) -> None:
        if isinstance(step, ChoiceStep) and key.isdigit() and int(key) < len(step.options):
            self.choose_option(step, step.options[int(key)])
        elif isinstance(step, TopicStep) and key.startswith("t."):
            flow = self.flows.flows.get(key[2:])
            if flow is None or not flow.topic:
                self.prompt(step)
                return
            self.s.slots["topic_confidence"] = None
            self.enter_topic(step, flow.topic)
        elif isinstance(step, AskStep) and key == "skip" and step.optional:
            typed.skip(self, step)
        elif isinstance(step, SummaryStep) and key in ("yes", "no"):
            self.answer_summary(step, key == "yes")
        elif isinstance(step, ConsentStep) and key in ("yes", "no"):
            self.answer_consent(step, key == "yes")
        elif isinstance(step, FeedbackStep):
            self.answer_feedback(step, key)
        else:
            self.say(self._("I could not use that button. Here is where we are now."))
            self.prompt(step)

    def handle_text(self, step: Step, text: str, prediction: Prediction) -> None:
        if isinstance(step, AskStep):
            self.answer_ask(step, text)
        elif isinstance(step, TopicStep):
            self.answer_topic(step, prediction, text)
        elif isinstance(step, ChoiceStep):
            option = self.render.match_option(step, text)
            if option is not None:
                listening.note_area(self, step, option, text)
                self.choose_option(step, option)
            elif step.slot is None and listening.after_handoff(self, text, prediction):
                return
            elif listening.on_card(self, step, text, prediction):
                return
            elif listening.phone_for_contact(self, step, text):
                return
            elif step.slot is None and prediction.intent in SERVICE_TOPICS:
                self.s.slots["topic_confidence"] = round(prediction.confidence, 3)
                listening.remember_first_words(self, text, prediction)
                self.enter_topic(None, prediction.intent, text=text)
            else:
                listening.misunderstood(self, step, self._("Please choose one of the options below."))
        elif isinstance(step, SummaryStep):
            answer = self.by_label(text, step.confirm_label, step.correct_label, CORRECT_WORDS)
            answer = self.yes_or_no(text, prediction) if answer is None else answer
            if answer is None:
                listening.misunderstood(self, step, self._("Please answer with the buttons, or write yes or no."))
            else:
                self.answer_summary(step, answer)
        elif isinstance(step, ConsentStep):
            answer = self.by_label(text, step.yes_label, step.no_label, ())
            answer = self.yes_or_no(text, prediction) if answer is None else answer
            if answer is None:
                listening.misunderstood(
                    self, step, self._("I will not pass anything on without your answer. Please answer yes or no."))
            else:
                self.answer_consent(step, answer)
        elif isinstance(step, FeedbackStep):
            self.answer_feedback(step, text, typed=True)
        else:
            self.prompt(step)

    @staticmethod
    def by_label(text: str, yes: Any, no: Any, no_words: tuple[str, ...]) -> bool | None:
        """A yes/no step's button label typed (whole, or its first words), or a word that means the no-button."""
        typed = fold(text)
        for answer, label in ((True, yes), (False, no)):
            for lang in ("fi", "sv"):
                wanted = fold(label.get(lang))
                if typed == wanted or (len(typed) >= 6 and wanted.startswith(typed)):
                    return answer
        return False if any(word in typed for word in no_words) else None

    @staticmethod
    def yes_or_no(text: str, prediction: Prediction) -> bool | None:
        word = yes_no(text)
        if word is not None:
            return word
        if prediction.intent in ("affirm", "deny") and len(text.split()) <= 6:
            return prediction.intent == "affirm"
        return None

    # Answers ----------------------------------------------------------------------------------------------

    def choose_option(self, step: ChoiceStep, option: Any) -> None:
        if step.slot:
            self.s.slots[step.slot] = option.value if option.value is not None else option.label.fi
        self.after_answer(option.next, answered=bool(step.slot))

    def after_answer(self, next_ref: str, *, answered: bool = True) -> None:
        """Go on; while correcting a summary, go back to it unless a required answer is still missing."""
        resume = self.s.slots.get("_resume")
        if resume and answered:
            flow_id, step_id = self.flows.resolve(next_ref, self.s.flow)
            target = self.flows.step(flow_id, step_id)
            missing = (isinstance(target, AskStep) and (not target.optional or target.validate_as == "phone")
                       and not self.s.slots.get(target.slot))
            if not missing:
                self.s.slots.pop("_resume", None)
                self.go(*self.flows.resolve(resume, self.s.flow))
                return
        self.go_ref(next_ref)

    def answer_ask(self, step: AskStep, text: str) -> None:
        if step.optional and (fold(text) in SKIP_WORDS or typed.is_skip(step, text)):
            typed.skip(self, step)
            return
        value: str | None = text
        if step.validate_as == "phone":
            value = parse_phone(text)
            if value is None:
                typed.refuse_phone(self, step, text)
                return
        elif step.validate_as == "yes_no":
            answer = yes_no(text)
            value = None if answer is None else ("yes" if answer else "no")
        elif step.validate_as == "non_empty":
            value = text if len(text.strip()) >= 2 else None
        if value is None:
            self.say(self.fmt(step.error.get(self.s.lang)) if step.error
                     else self._("Please check your answer and write it again."))
            self.events.append("invalid_answer")
            return
        self.s.slots[step.slot] = value
        self.after_answer(step.next)

    def answer_topic(self, step: TopicStep, prediction: Prediction, text: str = "") -> None:
        intent = prediction.intent
        if text and listening.after_handoff(self, text, prediction):
            return
        if intent in step.routes:
            self.go_ref(step.routes[intent])
        elif intent in SERVICE_TOPICS and prediction.confidence >= TOPIC_CONFIDENCE:
            self.s.slots["topic_confidence"] = round(prediction.confidence, 3)
            if text:
                listening.remember_first_words(self, text, prediction)
            self.enter_topic(step, intent, text=text)
        elif intent == "privacy":
            system.command(self, "/mydata")
        elif not listening.out_of_scope(self, step, prediction):
            fallback = (self.fmt(step.fallback.get(self.s.lang)) if step.fallback
                        else self._("I did not quite understand. Could you choose a topic below?"))
            listening.misunderstood(self, step, fallback)

    def enter_topic(self, step: TopicStep | None, topic: str, *, text: str = "") -> None:
        flow = self.flows.flow_for_topic(topic)
        if flow is None:
            self.prompt(self.step())
            return
        self.s.slots["topic"] = topic
        self.s.slots.pop(listening.CASE_TOPIC, None)
        if self.s.slots.get(listening.OTHER_TOPIC) == topic:
            self.s.slots.pop(listening.OTHER_TOPIC)
        self.events.append(f"topic:{topic}")
        if text:
            listening.acknowledge(self, text)
        if step is not None and step.then:
            self.go_ref(step.then)
        else:
            self.go(flow.id, flow.start)

    def answer_summary(self, step: SummaryStep, confirmed: bool) -> None:
        if confirmed:
            self.s.slots.pop("_resume", None)
            self.s.slots["_need_id"] = self.actions.record_need(slots=self.need_slots(), lang=self.s.lang)
            self.events.append("need_recorded")
            self.go_ref(step.confirm)
        else:
            self.s.slots["_resume"] = f"{self.s.flow}.{self.s.step}"
            self.go_ref(step.correct)

    def need_slots(self) -> dict[str, Any]:
        slots = {k: v for k, v in self.s.slots.items() if not k.startswith("_")}
        if slots.get("contact_preference") != "phone":
            slots.pop("phone", None)  # store the minimum: a number only when a call was asked for
        slots.setdefault("topic", "lahitori_info")
        return slots

    def prompt_consent(self, step: ConsentStep) -> None:
        need_id = self.s.slots.get("_need_id")
        if need_id is None:
            raise _Recover("consent step without a recorded need")
        try:
            proposal = self.actions.propose(need_id=need_id, lang=self.s.lang)
        except OutOfArea:  # no unit serves the municipality: never a wrong coordinator, but where to turn
            self.events.append("out_of_area")
            self.say(self.actions.where_to_turn(area=self.s.slots.get("_area"), lang=self.s.lang))
            self.restart()
            return
        template = step.text if proposal.coordinator else step.text_unit
        text = self.with_pair_note(self.fmt_consent(template.get(self.s.lang), proposal), proposal)
        self.s.slots["_proposal"] = proposal.as_slot()
        self.s.slots["_consent_text"] = text
        self.say(text, [(step.yes_label.get(self.s.lang), "yes"), (step.no_label.get(self.s.lang), "no")])

    def fmt_consent(self, template: str, proposal: Proposal) -> str:
        """A consent text, recorded as shown: filled only with who receives the need (never a slot), and refused
        unless every placeholder is a plain one of CONSENT_VARS (validation's rule, kept again here)."""
        values = {k: v for k, v in self.proposal_vars(proposal).items() if v is not None}
        values["topic"] = self.render.display("topic", self.s.slots["topic"]) if self.s.slots.get("topic") else "–"
        try:
            return I18n.tidy(fill_plain(template, values, allowed=CONSENT_VARS))
        except ValueError as error:
            raise _Recover(f"consent text refused: {error}") from error

    def with_pair_note(self, text: str, proposal: Proposal) -> str:
        """When the work pair named in the consent cannot serve in the citizen's language, the consent says so
        and where to turn meanwhile, before its closing question (a sentence of code, not of the flows)."""
        note = PAIR_LANGUAGE_NOTE.get(proposal.pair_language or "") if proposal.coordinator and proposal.pair else None
        if note is None:
            return text
        sentence = self._(note).format(pair=proposal.pair, coordinator=proposal.coordinator, unit=proposal.unit.name,
                                       unit_phone=proposal.unit.phone)
        head, dot, question = text.rpartition(". ")
        if not dot or not question.rstrip().endswith("?"):
            return f"{text}\n\n{sentence}"
        return f"{head}. {sentence} {question}"

    def answer_consent(self, step: ConsentStep, given: bool) -> None:
        need_id, text = self.s.slots.get("_need_id"), self.s.slots.get("_consent_text")
        if need_id is None or text is None:
            raise _Recover("consent answer without a shown consent text")
        consent_id = self.actions.record_consent(need_id=need_id, proposal=self.s.slots.get("_proposal") or {},
                                                 text=text, decision="given" if given else "declined", lang=self.s.lang)
        self.s.slots.pop("_consent_text", None)
        if given:
            self.s.slots["_consent_id"] = consent_id
            self.events.append("consent_given")
            self.go_ref(step.yes)
        else:
            self.events.append("consent_declined")
            self.go_ref(step.no)

    def enter_handoff(self, step: HandoffStep) -> str:
        need_id, consent_id = self.s.slots.get("_need_id"), self.s.slots.get("_consent_id")
        if need_id is None or consent_id is None:
            raise _Recover("handoff step without consent")
        info = self.actions.create_handoff(need_id=need_id, consent_id=consent_id, lang=self.s.lang)
        template = step.text if info.coordinator else step.text_unit
        self.say(self.fmt(template.get(self.s.lang), coordinator=info.coordinator, title=info.title,
                          unit=info.unit.name, when=info.when, how=info.how, contact_time_note=info.contact_time_note,
                          unit_phone=info.unit.phone, unit_hours=info.unit.hours, unit_address=info.unit.address))
        self.events.append("handoff_created" if info.created else "handoff_exists")
        for key in ("_need_id", "_consent_id", "_proposal", "description", "phone", "contact_time",
                    listening.PREFILLED, listening.MISSES):
            self.s.slots.pop(key, None)
        self.s.slots[listening.CASE_TOPIC] = self.s.slots.get("topic")
        return step.next

    def answer_feedback(self, step: FeedbackStep, key: str, *, typed: bool = False) -> None:
        if self.s.slots.get("_fb_score") is None:
            if key == "skip" and not typed or typed and (fold(key) in SKIP_WORDS or yes_no(key) is False):
                self.s.slots.pop("_fb_handoff", None)
                self.events.append("feedback_skipped")
                self.go_ref(step.next)
                return
            digits = key.strip()
            if digits in {"1", "2", "3", "4", "5"}:
                self.s.slots["_fb_score"] = int(digits)
                self.prompt(step)
                return
            listening.misunderstood(self, step, self._("Please choose a number from one to five."))
            return
        declined = typed and (fold(key) in SKIP_WORDS or yes_no(key) is False)  # "ei", "nej tack": no comment
        comment = key if typed and not declined else None
        self.actions.record_feedback(score=self.s.slots.pop("_fb_score"), comment=comment,
                                     topic=self.s.slots.get("topic"), handoff_id=self.s.slots.pop("_fb_handoff", None))
        self.events.append("feedback")
        self.say(self.fmt(step.thanks.get(self.s.lang)))
        self.go_ref(step.next)

    # Language ---------------------------------------------------------------------------------------------

    def switch_language(self, lang: str, *, announce: bool) -> None:
        self.s.lang = lang
        self.actions.set_language(lang=lang)
        self.events.append(f"language:{lang}")
        if announce:
            self.say(self._("Language changed."))

    def unit_vars(self) -> dict[str, str]:
        unit = self.actions.unit_contact(municipality=self.s.slots.get("municipality"), lang=self.s.lang)
        return {"unit": unit.name, "unit_phone": unit.phone, "unit_hours": unit.hours, "unit_address": unit.address}

    @staticmethod
    def proposal_vars(proposal: Proposal) -> dict[str, str | None]:
        return {"coordinator": proposal.coordinator, "title": proposal.title,
                "pair": proposal.pair or proposal.unit.name, "unit": proposal.unit.name,
                "unit_phone": proposal.unit.phone, "unit_hours": proposal.unit.hours,
                "unit_address": proposal.unit.address}


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "–"
