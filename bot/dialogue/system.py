"""Global commands that work from any step: start over, language, help, my data, delete, a person."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.dialogue import listening
from bot.dialogue.render import fold
from bot.dialogue.validators import yes_no
from bot.i18n import N_
from nlu.types import Prediction

if TYPE_CHECKING:
    from bot.dialogue.engine import _Run

logger = logging.getLogger(__name__)

# Command names (ASCII, as Telegram requires) and the words citizens may type after "/".
COMMANDS: dict[str, set[str]] = {
    "start": {"start", "alku", "alusta", "borja", "aloita"},
    "language": {"language", "kieli", "sprak", "lang"},
    "help": {"help", "apua", "ohje", "hjalp"},
    "mydata": {"mydata", "tietoni", "minadata", "minauppgifter", "privacy"},
    "delete": {"delete", "poista", "radera"},
    "human": {"human", "ihminen", "manniska", "person"},
    "mycase": {"mycase", "asiani", "omaasiani", "arende", "mittarende"},
}
DESCRIPTIONS = {
    "start": N_("Start from the beginning"),
    "language": N_("Change language"),
    "help": N_("Help"),
    "mydata": N_("What is stored about me"),
    "delete": N_("Delete my data"),
    "human": N_("Talk to a person"),
    "mycase": N_("My case"),
}
EXPORT = N_("Send all as a file")
EXPORT_STEMS = ("tiedosto", "export", "json", "lataa", "ladda")  # tiedostona, exportera, ladda ner
EXPORT_WORDS = frozenset({"fil", "filen", "filer", "file"})


def parse(text: str) -> str | None:
    """The command a '/word' names, or None."""
    word = fold(text.strip().split()[0].lstrip("/").split("@")[0]) if text.strip() else ""
    return next((name for name, words in COMMANDS.items() if word in words), None)


def command(run: _Run, text: str) -> None:
    name = parse(text)
    run.events.append(f"command:{name or 'unknown'}")
    if name == "start":
        run.restart()
    elif name == "language":
        run.s.slots["_sys"] = "language"
        run.say("Valitse kieli – Välj språk", [("Suomi", "fi"), ("Svenska", "sv")])
    elif name == "help":
        run.say(run._(
            "You can write in your own words or use the buttons. Commands: /start begins again, "
            "/language changes the language, /mydata shows what is stored about you, /delete deletes your data, "
            "/human connects you with a person. In an emergency call 112."))
        run.prompt(run.step())
    elif name == "mydata":
        show_data(run)
    elif name == "delete":
        ask_delete(run)
    elif name == "human":
        to_person(run)
    elif name == "mycase":
        show_case(run)
    else:
        run.say(run._("I do not know that command. Write /help to see what you can do."))
        run.prompt(run.step())


def show_data(run: _Run) -> None:
    """Every kind of data held about the citizen (bot/handoff/mydata.py), with the export, withdrawal and deletion."""
    lines = run.actions.stored_summary(lang=run.s.lang, label=run.render.option_label)
    text = run._("This is what is stored about you:") + "\n" + "\n".join(lines)
    buttons = [(run._(EXPORT), "export")]
    if run.actions.active_consents():
        buttons.append((run._("Withdraw my consent"), "withdraw"))
    buttons += [(run._("Delete my data"), "delete"), (run._("Continue"), "continue")]
    run.s.slots["_sys"] = "mydata"
    run.say(text, buttons)


def send_export(run: _Run) -> None:
    """Everything, the whole conversation included, as one file for the citizen (GDPR Art. 15 and 20): the turn
    returns it with its reply and the channel sends it; the transcript keeps only the reply's words."""
    document = run.actions.export_data(lang=run.s.lang, label=run.render.option_label)
    run.events.append("data_exported")
    run.say(run._("Here is everything stored about you in one file, the whole conversation included. The file is in "
                  "JSON, a format other services can read too, and a text editor opens it. I keep no copy of the "
                  "file."), document=document)
    run.prompt(run.step())


def wants_export(run: _Run, text: str) -> bool:
    """A typed "send it as a file" at /mydata: the button's label in either language, or a word for a file."""
    typed = fold(text)
    labels = {fold(run.engine.i18n.gettext(lang, EXPORT)) for lang in ("fi", "sv")}
    words = typed.split()
    return (typed in labels or any(word.startswith(EXPORT_STEMS) for word in words)
            or any(word in EXPORT_WORDS for word in words))


def show_case(run: _Run) -> None:
    """The citizen's view of their case: what was recorded and consented to, who has it, what comes next."""
    lines = run.actions.case_view(lang=run.s.lang)
    if not lines:
        run.say(run._("You have no case passed on to a coordinator. Write /human if you would like one."))
        run.prompt(run.step())
        return
    buttons = [(run._("Add to my case"), "add")] if run.actions.case_holder(lang=run.s.lang) else []
    buttons += [(run._("Withdraw my consent"), "withdraw")] if run.actions.active_consents() else []
    run.s.slots["_sys"] = "mydata"
    run.say(run._("Your case:") + "\n" + "\n".join(f"• {line}" for line in lines),
            buttons + [(run._("Continue"), "continue")])


def ask_delete(run: _Run) -> None:
    run.s.slots["_sys"] = "delete"
    run.say(run._("Shall I delete everything stored about you: your messages, needs and contact details? "
                  "Cases already passed on are cancelled. This cannot be undone."),
            [(run._("Yes, delete"), "yes"), (run._("No, keep them"), "no")])


def to_person(run: _Run) -> None:
    idle = run.flows.step(*run.flows.idle)
    target = getattr(idle, "routes", {}).get("ask_human")
    if target is None:
        run.restart()
        return
    run.s.slots.pop("_sys", None)
    run.go(*run.flows.resolve(target, run.flows.idle[0]))


def choose(run: _Run, key: str) -> None:
    """A button of a system dialog was pressed."""
    dialog = run.s.slots.pop("_sys", None)
    if dialog == "language" and key in ("fi", "sv"):
        run.switch_language(key, announce=True)
        run.prompt(run.step())
    elif dialog == "delete" and key == "yes":
        kept = run.actions.delete_everything()
        run.events.append("deleted")
        run.s.slots = {}
        run.say(listening.deleted_text(run, kept) if kept
                else run._("Everything stored about you has been deleted. You can start again at any time."))
        run.s.flow, run.s.step = run.flows.idle
    elif dialog == "mydata" and key == "withdraw":
        count = run.actions.withdraw_consents()
        run.events.append("consent_withdrawn")
        run.say(run._("Your consent has been withdrawn and your open case was cancelled. Nothing more is passed on.")
                if count else run._("You have no consent in force."))
        run.prompt(run.step())
    elif dialog == "mydata" and key == "delete":
        ask_delete(run)
    elif dialog == "mydata" and key == "export":
        send_export(run)
    elif dialog == "mydata" and key == "add":
        ask_addition(run)
    elif dialog == "add_or_new" and key in ("add", "new"):
        listening.add_or_new(run, key)
    else:
        if dialog == "delete":
            run.say(run._("Nothing was deleted."))
        run.prompt(run.step())


def ask_addition(run: _Run) -> None:
    who = run.actions.case_holder(lang=run.s.lang)
    if who is None:
        run.say(run._("You have no open case to add to."))
        run.prompt(run.step())
        return
    run.s.slots["_sys"] = "addcase"
    run.say(run._("Write what you would like to add to your case. I will pass it on to {who}.").format(who=who),
            [(run._("Cancel"), "cancel")])


def add_to_case(run: _Run, text: str) -> None:
    run.s.slots.pop("_sys", None)
    listening.add(run, text)


def text_in_dialog(run: _Run, text: str, prediction: Prediction) -> None:
    """Typed words while a system dialog waits: understand the obvious answers, else carry on."""
    dialog, typed = run.s.slots.get("_sys"), fold(text)
    if dialog == "addcase":
        add_to_case(run, text)
        return
    if dialog == "mydata" and wants_export(run, text):
        choose(run, "export")
        return
    if dialog == "language" and typed in ("suomi", "suomeksi", "finska", "1",
                                          "svenska", "ruotsi", "ruotsiksi", "pa svenska", "2"):
        choose(run, "sv" if typed in ("svenska", "ruotsi", "ruotsiksi", "pa svenska", "2") else "fi")
        return
    if dialog == "delete" and yes_no(text) is not None:
        choose(run, "yes" if yes_no(text) else "no")
        return
    if dialog == "delete" and listening.asks_to_delete(text):  # "ja, radera allt om mig" at the confirmation
        choose(run, "yes")
        return
    if listening.asks_to_delete(text):  # "poista kaikki tietoni" in another dialog: the same one confirmation
        ask_delete(run)
        return
    if dialog == "add_or_new" and (typed.startswith(("lisa", "liita", "lagg", "tillagg")) or yes_no(text) is True):
        choose(run, "add")
        return
    if dialog == "add_or_new" and (typed.startswith(("uusi", "uus", "ny", "nytt")) or yes_no(text) is False):
        choose(run, "new")
        return
    run.s.slots.pop("_sys", None)
    run.s.slots.pop("_pending", None)
    run.s.slots.pop("_pending_topic", None)
    run.handle_text(run.step(), text, prediction)
