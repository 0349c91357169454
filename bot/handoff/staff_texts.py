"""Words about a case that every staff channel says alike (the Telegram desk and the web console): the result of
an action, the refusals, the events of a case's history, its states and outcomes, the bot's notices in the
transcript, for whom and in which language. Each is a msgid of locales/{fi,sv}."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.db.models import Handoff
from bot.handoff import staff
from bot.i18n import N_

FOR_WHOM = {"self": N_("themself"), "close_one": N_("a close one")}
LANGUAGE = {"fi": N_("Finnish"), "sv": N_("Swedish")}
STATUS = {
    "new": N_("new, not claimed"), "claimed": N_("claimed"), "contacted": N_("contacted"), "closed": N_("closed"),
    "cancelled": N_("cancelled"),
}
OUTCOMES = {  # staff.OUTCOMES, as a coordinator chooses them
    "guidance": N_("guidance given"), "referred": N_("referred to a named service"),
    "phone": N_("contacted by phone"), "unreachable": N_("could not reach the citizen"), "other": N_("other"),
}
NO_OUTCOME = N_("not recorded")
DONE = {
    "claim": N_("You claimed case #{case}. The citizen has been told that you have it."),
    "contacted": N_("Case #{case} is marked contacted."),
    "close": N_("Case #{case} is closed. The citizen has been asked for feedback."),
    "pair": N_("Case #{case} was given to your work pair, who has been sent the card."),
    "reply": N_("Your message to the citizen of case #{case} is on its way."),
    "reassign": N_("Case #{case} was given to the coordinator you chose, who has been sent the card."),
    "note": N_("Your note on case #{case} is saved."),
}
EVENTS = {
    "handoff_created": N_("case created"), "handoff_escalated": N_("not claimed in time: passed on (level {level})"),
    "handoff_claimed": N_("claimed by {by}"), "handoff_given_to_pair": N_("given to the work pair: {by} → {to}"),
    "handoff_contacted": N_("contact made ({by})"), "handoff_closed": N_("closed ({by})"),
    "handoff_cancelled": N_("cancelled by the citizen"), "case_addition": N_("the citizen added to the need"),
    "handoff_reassigned": N_("reassigned by {by} to {to}"), "case_note_added": N_("note added by {by}"),
}
# The bot's notices to the citizen in a case's transcript (notes.transcript), and what was not text.
NOTICES = {
    "case_claimed": N_("The citizen was told that {person} has the case."),
    "case_reassigned": N_("The citizen was told that the case is now with {person}."),
    "case_closed_feedback": N_("The citizen was told that the case is closed, and asked for feedback."),
    "notice": N_("The bot sent the citizen a notice about the case."),
    "button": N_("(the citizen pressed a button)"), "sticker": N_("(a sticker)"),
    "not_text": N_("(something other than text)"),
}
# The domain's refusals of case actions, as a coordinator reads them (each channel adds its own).
REFUSALS: dict[type[staff.StaffError], str] = {
    staff.CaseNotFound: N_("There is no case #{case}."),
    staff.PermissionDenied: N_("Case #{case} belongs to other coordinators: you may not act on it."),
    staff.AlreadyClaimed: N_("Case #{case} is already claimed by {holder}."),
    staff.InvalidTransition: N_("That cannot be done to case #{case} now: it is {status}."),
    staff.PairUnavailable: N_("Case #{case} stays with you: your work pair is away or not available."),
    staff.NotHolder: N_("Case #{case} is held by {holder}: only they write to the citizen."),
    staff.ChatNotChosen: N_("The citizen of case #{case} asked to be contacted {contact}, not in this chat."),
    staff.CitizenUnreachable: N_("The message cannot be delivered: the citizen of case #{case} has blocked the bot "
                                 "or deleted their data."),
    staff.InvalidOutcome: N_("Choose how case #{case} ended. For a referral, also name the service."),
    staff.ReassignRefused: N_("Case #{case} can go only to an active coordinator of its unit who is not away, and "
                              "only to the people the citizen's consent names."),
    staff.EmptyNote: N_("Write the note first."),
}


def refusal(error: staff.StaffError, *, case: int | None, handoff: Handoff | None, say: Callable[[str], str],
            texts: Mapping[type[staff.StaffError], str], contact: Mapping[str, str]) -> str:
    """The refusal as one sentence in the reader's language (`say` translates), the first of `texts` that the error
    is an instance of, filled in from the case: its number, status, holder and the way the citizen asked to be
    contacted (`contact`: the channel's words for it)."""
    values = {"case": case, "status": say(STATUS.get(handoff.status, "")) if handoff else "",
              "holder": handoff.coordinator.first_name if handoff and handoff.coordinator else "–",
              "contact": say(contact.get(handoff.need.contact_preference or "phone", contact["phone"]))
              if handoff and handoff.need else ""}
    message = next((text for kind, text in texts.items() if isinstance(error, kind)), None)
    return say(message).format(**values) if message else str(error)
