"""The aiohttp network layer under python-telegram-bot's own Bot, against a small local HTTP server."""
from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram import retry_seconds
from tests.channels.conftest import TOKEN_TAIL, free_port

TOKEN = f"123456:{TOKEN_TAIL}"
ME = {"id": 123456, "is_bot": True, "first_name": "Lähitori", "username": "lahitori_bot"}


@pytest.fixture
async def api():
    """A Bot API stand-in: records each call's form fields (and uploaded files), answers from `script`."""
    calls: list[tuple[str, dict]] = []
    script: dict[str, object] = {}

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        fields = {k: (v.file.read().decode() if hasattr(v, "file") else v) for k, v in form.items()}
        calls.append((method, fields))
        answer = script.get(method)
        if answer == "slow":
            await asyncio.sleep(2)
        if isinstance(answer, tuple):
            return web.json_response(answer[1], status=answer[0])
        result = ME if method == "getMe" else {
            "message_id": len(calls), "date": int(time.time()), "chat": {"id": int(fields.get("chat_id", 1)),
                                                                          "type": "private"},
            "text": fields.get("text", "")}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/bot", calls, script
    await runner.cleanup()


async def test_messages_and_files_reach_the_api_with_their_fields(api):
    url, calls, _ = api
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest(), get_updates_request=AiohttpRequest()) as bot:
        message = await bot.send_message(42, "Hei <b>Maija</b>", parse_mode="HTML")
        await bot.send_document(42, document=b"tiedosto", filename="ohje.txt", caption="Ohje")
    assert message.text == "Hei <b>Maija</b>" and message.chat.id == 42
    send, document = calls[-2:]
    assert send == ("sendMessage", {"chat_id": "42", "text": "Hei <b>Maija</b>", "parse_mode": "HTML"})
    assert document[0] == "sendDocument" and document[1]["document"] == "tiedosto" and document[1]["caption"] == "Ohje"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's RetryAfter reads its int form
async def test_flood_control_keeps_telegrams_wait(api):
    url, _, script = api
    script["sendMessage"] = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                   "parameters": {"retry_after": 7}})
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest(), get_updates_request=AiohttpRequest()) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "hei")
    assert retry_seconds(caught.value) == 7.0


async def test_a_slow_api_is_a_timeout_and_a_closed_port_a_network_error(api):
    url, _, script = api
    script["sendMessage"] = "slow"
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest(read_timeout=0.3),
                   get_updates_request=AiohttpRequest()) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hei")
    request = AiohttpRequest(connect_timeout=0.5)
    await request.initialize()
    with pytest.raises(NetworkError):
        await request.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe")
    await request.shutdown()


async def test_it_must_be_initialized_before_use():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")
