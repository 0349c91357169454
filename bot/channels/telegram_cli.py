"""`lahitori run`: the Telegram bot, by long polling, or by webhook when WEBHOOK_URL is set; with WEB_PORT set (in
the environment or .env), the staff console too, in the same process and event loop."""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.flowspec.startup import choose_flows, publish_reloads

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{35,}")
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret_token


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="run the Telegram bot (long polling; webhook when WEBHOOK_URL is set)")
    run.add_argument("--webhook", action="store_true", help="require webhook mode (WEBHOOK_URL must be set)")
    run.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    run.add_argument("--no-web", action="store_true",
                     help="do not serve the staff console even if WEB_PORT is set (`lahitori web` serves it)")
    run.set_defaults(func=cmd_run)


def wants_console(settings: Settings, args: argparse.Namespace) -> bool:
    """The console runs in the bot's process when WEB_PORT is set explicitly (its default is for `lahitori web`)."""
    return "web_port" in settings.model_fields_set and not getattr(args, "no_web", False)


def with_console(application: Any, console: Any) -> None:
    """Serve `console` (bot.web.server.Console) in the application's loop: started after the bot's post_init (its
    staff jobs are the process's only ones), stopped before its post_stop."""
    bot_init, bot_stop = application.post_init, application.post_stop

    async def post_init(app: Any) -> None:
        await bot_init(app)
        await console.start()

    async def post_stop(app: Any) -> None:
        await console.stop()
        await bot_stop(app)

    application.post_init, application.post_stop = post_init, post_stop


def check_token(settings: Settings) -> str:
    """The token, or ConfigError naming TELEGRAM_TOKEN; the token itself is never printed."""
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if not token:
        raise ConfigError("configuration error: TELEGRAM_TOKEN: not set "
                          "(the token @BotFather gave, like 123456:ABC...)")
    if not TOKEN.fullmatch(token):
        raise ConfigError("configuration error: TELEGRAM_TOKEN: does not look like a bot token "
                          "(digits, a colon and at least 35 letters, digits, _ or -)")
    return token


def webhook_options(settings: Settings, token: str) -> dict[str, Any]:
    """Arguments of Application.run_webhook, checked: one ConfigError line naming the setting."""
    if not settings.webhook_url:
        raise ConfigError("configuration error: WEBHOOK_URL: required with --webhook (the public https:// address)")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise ConfigError("configuration error: WEBHOOK_SECRET: required in webhook mode "
                          "(1-256 letters, digits, _ or -; Telegram sends it with every update)")
    if not SECRET.fullmatch(secret):
        raise ConfigError("configuration error: WEBHOOK_SECRET: use only letters, digits, _ and - (at most 256)")
    if bool(settings.webhook_cert) != bool(settings.webhook_key):
        missing = "WEBHOOK_KEY" if settings.webhook_cert else "WEBHOOK_CERT"
        raise ConfigError(f"configuration error: {missing}: WEBHOOK_CERT and WEBHOOK_KEY go together")
    for name, path in (("WEBHOOK_CERT", settings.webhook_cert), ("WEBHOOK_KEY", settings.webhook_key)):
        if path is not None and not path.is_file():
            raise ConfigError(f"configuration error: {name}: no such file: {path}")
    url_path = hashlib.sha256(f"lahitori:{token}".encode()).hexdigest()[:32]  # stable, does not reveal the token
    return dict(listen=settings.webhook_listen, port=settings.webhook_port, url_path=url_path,
                webhook_url=f"{settings.webhook_url.rstrip('/')}/{url_path}", secret_token=secret,
                cert=str(settings.webhook_cert) if settings.webhook_cert else None,
                key=str(settings.webhook_key) if settings.webhook_key else None)


def not_a_conflict(record: logging.LogRecord) -> bool:
    """Drop python-telegram-bot's traceback of a 409 Conflict: the one line of cmd_run says it."""
    from telegram.error import Conflict

    return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


async def probe(token: str, base_url: str) -> None:
    """Ask the Bot API who we are, with a throwaway Bot: a bad token or URL fails here, before any logging."""
    from telegram import Bot

    async with Bot(token, base_url=base_url):
        pass


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from telegram.error import BadRequest, InvalidToken, NetworkError

    from bot.channels.telegram import ALLOWED_UPDATES, build_application
    from bot.services import build
    from bot.turn_workers import ClassifierInWorkers, ProcessTurns, prepare_model

    settings = load_settings(**({"DATABASE_URL": args.db} if args.db else {}))
    token = check_token(settings)
    settings = choose_flows(settings)  # FLOWS_DIR, else the newest published version, else the built-in fallback
    webhook = webhook_options(settings, token) if args.webhook or settings.webhook_url else None
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the URL, and so the token
    turns = None  # the turns in threads of this process
    if settings.turn_workers:  # or in workers (started in post_init): they load the model, this process holds none
        prepare_model(settings)
        services = build(settings, classifier=ClassifierInWorkers())
        turns = ProcessTurns(settings, settings.turn_workers)
    else:
        services = build(settings)
    publish_reloads(services)  # a good edit of FLOWS_DIR taken while running is published too
    console = None
    try:
        if wants_console(settings, args):  # bound now: a port in use is one line before anything starts
            from bot.web.server import Console, bind

            console = Console(services, bind(settings.web_host, settings.web_port), jobs=False)
        asyncio.run(probe(token, settings.telegram_api_url))
        application = build_application(services, token=token, base_url=settings.telegram_api_url, turns=turns)
        if console is not None:
            with_console(application, console)
        mode = f"webhook on {webhook['listen']}:{webhook['port']}" if webhook else "long polling"
        where = f"turn workers: {settings.turn_workers}" if turns else "turns in this process"
        web = f"; staff console on {console.url}" if console else ""
        print(f"lahitori: Telegram bot running ({mode}, {where}){web}; Ctrl+C stops", file=sys.stderr)
        if webhook:
            application.run_webhook(**webhook, allowed_updates=ALLOWED_UPDATES)
        else:  # PTB passes a polling error to the channel's error handler, which stops on a 409 Conflict
            logging.getLogger("telegram.ext.Updater").addFilter(not_a_conflict)  # its last getUpdates, when stopping
            application.run_polling(poll_interval=settings.telegram_poll_interval, allowed_updates=ALLOWED_UPDATES)
        if application.bot_data["channel"].conflict:
            raise ConfigError("another bot process polls with this TELEGRAM_TOKEN (Telegram answered 409 "
                              "Conflict); only one may poll: stopping (run several behind a webhook instead)")
    except InvalidToken:
        raise ConfigError("configuration error: TELEGRAM_TOKEN: rejected by the Bot API") from None
    except BadRequest as error:  # e.g. setWebhook refusing the address; the message is Telegram's own
        raise ConfigError(f"configuration error: {'WEBHOOK_URL' if webhook else 'TELEGRAM_API_URL'}: "
                          f"the Bot API refused: {error.message}") from None
    except NetworkError as error:
        raise ConfigError(f"configuration error: TELEGRAM_API_URL: the Bot API at {settings.telegram_api_url} "
                          f"did not answer ({type(error).__name__})") from None
    finally:
        if console is not None:
            console.sock.close()  # when it never started; closed already when it ran
        services.close()
    return 0
