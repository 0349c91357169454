"""A thin compatibility front between python-telegram-bot and the telegram-test-api emulator (tests only).

The emulator (npm telegram-test-api 4.2.1) answers enough of the Bot API for a polling bot, with gaps that
python-telegram-bot 22 trips over. This front listens on a free loopback port, forwards every request to the
emulator unchanged, and patches only these gaps:

- getMe: the result lacks `is_bot` (and the `can_*` flags): added.
- sendMessage (and other results carrying a message): `date` is in milliseconds: turned into seconds; the
  request's own parameters echoed into the message (`chat_id`, `parse_mode`, `link_preview_options` as a JSON
  string, ...) are removed, since python-telegram-bot cannot read them as Message fields.
- getUpdates: callback queries lack `chat_instance`: added; message dates in milliseconds: turned into seconds.
- editMessageText / editMessageReplyMarkup / answerCallbackQuery / deleteMessage / setWebhook return null: answered
  `true`.
- setMyCommands, getMyCommands, deleteMyCommands, sendChatAction, setChatMenuButton: missing in the emulator:
  answered here (`setMyCommands` is remembered per language so tests can read what was registered).
- sendDocument: missing in the emulator (and it cannot read a multipart upload): answered here with a Message
  carrying the document, numbered from DOCUMENT_IDS on; the upload is kept in `Front.documents` (chat, file name,
  type, bytes, caption) and its form fields in `Front.calls`. The client API does not show these messages.
- Client routes (/sendMessage, /sendCommand, /sendCallback) without `botToken`, or a command without
  `entities`, crash the emulator (an unhandled promise rejection): refused here with HTTP 400.
- Redelivery: Telegram delivers an update again until the bot confirms it; the emulator hands out each update
  once and ignores `offset`. The front keeps every update it handed to a poller until a getUpdates with a higher
  `offset` confirms it, and hands the unconfirmed ones out again (first, in order) with every getUpdates that does
  not: a bot killed before it confirmed gets them again when it polls anew. These count in `redelivered`, not in
  `delivered`. POST /_front/redeliver {"token", "update_id"} queues an update already delivered to be delivered
  once more (counted in `delivered`).
- Two pollers: Telegram lets one getUpdates caller at a time have a bot's updates; a newer request terminates the
  older one, which gets 409 Conflict. The front tells callers apart by their connection (python-telegram-bot polls
  over a pool of one): a getUpdates from a new connection takes the token over, and the connections it took it from
  are answered 409 Conflict from then on (a bot killed and started again simply takes over).
- Slow answers and held sends (the kill tests): `front.slow(token, seconds)` answers the bot's sendMessage calls
  `seconds` after the emulator has the message (a kill in between leaves a message sent whose answer never came);
  `front.hold(token, chat_id)` keeps the sendMessage calls to that chat unanswered and undelivered until
  `front.release(token, chat_id)`, and then refuses them (502): a bot killed meanwhile never sent them.
- Outage: POST /_front/outage {"token", "down": true|false} (or `front.outage(token, down=...)`) makes the bot's
  sendMessage calls with that token answer HTTP 502 Bad Gateway, without reaching the emulator, until it is
  switched back; other methods (getUpdates, answerCallbackQuery, ...) keep working. The refused calls are kept
  in `Front.refused`, not in `Front.calls`.

- Webhooks: the emulator posts updates to a webhook but without Telegram's `X-Telegram-Bot-Api-Secret-Token`
  header and without the fixes above. The front keeps the bot's setWebhook (`url`, `secret_token`), gives the
  emulator its own `/_front/hook/<token>` address instead, and relays each update, fixed as for getUpdates,
  to the bot with the header. The bot's public https address is reached the way a reverse proxy would:
  `front.reverse_proxy(public_prefix, local_prefix)` names where the bot listens. Redeliveries go the same way.
  The emulator's update ids in webhook posts repeat across chats: the front numbers them 1, 2, 3... per bot, as
  Telegram numbers a bot's updates. As Telegram does, a post the bot does not answer with 2xx (or cannot be reached for: killed, restarting) is
  posted again, every 0.2 s, and the later updates of that bot wait behind it, in order; the caller of the first
  attempt gets its answer (or 200 when it failed and the front retries on its own).

Long polling is not emulated: the emulator answers getUpdates at once, so run the updater with a small
poll_interval (0.05 s). Every Bot API call the bot makes is recorded in `Front.calls` as (method, params), and
the updates handed to the bot are counted per token (`delivered`, `delivered_ids`) so tests can wait for them.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

LOCAL = {"setMyCommands": True, "deleteMyCommands": True, "sendChatAction": True, "setChatMenuButton": True}
TRUE_WHEN_NULL = {"editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "deleteWebhook", "deleteMessage",
                  "setWebhook"}
CLIENT_ROUTES = {"sendMessage", "sendCommand", "sendCallback", "getUpdates", "getUpdatesHistory"}
# Request parameters the emulator echoes into the sent message (still JSON-encoded strings): not Message fields.
ECHOED = ("chat_id", "parse_mode", "link_preview_options", "disable_notification", "protect_content", "reply_parameters")
JSON_PARAMS = {"reply_markup", "commands", "scope", "link_preview_options", "entities", "allowed_updates"}
DOCUMENT_IDS = 900_000  # message ids of the documents the front answers itself: apart from the emulator's


@dataclass(frozen=True)
class SentDocument:
    """A file the bot sent with sendDocument, as uploaded."""

    chat_id: int
    filename: str
    content_type: str
    data: bytes
    caption: str | None
    parse_mode: str | None
    reply_markup: dict | None


def _seconds(value: Any) -> Any:
    return value // 1000 if isinstance(value, int) and value > 10**11 else value


def _fix_message(message: dict | None) -> None:
    if isinstance(message, dict):
        message["date"] = _seconds(message.get("date", 0))
        for key in ECHOED:
            message.pop(key, None)


class Front:
    """Start with `await front.start()`; `front.url` is the base for both the Bot API and the client API."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.url = ""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[str, dict[str | None, list[dict]]] = defaultdict(dict)
        self.delivered: dict[str, int] = defaultdict(int)  # updates handed to the bot, per token
        self.delivered_ids: dict[str, list[int]] = defaultdict(list)
        self._delivered: dict[tuple[str, int], dict] = {}
        self._redeliver: dict[str, list[dict]] = defaultdict(list)
        self._unconfirmed: dict[str, list[dict]] = defaultdict(list)  # handed to a poller, no higher offset yet
        self.redelivered: dict[str, int] = defaultdict(int)  # updates handed out again for want of confirmation
        self._hooks: dict[str, list[tuple[dict, asyncio.Future]]] = defaultdict(list)  # webhook posts in order
        self._posting: dict[str, asyncio.Task] = {}
        self._hook_ids: dict[str, int] = defaultdict(int)  # the update ids the front gives webhook posts, per token
        self._poller: dict[str, Any] = {}  # token -> the connection polling it
        self._ousted: dict[str, set[Any]] = defaultdict(set)  # token -> connections a newer poller took over from
        self.conflicts: dict[str, int] = defaultdict(int)
        self.down: set[str] = set()  # tokens whose sendMessage is refused with 502 (an outage)
        self.delays: dict[str, float] = {}  # token -> seconds a sendMessage's answer waits after its delivery
        self.holding: set[tuple[str, str]] = set()  # (token, chat id) whose sendMessage calls are held
        self.held: list[tuple[str, dict[str, Any]]] = []
        self.documents: list[SentDocument] = []  # sendDocument uploads, in order
        self._document_ids = itertools.count(DOCUMENT_IDS)
        self.refused: list[tuple[str, dict[str, Any]]] = []
        self.webhooks: dict[str, tuple[str, str | None]] = {}  # token -> (the bot's public url, its secret)
        self._proxied: dict[str, str] = {}  # public url prefix -> where the bot listens
        self._client: httpx.AsyncClient | None = None
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> str:
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=10)
        app = tornado.web.Application([(r"/(.*)", _Handler, {"front": self})])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        for task in self._posting.values():
            task.cancel()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if self._client is not None:
            await self._client.aclose()

    def outage(self, token: str, *, down: bool) -> None:
        """Start (down=True) or end an outage of sendMessage for the bot with this token."""
        (self.down.add if down else self.down.discard)(token)

    def slow(self, token: str, seconds: float) -> None:
        """Answer this bot's sendMessage calls `seconds` after the emulator has the message (0: at once)."""
        self.delays[token] = seconds

    def hold(self, token: str, chat_id: int) -> None:
        """Hold the bot's sendMessage calls to this chat: neither delivered nor answered until `release`."""
        self.holding.add((token, str(chat_id)))

    def release(self, token: str, chat_id: int) -> None:
        self.holding.discard((token, str(chat_id)))

    def reverse_proxy(self, public: str, local: str) -> None:
        """Webhook posts to addresses under `public` go to the same path under `local` (the bot's listener)."""
        self._proxied[public.rstrip("/")] = local.rstrip("/")

    def sent(self, method: str, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of the calls of `method` the bot made (to one chat if given), in order."""
        return [p for m, p in self.calls if m == method and (chat_id is None or str(p.get("chat_id")) == str(chat_id))]

    async def handle(self, path: str, body: bytes, content_type: str, peer: Any = None) -> tuple[int, Any]:
        if path == "_front/redeliver":
            request = json.loads(body)
            item = self._delivered[(request["token"], int(request["update_id"]))]
            if request["token"] in self.webhooks:
                return await self._relay(request["token"], json.loads(json.dumps(item)))
            self._redeliver[request["token"]].append(item)
            return 200, {"ok": True, "result": True}
        if path.startswith("_front/hook/"):
            token = path.removeprefix("_front/hook/")
            item = json.loads(body)
            self._hook_ids[token] += 1
            item["update_id"] = self._hook_ids[token]  # the emulator's own are not unique across chats
            return await self._relay(token, item)
        if path == "_front/outage":
            request = json.loads(body)
            self.outage(request["token"], down=bool(request["down"]))
            return 200, {"ok": True, "result": True}
        if path in CLIENT_ROUTES:
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                request = {}
            if path.startswith("send") and (not isinstance(request, dict) or not request.get("botToken") or
                                            (path == "sendCommand" and not request.get("entities"))):
                return 400, {"ok": False, "error_code": 400, "description": "front: botToken (and entities) required"}
            return await self._forward(path, body, content_type)
        token, _, method = path.removeprefix("bot").partition("/")
        if method == "sendDocument":
            return self._document(body, content_type)
        params = self._params(body, content_type)
        if method == "getUpdates" and peer is not None:
            if peer in self._ousted[token]:
                self.conflicts[token] += 1
                return 409, {"ok": False, "error_code": 409, "description": "Conflict: terminated by other getUpdates "
                             "request; make sure that only one bot instance is running"}
            if self._poller.setdefault(token, peer) != peer:
                self._ousted[token].add(self._poller[token])
                self._poller[token] = peer
        if method == "sendMessage" and token in self.down:
            self.refused.append((method, params))
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if method == "sendMessage" and (token, str(params.get("chat_id"))) in self.holding:
            self.held.append((method, params))
            while (token, str(params.get("chat_id"))) in self.holding:
                await asyncio.sleep(0.02)
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway (held, then refused)"}
        self.calls.append((method, params))
        if method in LOCAL:
            if method == "setMyCommands":
                self.commands[token][params.get("language_code")] = params.get("commands", [])
            return 200, {"ok": True, "result": LOCAL[method]}
        if method == "getMyCommands":
            return 200, {"ok": True, "result": self.commands[token].get(params.get("language_code"), [])}
        if method == "setWebhook" and params.get("url"):
            self.webhooks[token] = (params["url"], params.get("secret_token"))
            body, content_type = json.dumps({"url": f"{self.url}/_front/hook/{token}"}).encode(), "application/json"
        elif method == "deleteWebhook":
            self.webhooks.pop(token, None)
        status, data = await self._forward(path, body, content_type)
        if isinstance(data, dict) and data.get("ok"):
            self._patch(token, method, data, params)
        if method == "sendMessage" and self.delays.get(token):
            await asyncio.sleep(self.delays[token])
        return status, data

    def _document(self, body: bytes, content_type: str) -> tuple[int, Any]:
        """sendDocument: keep the upload, answer a Message with the document as Telegram would."""
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, list[tornado.httputil.HTTPFile]] = {}
        tornado.httputil.parse_body_arguments(content_type, body, arguments, files)
        params: dict[str, Any] = {key: values[0].decode() for key, values in arguments.items()}
        for key in JSON_PARAMS & params.keys():
            params[key] = json.loads(params[key])
        uploads = files.get("document") or []
        if "chat_id" not in params or len(uploads) != 1:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: there is no document"}
        self.calls.append(("sendDocument", params))
        upload, chat_id = uploads[0], int(params["chat_id"])
        self.documents.append(SentDocument(chat_id, upload.filename, upload.content_type, upload.body,
                                           params.get("caption"), params.get("parse_mode"), params.get("reply_markup")))
        number = next(self._document_ids)
        message = {"message_id": number, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                   "document": {"file_id": f"front-document-{number}", "file_unique_id": f"front-{number}",
                                "file_name": upload.filename, "mime_type": upload.content_type,
                                "file_size": len(upload.body)}}
        if params.get("caption"):
            message["caption"] = params["caption"]
        return 200, {"ok": True, "result": message}

    def _patch(self, token: str, method: str, data: dict, params: dict[str, Any]) -> None:
        result = data.get("result")
        if method == "getMe":
            result.update(is_bot=True, can_join_groups=False, can_read_all_group_messages=False,
                          supports_inline_queries=False)
        elif method in TRUE_WHEN_NULL and result is None:
            data["result"] = True
        elif method == "getUpdates":
            for item in result:
                self._fix_update(token, item)
            offset = int(params.get("offset") or 0)
            again = [item for item in self._unconfirmed[token] if item["update_id"] >= offset]
            fresh = self._redeliver.pop(token, []) + result
            self._unconfirmed[token] = again + [item for item in fresh if item not in again]
            data["result"] = again + fresh
            self.redelivered[token] += len(again)
            self._count(token, fresh)
        elif isinstance(result, dict) and "message_id" in result:
            _fix_message(result)

    def _fix_update(self, token: str, item: dict) -> None:
        query = item.get("callback_query")
        if query:
            query.setdefault("chat_instance", f"front-{query['from']['id']}")
            _fix_message(query.get("message"))
        _fix_message(item.get("message"))
        self._delivered[(token, item["update_id"])] = json.loads(json.dumps(item))

    def _count(self, token: str, items: list[dict]) -> None:
        self.delivered[token] += len(items)
        self.delivered_ids[token] += [item["update_id"] for item in items]

    async def _relay(self, token: str, item: dict) -> tuple[int, Any]:
        """Post one update to the bot's webhook as Telegram does, after the bot's earlier ones; the bot's HTTP
        status is the answer (200 when the first attempt failed: the front goes on trying)."""
        if (token, item["update_id"]) not in self._delivered:
            self._fix_update(token, item)
        self._count(token, [item])
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        self._hooks[token].append((item, answer))
        if token not in self._posting or self._posting[token].done():
            self._posting[token] = asyncio.get_running_loop().create_task(self._post_all(token))
        return await answer

    async def _post_all(self, token: str) -> None:
        queue = self._hooks[token]
        while queue:
            item, answer = queue[0]
            url, secret = self.webhooks[token]
            public = next(prefix for prefix in self._proxied if url.startswith(prefix + "/"))
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            try:
                response = await self._client.post(self._proxied[public] + url[len(public):], json=item,
                                                   headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            if 200 <= status < 300 or status in (400, 403):  # refused for good: Telegram gives up too
                queue.pop(0)
                if not answer.done():
                    answer.set_result((status, {"ok": 200 <= status < 300}))
                continue
            if not answer.done():
                answer.set_result((200, {"ok": True, "retrying": True}))
            self.redelivered[token] += 1
            await asyncio.sleep(0.2)

    async def _forward(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        try:
            response = await self._client.post(f"/{path}", content=body, headers={"content-type": content_type})
            return response.status_code, response.json()
        except (httpx.HTTPError, ValueError) as error:
            return 502, {"ok": False, "error_code": 502, "description": f"front: emulator failed: {error!r}"}

    @staticmethod
    def _params(body: bytes, content_type: str) -> dict[str, Any]:
        if "json" in content_type:
            return json.loads(body or b"{}")
        params: dict[str, Any] = {}
        for key, value in parse_qsl(body.decode(), keep_blank_values=True):
            params[key] = json.loads(value) if key in JSON_PARAMS else value
        return params


class _Handler(tornado.web.RequestHandler):
    def initialize(self, front: Front) -> None:
        self.front = front

    async def post(self, path: str) -> None:
        status, data = await self.front.handle(path, self.request.body, self.request.headers.get("Content-Type", ""),
                                               peer=self.request.connection.context.address)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    get = post
