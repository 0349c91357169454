"""The console's words that code chooses (labels of codes, refusals, results); the templates hold the rest. Every one
is a msgid of locales/{fi,sv}; several are the Telegram staff side's own, so both channels say the same."""
from __future__ import annotations

from bot.handoff import staff
from bot.handoff.staff_texts import (  # noqa: F401 - the console takes them from here
    DONE,
    EVENTS,
    FOR_WHOM,
    LANGUAGE,
    NO_OUTCOME,
    NOTICES,
    OUTCOMES,
    REFUSALS,
    STATUS,
)
from bot.i18n import N_

PROMISE = {"on_time": N_("on time"), "late": N_("late"), "escalated": N_("escalated")}
CONTACT = {"chat": N_("in the chat"), "phone": N_("by phone"), "visit": N_("a visit to the lähitori")}
ACTIONS = {"claim": N_("Claim"), "contacted": N_("Contacted"), "close": N_("Close"), "pair": N_("Give to my pair"),
           "reassign": N_("Reassign"), "note": N_("Save the note")}
SENDER = {"citizen": N_("citizen"), "bot": N_("bot"), "coordinator": N_("coordinator"), "system": N_("system")}
ERRORS: dict[type[staff.StaffError], str] = {**REFUSALS, staff.EmptyMessage: N_("Write a message first.")}
NO_COORDINATOR = N_("Your account is not a coordinator's, so it cannot act on cases.")
LOGIN_REFUSED = {
    "wrong": N_("Wrong username or password."),
    "locked": N_("Too many wrong passwords: the account is locked for 15 minutes."),
    "throttled": N_("Too many failed logins from this address: try again in 15 minutes."),
}
# The inbox: a case's wait for a claim in the unit's opening hours, and a returning citizen's earlier coordinator.
WAITED = {"hours": N_("{hours} h {minutes} min (working hours)"), "whole": N_("{hours} h (working hours)"),
          "minutes": N_("{minutes} min (working hours)")}
RETURNING = {
    "same": N_("Returning client: the same person as last time"),
    "pair": N_("Returning client: last time {name}, now the work pair"),
    "other": N_("Returning client: last time {name}"),
}
