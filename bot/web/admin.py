"""The admin pages' gate (flows, directory): an admin's request goes on; anyone else gets the same "not found" page
as for a missing page, and the attempt is audited as `staff_permission_denied`, as a case outside one's reach is."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.db.models import StaffAccount
from bot.handoff.audit import record
from bot.web import accounts
from bot.web.auth import Who, who


class NotAdmin(Exception):
    """A signed-in account without the admin role asked for an admin page."""

    def __init__(self, signed: Who) -> None:
        super().__init__("an admin's page")
        self.signed = signed


def require(request: Request) -> Who:
    """The signed-in admin (NotSignedIn without a session, NotAdmin for a staff account)."""
    signed = who(request)
    if signed.role != "admin":
        raise NotAdmin(signed)
    return signed


def refused(request: Request, signed: Who) -> Response:
    """Not found, for an admin page a staff account asked for, or a page that does not exist; the first audited."""
    if signed.role != "admin":
        services = request.app.state.services
        with services.sessions.begin() as session:
            account = session.get(StaffAccount, signed.account_id)
            if account is not None:
                record(session, actor=accounts.actor(account), action="staff_permission_denied", at=services.clock(),
                       details={"attempted": request.url.path.split("/")[1], "via": "console"})
    return request.app.state.render(request, "page_not_found.html", lang=signed.language, signed=signed,
                                    status=404)
