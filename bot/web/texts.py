"""The console's words that code chooses (labels of codes, refusals, results); the templates hold the rest. Every one
is a msgid of locales/{fi,sv}; several are the Telegram staff side's own, so both channels say the same."""
from __future__ import annotations

from bot.handoff import staff
from bot.handoff.staff_texts import DONE, EVENTS, FOR_WHOM, LANGUAGE  # noqa: F401 - the console takes them from here
from bot.i18n import N_

STATUS = {
    "new": N_("new, not claimed"), "claimed": N_("claimed"), "contacted": N_("contacted"), "closed": N_("closed"),
    "cancelled": N_("cancelled"),
}
PROMISE = {"on_time": N_("on time"), "late": N_("late"), "escalated": N_("escalated")}
CONTACT = {"chat": N_("in the chat"), "phone": N_("by phone"), "visit": N_("a visit to the lähitori")}
ACTIONS = {"claim": N_("Claim"), "contacted": N_("Contacted"), "close": N_("Close"), "pair": N_("Give to my pair")}
BUTTONS_BY_STATUS = {"new": ("claim", "pair"), "claimed": ("contacted", "close", "pair"),
                     "contacted": ("close", "pair")}
SENDER = {"citizen": N_("citizen"), "bot": N_("bot"), "coordinator": N_("coordinator"), "system": N_("system")}
ERRORS: dict[type[staff.StaffError], str] = {
    staff.CaseNotFound: N_("There is no case #{case}."),
    staff.PermissionDenied: N_("Case #{case} belongs to other coordinators: you may not act on it."),
    staff.InvalidTransition: N_("That cannot be done to case #{case} now: it is {status}."),
    staff.PairUnavailable: N_("Case #{case} stays with you: your work pair is away or not available."),
    staff.NotHolder: N_("Case #{case} is held by {holder}: only they write to the citizen."),
    staff.ChatNotChosen: N_("The citizen of case #{case} asked to be contacted {contact}, not in this chat."),
    staff.CitizenUnreachable: N_("The message cannot be delivered: the citizen of case #{case} has blocked the bot "
                                 "or deleted their data."),
    staff.EmptyMessage: N_("Write a message first."),
}
NO_COORDINATOR = N_("Your account is not a coordinator's, so it cannot act on cases.")
LOGIN_REFUSED = {
    "wrong": N_("Wrong username or password."),
    "locked": N_("Too many wrong passwords: the account is locked for 15 minutes."),
    "throttled": N_("Too many failed logins from this address: try again in 15 minutes."),
}
