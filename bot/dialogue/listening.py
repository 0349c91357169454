"""Listening to the citizen's own words: what the first message already told, a question on a card, words added
after a handoff, who the bot is, and a way out after misunderstandings. Called by the engine's turn; no I/O."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.dialogue import understand, validators
from bot.flowspec.schema import AskStep, ChoiceStep, Step, TopicStep
from bot.i18n import N_
from nlu.text import normalize, tokens
from nlu.types import SERVICE_TOPICS, Prediction

if TYPE_CHECKING:
    from bot.dialogue.engine import _Run

KEEP_WORDS = 4  # a first message of this many words or more is the need's description, in the citizen's words
PREFILLED = "_prefilled"  # slots told by the first message: their steps are not asked, the summary confirms them
OTHER_TOPIC = "_other_topic"  # a second need named in the same message, offered after the first
CASE_TOPIC = "_case_topic"  # the topic of the case just handed on: later words on it go to that case
MISSES = "_misses"  # [step, count] of answers not understood at the current step
TOPIC_BAR = 0.75  # the classifier's confidence for "clearly another topic" where words could also be an addition

ACK = N_("Thank you for telling me.")
ACK_CLOSE_ONE = N_("Thank you for telling me about your close one's situation.")
ACK_STRAIN = N_("That sounds hard. It is good that you are asking for help.")
TWO_NEEDS = N_("You wrote about two things. Let us start with {first}; after that I can help with {second} too.")
OTHER_PENDING = N_("You also mentioned {second} earlier. You can choose it below.")
WHO_AM_I = N_("I am the lähitori's chatbot, not a person. I can tell you about services and, if you wish, pass your "
              "matter on to a service coordinator, who is a person. You can also reach a person yourself: {unit}, "
              "phone {unit_phone} ({unit_hours}), or write /human.")
OUT_OF_SCOPE = N_("I am sorry, this does not seem to be something the lähitori can help with. The lähitori helps with "
                  "social and health services, for example help at home, transport, benefits and digital help. If you "
                  "are unsure, call {unit} at {unit_phone} ({unit_hours}).")
CARD_QUESTION = N_("That is a good question. I cannot answer it reliably myself, but a service coordinator can. "
                   "I wrote your question down: it goes to the coordinator with your matter if you want to be "
                   "contacted.")
NOTED = N_("Thank you, I wrote that down.")
ADD_OR_NEW = N_("Shall I add this to your case that {who} already has, or is it a new matter?")
ADD = N_("Add to my case")
NEW = N_("A new matter")
# Words that say the message continues the matter already handed on ("unohdin sanoa", "glömde säga").
CONTINUES = ("unohdin", "unohtu", "viela", "lisaksi", "lisays", "lisattava", "tarkennu", "glomde", "dessutom",
             "tillagg", "annu en sak", "en sak till")
OFFER_PERSON = N_("I am sorry, I do not seem to understand you. You can call {unit} at {unit_phone} ({unit_hours}), "
                  "or write /human and I will pass your matter to a person.")
OFFER_PERSON_AGAIN = N_("You can also answer with the number of an option, for example 1. "
                        "A person answers at {unit_phone} ({unit_hours}).")
# After /delete, when a coordinator had already contacted the citizen: the case stays as a bare record
# (bot/handoff/erasure.py says what it holds and why).
DELETED_KEPT = N_("Everything stored about you has been deleted. A coordinator had already contacted you about case "
                  "#{case}, so a bare record of it remains: the case number, the unit, the coordinator and the dates, "
                  "with nothing about you or your messages. The wellbeing services county keeps it to be able to "
                  "tell who handled the case. You can start again at any time.")
DELETED_KEPT_MANY = N_("Everything stored about you has been deleted. A coordinator had already contacted you about "
                       "cases {cases}, so bare records of them remain: the case number, the unit, the coordinator and "
                       "the dates, with nothing about you or your messages. The wellbeing services county keeps them "
                       "to be able to tell who handled the cases. You can start again at any time.")


def _words(text: str) -> int:
    return len(tokens(normalize(text)))


def remember_first_words(run: _Run, text: str, prediction: Prediction) -> None:
    """A topic chosen from the citizen's words: keep the words as the need's description and what they told
    (for whom, municipality, urgency), and note a second need named in the same message."""
    slots = run.s.slots
    prefilled: list[str] = []
    slots.pop("description", None)  # words about an earlier topic do not describe this one
    if _words(text) >= KEEP_WORDS:
        slots["description"] = text
        prefilled.append("description")
    for key, value in understand.prefill(text).items():
        if key == "area":
            slots["_area"] = value
        else:
            slots[key] = value
            prefilled.append(key)
    slots[PREFILLED] = prefilled
    found = [topic for topic, _confidence in (prediction.extra or {}).get("topics") or []]
    others = [topic for topic in found if topic != prediction.intent and topic in SERVICE_TOPICS]
    if others and run.flows.flow_for_topic(others[0]) is not None:
        slots[OTHER_TOPIC] = others[0]


def acknowledge(run: _Run, text: str) -> None:
    """A short acknowledgement of what the citizen wrote, before a service card."""
    if _words(text) < KEEP_WORDS:
        return
    about_close_one = run.s.slots.get("for_whom") == "close_one"
    line = run._(ACK_CLOSE_ONE if about_close_one else ACK)
    if understand.strain(text):
        line += " " + run._(ACK_STRAIN)
    second = run.s.slots.get(OTHER_TOPIC)
    if second:
        line += " " + run._(TWO_NEEDS).format(first=_title(run, run.s.slots.get("topic")), second=_title(run, second))
    run.say(line)


def _title(run: _Run, topic: Any) -> str:
    flow = run.flows.flow_for_topic(topic) if isinstance(topic, str) else None
    return flow.title.get(run.s.lang).lower() if flow else "–"


def other_topic_note(run: _Run, step: Step) -> str | None:
    """At a topic step, the second need the citizen named earlier, if any."""
    second = run.s.slots.get(OTHER_TOPIC)
    if isinstance(step, TopicStep) and second:
        return run._(OTHER_PENDING).format(second=_title(run, second))
    return None


def told_already(run: _Run, step: Step) -> str | None:
    """The next ref when the first message already answered this step (and no correction is going on)."""
    slots = run.s.slots
    slot = getattr(step, "slot", None)
    if not slot or slot not in (slots.get(PREFILLED) or []) or slots.get("_resume") or slots.get(slot) in (None, ""):
        return None
    if isinstance(step, AskStep):
        return step.next
    if isinstance(step, ChoiceStep):
        option = next((o for o in step.options if o.value == slots[slot]), None)
        return option.next if option is not None else None
    return None


def note_area(run: _Run, step: ChoiceStep, option: Any, text: str) -> None:
    """A municipality typed at its step that the county does not serve ("Helsingissä"): keep which one, so the
    citizen is told where to turn there."""
    if step.slot == "municipality" and option.value == "other":
        area = understand.prefill(text).get("area")
        if area:
            run.s.slots["_area"] = area


def phone_for_contact(run: _Run, step: ChoiceStep, text: str) -> bool:
    """A phone number typed where the way of contact is asked ("040 123 4567"): a call, to that number; the
    phone step is then not asked, and the summary shows the number to confirm."""
    option = next((o for o in step.options if o.value == "phone"), None)
    if step.slot != "contact_preference" or option is None:
        return False
    number = validators.parse_phone(text)
    if number is None:
        return False
    run.s.slots["phone"] = number
    run.s.slots[PREFILLED] = [*(run.s.slots.get(PREFILLED) or []), "phone"]
    run.choose_option(step, option)
    return True


def special(run: _Run, text: str) -> bool:
    """Words about the conversation itself rather than the matter: a language to switch to, who the bot is, a
    request to delete their data. Answered here (True), never stored as the need."""
    lang = understand.language_request(text)
    if lang in ("fi", "sv"):
        if lang != run.s.lang:
            run.switch_language(lang, announce=True)
        elif any(event.startswith("language:") for event in run.events):
            run.say(run._("Language changed."))  # the words' language already switched it this turn
        run.prompt(run.step())
        return True
    if understand.identity_question(text):
        run.events.append("who_am_i")
        run.say(run.fmt(run._(WHO_AM_I)))
        run.prompt(run.step())
        return True
    if asks_to_delete(text):
        from bot.dialogue.system import ask_delete  # system imports this module

        run.events.append("delete_asked")
        ask_delete(run)
        return True
    return False


def asks_to_delete(text: str) -> bool:
    """The citizen asks in their own words to have their data deleted ("poista kaikki tietoni", "radera allt om
    mig"): answered with the same confirmation as /delete."""
    return understand.delete_request(text)


def deleted_text(run: _Run, kept: list[int]) -> str:
    """What the citizen is told after /delete when cases stay as bare records."""
    if len(kept) == 1:
        return run._(DELETED_KEPT).format(case=kept[0])
    return run._(DELETED_KEPT_MANY).format(cases=", ".join(f"#{number}" for number in kept))


def out_of_scope(run: _Run, step: TopicStep, prediction: Prediction) -> bool:
    """A confident out_of_scope (not a low-confidence fallback): say so honestly, with the unit's phone."""
    extra = prediction.extra or {}
    if prediction.intent != "out_of_scope" or extra.get("fallback") or prediction.confidence <= 0:
        return False
    run.events.append("out_of_scope")
    run.say(run.fmt(run._(OUT_OF_SCOPE)))
    run.prompt(step)
    return True


def on_card(run: _Run, step: ChoiceStep, text: str, prediction: Prediction) -> bool:
    """Words typed at a service card's offer: a question or more about the same matter is written down for the
    coordinator and the topic stays; True when handled."""
    topic = run.s.slots.get("topic")
    flow = run.flows.flows.get(run.s.flow)
    if step.slot is not None or flow is None or not flow.topic or topic is None:
        return False
    other = prediction.intent in SERVICE_TOPICS and prediction.intent != topic
    if understand.is_question(text):
        _add_words(run, text)
        run.events.append("card_question")
        run.say(run._(CARD_QUESTION))
    elif not other or prediction.confidence < TOPIC_BAR:
        _add_words(run, text)
        run.events.append("noted")
        run.say(run._(NOTED))
    else:
        return False
    run.prompt(step)
    return True


def _add_words(run: _Run, text: str) -> None:
    slots = run.s.slots
    before = slots.get("description")
    slots["description"] = f"{before}\n{text}" if before else text
    prefilled = slots.setdefault(PREFILLED, [])
    if "description" not in prefilled:
        prefilled.append("description")


def after_handoff(run: _Run, text: str, prediction: Prediction) -> bool:
    """Words after a handoff go to that case as an addition (the coordinator is told), unless they clearly start
    a new topic; True when added."""
    topic = run.s.slots.get(CASE_TOPIC)
    if topic is None or _words(text) < 2:
        return False
    if prediction.intent in ("thanks_goodbye", "greet", "affirm", "deny", "ask_human", "privacy"):
        return False
    who = run.actions.case_holder(lang=run.s.lang)
    if who is None:
        run.s.slots.pop(CASE_TOPIC, None)
        return False
    folded = normalize(text, fold_diacritics=True)
    other = prediction.intent in SERVICE_TOPICS and prediction.intent != topic and prediction.confidence >= TOPIC_BAR
    if other and not any(word in folded for word in CONTINUES):
        run.s.slots.update({"_sys": "add_or_new", "_pending": text, "_pending_topic": prediction.intent})
        run.say(run._(ADD_OR_NEW).format(who=who), [(run._(ADD), "add"), (run._(NEW), "new")])
        return True
    add(run, text)
    return True


def add(run: _Run, text: str) -> None:
    """Pass the words on to the open case's holder, and carry on where the conversation was."""
    who = run.actions.case_holder(lang=run.s.lang)
    if who is not None and run.actions.add_to_case(text=text):
        run.events.append("case_addition")
        run.say(run._("Thank you. I passed it on to {who}.").format(who=who))
    else:
        run.s.slots.pop(CASE_TOPIC, None)
        run.say(run._("You have no open case to add to."))
    run.prompt(run.step())


def add_or_new(run: _Run, key: str) -> None:
    """The answer to ADD_OR_NEW: the pending words go to the case, or start the new matter they name."""
    text, topic = run.s.slots.pop("_pending", None), run.s.slots.pop("_pending_topic", None)
    if not text:
        run.prompt(run.step())
    elif key == "add":
        add(run, text)
    else:
        run.s.slots.pop(CASE_TOPIC, None)
        remember_first_words(run, text, Prediction(intent=topic or "out_of_scope", confidence=1.0))
        run.enter_topic(None, topic, text=text) if topic else run.prompt(run.step())


def misunderstood(run: _Run, step: Step, first: str) -> None:
    """An answer not understood at `step`: the step's own line first, then a way out with a person and the phone,
    never the same line twice in a row."""
    where = f"{run.s.flow}.{run.s.step}"
    seen = run.s.slots.get(MISSES)
    count = seen[1] + 1 if isinstance(seen, list) and seen[:1] == [where] else 1
    run.s.slots[MISSES] = [where, count]
    run.events.append("not_understood")
    if count == 1:
        run.say(first)
    elif count % 2 == 0:
        run.events.append("offered_person")
        run.say(run.fmt(run._(OFFER_PERSON)))
    else:
        run.say(run.fmt(run._(OFFER_PERSON_AGAIN)))
    run.prompt(step)
