"""A reply with a document, as Telegram gets it: the words as the caption when they fit, else before the file."""
from __future__ import annotations

import pickle

from bot.channels.telegram import MAX_CAPTION, render_with_document
from bot.dialogue.models import Button, Document, Reply

FILE = Document(filename="lahitori-omat-tiedot-2026-12-03.json", media_type="application/json", data=b'{"a": 1}')


def test_short_words_go_as_the_caption_with_the_keyboard():
    reply = Reply(text="Tässä <tiedostosi> & muuta", buttons=(Button("Jatka", "m3:continue"),), document=FILE)
    [(caption, markup, document)] = render_with_document(reply)
    assert caption == "Tässä &lt;tiedostosi&gt; &amp; muuta" and document is FILE
    assert markup.inline_keyboard[0][0].callback_data == "m3:continue"


def test_words_longer_than_a_caption_go_first_and_the_file_last():
    words = "sana " * (MAX_CAPTION // 4)
    pieces = render_with_document(Reply(text=words, buttons=(Button("Jatka", "m3:continue"),), document=FILE))
    assert [document for _text, _markup, document in pieces] == [None, FILE]
    assert pieces[0][0] == words.strip() and pieces[0][1] is None
    assert pieces[1][0] == "" and pieces[1][1].inline_keyboard[0][0].callback_data == "m3:continue"


def test_a_reply_without_a_document_is_sent_as_before():
    assert render_with_document(Reply(text="Hei")) == [("Hei", None, None)]


def test_a_document_crosses_to_a_turn_worker_and_back_whole_but_never_shows_in_a_repr():
    reply = Reply(text="Tässä", document=FILE)
    assert pickle.loads(pickle.dumps(reply)) == reply  # bot/turn_workers.py pickles the TurnResult
    assert "a\": 1" not in repr(reply) and "lahitori-omat-tiedot" in repr(reply)
