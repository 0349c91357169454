"""Staff notifications by e-mail: the dispatcher's channel (bot/handoff/dispatch.py) for the outbox rows of channel
"email" (bot/handoff/notify.py says who gets which). A message names the case by its number, says what happened and
links to the case in the console, in the coordinator's language; by design it carries no client data, and says so.

Sent with the standard library's smtplib in a thread. A recipient or message refused with 5xx is permanent (the row
fails); a connection error, a timeout before the message went, a 4xx or a refused login is retried; a timeout or a
dropped connection while the message itself went (after DATA) leaves the send in doubt: the next try says it may be a
second copy, and keeps the Message-ID, so that a mail client can tell the two apart. Nothing of a message is logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from typing import Any, cast

from bot.config import Settings
from bot.db.models import Outbox
from bot.handoff.dispatch import PermanentSendError, SendInDoubt
from bot.i18n import N_, I18n

logger = logging.getLogger(__name__)

SUBJECTS = {
    "handoff_new": N_("Lähitori: new case #{case} is waiting"),
    "handoff_given": N_("Lähitori: case #{case} was given to you"),
    "handoff_escalated": N_("Lähitori: case #{case} is still waiting"),
    "relay_in": N_("Lähitori: the citizen wrote in case #{case}"),
    "case_withdrawn": N_("Lähitori: case #{case} was cancelled"),
}
OPENINGS = {
    "handoff_new": N_("A new case #{case} is waiting in the lähitori console."),
    "handoff_given": N_("Your work pair gave you case #{case}. It is waiting in the lähitori console."),
    "handoff_escalated": N_("Nobody has claimed case #{case} in time. It is still waiting in the lähitori console."),
    "relay_in": N_("The citizen has written a new message in case #{case}. Read it in the lähitori console."),
    "case_withdrawn": N_("Case #{case} has been cancelled: do not contact the citizen about it, and delete any notes "
                         "you made of it."),
}
LINK = N_("Open the case: {link}")
NO_CLIENT_DATA = N_("By design this message contains no client data. You see the case in the console once you "
                    "have logged in.")
AUTOMATIC = N_("This is an automatic message from the lähitori bot. Please do not reply to it.")
REPEAT = N_("(sent again after an interruption)")  # as in Telegram: a send in doubt, maybe a second copy


class RecipientRefused(PermanentSendError):
    """The server refused the address for good (5xx): the row fails; the address is not logged."""


class MessageRefused(PermanentSendError):
    """The server refused the message itself for good (5xx after DATA)."""


class EmailSender:
    """One outbox row as one e-mail; see the module's docstring."""

    def __init__(self, settings: Settings, i18n: I18n) -> None:
        if not settings.smtp_host or not settings.smtp_from:
            raise ValueError("EmailSender needs SMTP_HOST and SMTP_FROM")
        self.settings, self.i18n = settings, i18n
        self.sender = parseaddr(settings.smtp_from)[1]
        self.domain = self.sender.rpartition("@")[2]

    # The Channel protocol ------------------------------------------------------------------------------------

    def pieces(self, row: Outbox, *, repeat: int | None) -> list[EmailMessage]:
        return [self.render(row, repeat=repeat is not None)]

    def keeps(self, row: Outbox) -> bool:
        return False  # no client data: nothing to retract

    def in_doubt(self, error: BaseException) -> bool:
        return isinstance(error, SendInDoubt)

    async def send_piece(self, row: Outbox, piece: object) -> int | None:
        await asyncio.to_thread(self.deliver, cast(EmailMessage, piece))
        return None

    # Rendering and sending -----------------------------------------------------------------------------------

    def render(self, row: Outbox, *, repeat: bool = False) -> EmailMessage:
        """The e-mail of a row in its reader's language: the subject, what happened, the link, and the note that
        it has no client data."""
        payload: dict[str, Any] = row.payload or {}
        if row.kind not in SUBJECTS or not payload.get("to") or not payload.get("handoff_id"):
            raise PermanentSendError(f"no e-mail for outbox kind {row.kind}")
        lang = "sv" if payload.get("lang") == "sv" else "fi"
        _ = lambda message: self.i18n.gettext(lang, message)  # noqa: E731
        case = int(payload["handoff_id"])
        link = f"{self.settings.console_url}/cases/{case}"
        lines = [_(REPEAT), ""] if repeat else []
        lines += [_(OPENINGS[row.kind]).format(case=case), "", _(LINK).format(link=link), "", _(NO_CLIENT_DATA),
                  _(AUTOMATIC)]
        message = EmailMessage()
        message["Subject"] = _(SUBJECTS[row.kind]).format(case=case)
        message["From"] = self.settings.smtp_from
        message["To"] = payload["to"]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<lahitori.outbox.{row.id}@{self.domain}>"  # the same on a repeat
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        message.set_content("\n".join(lines) + "\n")
        message["Content-Language"] = lang  # after set_content, which sets the Content-* headers anew
        return message

    def deliver(self, message: EmailMessage) -> None:
        """Send one message (blocking: run in a thread); raise what the dispatcher classifies."""
        settings = self.settings
        assert settings.smtp_host is not None
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
        try:
            self.converse(smtp, message)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # the outcome is known: QUIT changes nothing
                smtp.quit()
            smtp.close()

    def converse(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        """EHLO, STARTTLS, login, MAIL, RCPT and DATA, each refusal classified."""
        settings, recipient = self.settings, parseaddr(str(message["To"]))[1]
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_username and settings.smtp_password is not None:
            try:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            except smtplib.SMTPAuthenticationError:
                logger.error("the SMTP server refused the login of SMTP_USERNAME: check SMTP_PASSWORD")
                raise
        code, _reply = smtp.mail(self.sender)
        if code != 250:
            logger.error("the SMTP server refused the sender SMTP_FROM (%d)", code)
            raise smtplib.SMTPSenderRefused(code, b"", self.sender)
        code, _reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            if 500 <= code < 600:
                raise RecipientRefused(f"recipient refused ({code})")
            raise smtplib.SMTPRecipientsRefused({"-": (code, b"")})  # 4xx: try again later
        try:
            code, _reply = smtp.data(message.as_bytes(policy=SMTP_POLICY))  # CRLF lines, as SMTP wants them
        except smtplib.SMTPDataError as error:  # DATA itself refused: the message did not go
            if 500 <= error.smtp_code < 600:
                raise MessageRefused(f"message refused ({error.smtp_code})") from None
            raise
        except OSError as error:  # a timeout or a dropped connection: the message went, its answer did not come
            raise SendInDoubt(type(error).__name__) from error
        if code != 250:
            if 500 <= code < 600:
                raise MessageRefused(f"message refused ({code})")
            raise smtplib.SMTPDataError(code, b"")
