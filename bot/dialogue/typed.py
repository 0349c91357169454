"""Typed answers where buttons wait: an option's `words` and `means`, skipping a question, a mistyped phone number."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.dialogue.validators import folded_words, phone_letters, yes_no
from bot.flowspec.schema import AskStep, Option
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.dialogue.engine import _Run

logger = logging.getLogger(__name__)

CONTAIN_MAX_WORDS = 4  # a word listed for an option counts inside a typed answer this short
CONTAIN_MIN_LETTERS = 3  # shorter words ("mä", "ja") count only as the whole answer
NEGATIONS = frozenset({"ei", "en", "et", "emme", "ette", "eivat", "eika", "eipa", "ala",
                       "inte", "int", "ingen", "inget", "inga", "ej", "nej", "icke", "aldrig"})
SWEDISH_ARTICLE = "en"  # "en" is the Finnish "I don't" but the Swedish article: a negation only in Finnish
CONTRAST = frozenset({"vaan", "mutta", "kun", "utan", "men", "fast"})  # "ei minua vaan äitiä"
AFTER_NEGATIONS = frozenset({"inte", "int", "ej", "icke", "aldrig"})  # Swedish negates after the verb: "ring inte"

SKIP = frozenset({"ohita", "ohitan", "ohita tama", "ohitetaan", "hyppaa yli", "skippaa", "skip", "hoppa over",
                  "hoppar over", "hoppa over det", "skippa", "hoppa"})
PHONE_SKIP = frozenset({
    "ei puhelinta", "ei ole puhelinta", "minulla ei ole puhelinta", "ei numeroa", "en halua antaa",
    "en halua antaa numeroa", "en halua antaa numeroani", "en anna", "en anna numeroa", "ei soittoa",
    "ingen telefon", "jag har ingen telefon", "har ingen telefon", "inget nummer", "vill inte ge",
    "jag vill inte ge", "vill inte ge numret", "jag vill inte ge numret", "vill inte ge mitt nummer",
    "jag vill inte ge mitt nummer", "ring inte",
})
CONTACT_SLOT, PHONE_VALUE, CHAT_VALUE = "contact_preference", "phone", "chat"

PHONE_HAS_LETTER = N_("The number has a letter in it ({letters}). Please write it with digits only, "
                      "for example 040 123 4567.")
PHONE_ABROAD = N_("A number from abroad works too when it begins with the country code, for example +46 70 123 45 67.")
PHONE_SKIP_HINT = N_("If you would rather not give a number, press Skip. The coordinator will then write to you "
                     "here in this chat.")
PHONE_SKIPPED = N_("All right. The coordinator will write to you here in this chat.")


# Buttons --------------------------------------------------------------------------------------------------

def match_words(options: Sequence[Option], text: str, *, lang: str) -> Option | None:
    """The one option whose `words` the typed text is, or (in a short answer) contains as whole words.

    The longest matching phrase wins ("ei kiire" beats "kiire"); a word after a negation does not count
    ("ei kiirettä" is not "kiire"), unless the listed phrase carries the negation itself. A tie is no answer.
    """
    typed = folded_words(text)
    if not typed:
        return None
    negations = NEGATIONS - {SWEDISH_ARTICLE} if lang == "sv" else NEGATIONS
    best: dict[int, int] = {}
    for index, option in enumerate(options):
        for phrase in option.words.all() if option.words else ():
            words = folded_words(phrase)
            if words and _matches(typed, words, negations):
                best[index] = max(best.get(index, 0), len(words))
    if not best:
        return None
    longest = max(best.values())
    winners = [index for index, length in best.items() if length == longest]
    return options[winners[0]] if len(winners) == 1 else None


def _matches(typed: list[str], words: list[str], negations: frozenset[str]) -> bool:
    if typed == words:
        return True
    if len(typed) > CONTAIN_MAX_WORDS or len("".join(words)) < CONTAIN_MIN_LETTERS:
        return False
    carries_negation = any(word in negations for word in words)
    for at in range(len(typed) - len(words) + 1):
        end = at + len(words)
        if typed[at:end] == words and (carries_negation or not _negated(typed, at, end, negations)):
            return True
    return False


def _negated(typed: list[str], at: int, end: int, negations: frozenset[str]) -> bool:
    """A negation before the phrase with no "but" between ("ei ole kiire", not "ei minua vaan äitiä"), or a
    Swedish one right after it ("ring inte", "ring mig inte")."""
    negated = False
    for word in typed[:at]:
        if word in negations:
            negated = True
        elif word in CONTRAST:
            negated = False
    return negated or any(word in AFTER_NEGATIONS for word in typed[end:end + 2])


def match_means(options: Sequence[Option], text: str) -> Option | None:
    """A typed yes picks the option that `means: accept`, a typed no the one that `means: decline`."""
    answer = yes_no(text)
    if answer is None:
        return None
    wanted = "accept" if answer else "decline"
    found = [option for option in options if option.means == wanted]
    return found[0] if len(found) == 1 else None


# Questions ------------------------------------------------------------------------------------------------

def is_skip(step: AskStep, text: str) -> bool:
    """Typed words that skip an optional question; at a phone question also "no" and "I won't give one"."""
    phrase = " ".join(folded_words(text))
    if phrase in SKIP or text.strip() == "-":
        return True
    return step.validate_as == "phone" and (phrase in PHONE_SKIP or yes_no(text) is False)


def skip(run: _Run, step: AskStep) -> None:
    """Leave the question unanswered; a call without a number becomes a conversation in this chat."""
    run.s.slots.pop(step.slot, None)
    if step.validate_as == "phone" and run.s.slots.get(CONTACT_SLOT) == PHONE_VALUE:
        run.s.slots[CONTACT_SLOT] = CHAT_VALUE
        run.say(run._(PHONE_SKIPPED))
        run.events.append("phone_skipped")
    run.after_answer(step.next)


def refuse_phone(run: _Run, step: AskStep, text: str) -> None:
    """Say what is wrong with a typed number and how to go on; the question stays open."""
    letters = phone_letters(text)
    if letters:
        words = [run._(PHONE_HAS_LETTER).format(letters=", ".join(letters))]
    else:
        error = (run.fmt(step.error.get(run.s.lang)) if step.error
                 else run._("Please check your answer and write it again."))
        words = [error, run._(PHONE_ABROAD)]
    if step.optional:
        words.append(run._(PHONE_SKIP_HINT))
    run.say(" ".join(words), [(run._("Skip"), "skip")] if step.optional else None)
    run.events.append("invalid_answer")
