"""Try the draft (/flows/try): the admin's draft of the flows runs through the real engine, crisis guard and
classifier in Finnish or Swedish, with a throwaway state kept in the page (signed with the session's CSRF token, so
it is the admin's own), never touching live conversations or sending anything to staff (bot/handoff/trial.py)."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.dialogue import crisis, crisis_help
from bot.dialogue.engine import Engine
from bot.dialogue.models import State, Turn
from bot.flowspec import versions
from bot.flowspec.registry import FlowRegistry, FlowsInvalid
from bot.handoff.trial import TrialActions
from bot.i18n import N_
from bot.web import admin
from bot.web.auth import Who, form
from bot.web.flows_page import _draft
from nlu.types import Prediction

logger = logging.getLogger(__name__)

KEEP = 4  # draft engines kept, by content
SPEAKERS = {"citizen": N_("You"), "bot": N_("Bot"), "crisis": N_("Crisis guard (in code, whatever the flows say)"),
            "note": N_("Note")}
MAX_TURNS = 60  # lines of the try-it transcript kept in the page


def _engine(request: Request, files: dict[str, str]) -> Engine:
    """An engine over these files (FlowsInvalid when they have problems), kept by their content hash."""
    cache: OrderedDict[str, Engine] = request.app.state.__dict__.setdefault("trial_engines", OrderedDict())
    key = versions.content_hash(files)
    if key in cache:
        return cache[key]
    directory = Path(tempfile.mkdtemp(prefix="lahitori-try-"))
    try:
        for name, body in files.items():
            (directory / Path(name).name).write_text(body, encoding="utf-8")
        registry = FlowRegistry(directory, interval=float("inf"))  # never looks at the files again
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    cache[key] = engine = Engine(registry=registry, i18n=request.app.state.services.i18n)
    while len(cache) > KEEP:
        cache.popitem(last=False)
    return engine


def _classifier(request: Request):  # noqa: ANN202 - nlu.types.Classifier
    """The bot's classifier; a console started alone builds one the first time somebody tries a draft."""
    services = request.app.state.services
    if not getattr(services.classifier, "console_only", False):
        return services.classifier
    if getattr(request.app.state, "trial_classifier", None) is None:
        from bot.services import build_classifier

        request.app.state.trial_classifier = build_classifier(services.settings)
    return request.app.state.trial_classifier


def _sign(signed: Who, payload: str) -> str:
    return hmac.new(signed.csrf.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _load(signed: Who, data: dict[str, str]) -> dict[str, Any] | None:
    payload = data.get("state", "")
    if not payload or not hmac.compare_digest(_sign(signed, payload), data.get("sig", "")):
        return None
    try:
        loaded = json.loads(payload)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _turn(request: Request, signed: Who, data: dict[str, str]) -> Response:
    services = request.app.state.services
    _ = lambda message: services.i18n.gettext(signed.language, message)  # noqa: E731
    with services.sessions() as session:  # read-only: the directory for routing; never committed
        files = dict(_draft(session, request, signed).files)
        session.rollback()
        try:
            engine = _engine(request, files)
        except FlowsInvalid as error:
            return request.app.state.render(request, "flow_try.html", lang=signed.language, signed=signed,
                                            invalid=len(error.problems), lines=[], buttons=[], state="", sig="",
                                            trial_lang="fi")
        kept = (_load(signed, data) if data else None) or {}
        lang = str(data.get("lang") if data.get("lang") in ("fi", "sv") else kept.get("lang", "fi"))
        restart = not kept or data.get("action") == "restart" or kept.get("lang") != lang
        memory: dict[str, Any] = {} if restart else dict(kept.get("memory") or {})
        lines: list[dict[str, str]] = [] if restart else list(kept.get("lines") or [])
        actions = TrialActions(session, memory=memory, i18n=services.i18n, now=services.clock())
        if restart:
            state = engine.new_state(lang)
            outcome = engine.start(state, actions)
        else:
            try:
                state = State(**kept["state"])
            except (KeyError, TypeError):
                state = engine.new_state(lang)
            text, payload = (data.get("text") or "").strip()[:4000] or None, data.get("payload") or None
            lines.append({"who": "citizen", "text": text or data.get("label", payload or "")})
            prediction = _classifier(request).predict(text) if text else Prediction.nothing()
            hit = crisis.check(text, prediction, context=crisis.GuardContext(expects=engine.expects(state))) \
                if text else None
            if hit is not None:
                lines.append({"who": "crisis", "text": crisis_help.crisis_reply(hit, lang, staff_notified=False)})
            outcome = engine.turn(state, Turn(text=text, payload=payload, lang=lang), prediction, actions)
        session.rollback()
    lines += [{"who": "bot", "text": reply.text} for reply in outcome.replies]
    buttons = [{"label": b.label, "payload": b.payload} for reply in outcome.replies for b in reply.buttons]
    if "handoff_created" in outcome.events:
        lines.append({"who": "note", "text": _("Simulated: no case was made and nobody was notified.")})
    s = outcome.state
    keep = json.dumps({"lang": lang, "memory": memory, "lines": lines[-MAX_TURNS:],
                       "state": {"flow": s.flow, "step": s.step, "lang": s.lang, "slots": s.slots,
                                 "menu_id": s.menu_id, "mode": s.mode}}, ensure_ascii=False, default=str)
    return request.app.state.render(request, "flow_try.html", lang=signed.language, signed=signed, invalid=0,
                                    lines=lines[-MAX_TURNS:], buttons=buttons, state=keep,
                                    sig=_sign(signed, keep), trial_lang=lang,
                                    speakers={k: _(v) for k, v in SPEAKERS.items()})


async def page(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    data = await form(request, signed) if request.method == "POST" else {}
    return await run_in_threadpool(_turn, request, signed, data)


routes: list[BaseRoute] = [Route("/flows/try", page, methods=["GET", "POST"])]
