"""The refusals of staff actions: each a StaffError whose message is one sentence a coordinator can act on."""
from __future__ import annotations


class StaffError(Exception):
    """A staff action was refused; the message is one sentence a coordinator can act on."""


class UnknownCoordinator(StaffError):
    """No coordinator has this id."""


class InvalidCode(StaffError):
    """The link code is not one we issued."""


class CodeUsed(StaffError):
    """The link code has already linked an account."""


class CodeExpired(StaffError):
    """The link code is too old."""


class CoordinatorInactive(StaffError):
    """The coordinator is no longer active."""


class ChatAlreadyLinked(StaffError):
    """This chat already belongs to another coordinator."""


class TooManyAttempts(StaffError):
    """Too many wrong codes from this chat in the last hour."""


class CaseNotFound(StaffError):
    """No case has this id."""


class PermissionDenied(StaffError):
    """The coordinator may not act on this case."""


class InvalidTransition(StaffError):
    """The case is not in a state that allows this action."""


class PairUnavailable(StaffError):
    """The case cannot go to a work pair: none, inactive or away."""


class InvalidPeriod(StaffError):
    """An absence that ends before it starts."""


class NotHolder(StaffError):
    """Only the coordinator holding the case talks with the citizen."""


class ChatNotChosen(StaffError):
    """The citizen asked to be contacted another way than in this chat."""


class CitizenUnreachable(StaffError):
    """The citizen has blocked the bot or deleted their data: a message cannot reach them."""


class EmptyMessage(StaffError):
    """A relay message without words."""


class NoPendingGroup(StaffError):
    """The unit has no staff group waiting for approval."""


class NoUnitGroup(StaffError):
    """The unit has no staff group, approved or waiting."""


class AlreadyClaimed(InvalidTransition):
    """Someone else claimed the case first (two people pressing Claim at once: one wins)."""


class InvalidOutcome(StaffError):
    """A closing without a known outcome code, or a referral without the name of the service."""


class ReassignRefused(StaffError):
    """The case cannot go to that person: another unit, not active, away, or not one the consent names."""


class EmptyNote(StaffError):
    """A case note without words."""
