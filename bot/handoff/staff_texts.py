"""Words about a case that every staff channel says alike (the Telegram desk and the web console): the result of
an action, the events of a case's history, for whom and in which language. Each is a msgid of locales/{fi,sv}."""
from __future__ import annotations

from bot.i18n import N_

FOR_WHOM = {"self": N_("themself"), "close_one": N_("a close one")}
LANGUAGE = {"fi": N_("Finnish"), "sv": N_("Swedish")}
DONE = {
    "claim": N_("You claimed case #{case}. The citizen has been told that you have it."),
    "contacted": N_("Case #{case} is marked contacted."),
    "close": N_("Case #{case} is closed. The citizen has been asked for feedback."),
    "pair": N_("Case #{case} was given to your work pair, who has been sent the card."),
    "reply": N_("Your message to the citizen of case #{case} is on its way."),
}
EVENTS = {
    "handoff_created": N_("case created"), "handoff_escalated": N_("not claimed in time: passed on (level {level})"),
    "handoff_claimed": N_("claimed by {by}"), "handoff_given_to_pair": N_("given to the work pair: {by} → {to}"),
    "handoff_contacted": N_("contact made ({by})"), "handoff_closed": N_("closed ({by})"),
    "handoff_cancelled": N_("cancelled by the citizen"), "case_addition": N_("the citizen added to the need"),
}
