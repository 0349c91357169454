"""Turns in worker processes (bot/turn_workers.py): real child processes on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text

from bot.config import PROJECT_ROOT, ConfigError
from bot.conversation import TurnRunner
from bot.db.models import Conversation, Handoff, MessageLog, ProcessedUpdate
from bot.turn_workers import ClassifierInWorkers, ProcessTurns, ThreadTurns, TurnFailed, prepare_model
from nlu.types import Prediction
from tests.auxil.nlu import KeywordClassifier
from tests.conftest import make_settings

UPDATES = itertools.count(1)
# A Finnish citizen to a handoff: text, or a button by (part of) its label on the latest keyboard; "?label" is
# pressed only when the keyboard has it (the flows may already know for whom from the citizen's words).
WALK = [("start", None), ("text", "tarvitsen taksikortin isälle"), ("press", "Kyllä"),
        ("text", "Isä ei pääse enää bussilla kauppaan."), ("press", "?Läheistäni"), ("press", "Porvoo"),
        ("press", "?Läheistäni"), ("press", "Lähiviikkoina"), ("press", "Kirjoittamalla"), ("press", "Ohita"),
        ("press", "Kyllä, oikein"), ("press", "Kyllä, saa välittää")]
HANG = "odota hetki"  # SlowClassifier sleeps on this text, so a test can kill the worker mid-turn


class SlowClassifier(KeywordClassifier):
    """The keyword classifier, but one text takes a minute: built in the worker from this importable class."""

    def predict(self, text: str) -> Prediction:
        if text == HANG:
            time.sleep(60)
        return super().predict(text)


async def walk(turns, user: str) -> list[str]:  # noqa: ANN001
    """Run WALK for `user` through `turns`; the text of every reply, in order."""
    texts, buttons = [], ()
    for kind, value in WALK:
        request = dict(channel="test", external_id=user, update_id=next(UPDATES), lang_hint="fi")
        if kind == "start":
            request["start"] = True
        elif kind == "text":
            request["text"] = value
        else:
            matches = [button for button in buttons if value.lstrip("?").lower() in button.label.lower()]
            if not matches and value.startswith("?"):
                continue
            assert matches, f"{user}: no button like {value!r} in {[button.label for button in buttons]}"
            request["payload"] = matches[0].payload
        result = await turns.handle(**request)
        texts += [reply.text for reply in result.replies]
        buttons = next((reply.buttons for reply in reversed(result.replies) if reply.buttons), buttons)
    return texts


@pytest.fixture
async def workers(services):  # noqa: ANN001 - the demo database of `services`; two workers on it
    turns = ProcessTurns(services.settings, 2, classifier=SlowClassifier)
    await turns.start()
    yield turns
    await turns.stop()


async def test_workers_answer_as_the_runner_does_and_share_the_load(services, workers):
    in_process = ThreadTurns(TurnRunner(services))  # the same database, classifier and flows, in this process
    services.classifier = SlowClassifier()
    expected = await walk(in_process, "citizen-0")
    handed = "\n".join(expected[-3:])
    assert "Asiasi on nyt välitetty" in handed and "Sari" in handed

    answers = await asyncio.gather(*(walk(workers, f"citizen-{n}") for n in range(1, 7)))
    anyone = lambda texts: [re.sub(r"\b(Sari|Anna)( (Laine|Lindholm))?\b", "<coordinator>", text) for text in texts]  # noqa: E731
    for texts in answers:  # routing shares the cases between the Porvoo pair; all else is word for word the same
        assert anyone(texts) == anyone(expected)
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 7
    assert all(worker.served > 0 for worker in workers.workers), [worker.served for worker in workers.workers]


async def test_an_update_delivered_twice_at_once_is_handled_once(services, workers):
    request = dict(channel="test", external_id="twice", update_id=next(UPDATES), lang_hint="fi", start=True)
    first, second = await asyncio.gather(workers.handle(**request), workers.handle(**request))
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    assert [worker.served for worker in workers.workers] == [1, 1], "the two copies ran in different processes"
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_worker_that_dies_fails_its_turn_and_is_replaced(services, workers):
    hanging = asyncio.ensure_future(workers.handle(channel="test", external_id="hangs", text=HANG,
                                                   update_id=next(UPDATES), lang_hint="fi"))
    await asyncio.sleep(0.5)
    victim = next(worker for worker in workers.workers if worker.pending)
    os.kill(victim.process.pid, signal.SIGKILL)
    with pytest.raises(TurnFailed, match="exited"):
        await asyncio.wait_for(hanging, 10)

    # The other worker answers meanwhile, and a new process takes the dead one's place.
    assert "Asiasi on nyt välitetty" in "\n".join(await walk(workers, "after"))
    deadline = time.monotonic() + 60
    while victim in workers.workers or not all(w.process.is_alive() for w in workers.workers):
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        await asyncio.sleep(0.1)
    assert len(workers.workers) == 2


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_crash_mid_transaction_leaves_nothing_half_written(services, workers):
    """The worker is killed while its turn waits on a row lock, after it has written the update id and the
    transcript: the database drops the whole transaction, and the citizen's next message is handled."""
    await walk(workers, "crash")  # to the handoff: the conversation now sits at the end of the intake
    with services.sessions() as session:
        before = session.execute(select(Conversation.step, Conversation.version)).one()
        logged = session.scalar(select(func.count()).select_from(MessageLog))
    update_id = next(UPDATES)
    with services.sessions() as locker:
        locker.execute(select(Conversation).with_for_update())  # the turn's UPDATE of the conversation waits here
        turn = asyncio.ensure_future(workers.handle(channel="test", external_id="crash", payload="m999:0",
                                                    update_id=update_id, lang_hint="fi"))
        deadline = time.monotonic() + 20
        while not locker.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")):
            assert time.monotonic() < deadline, "the turn never reached its UPDATE"
            await asyncio.sleep(0.05)
        victim = next(worker for worker in workers.workers if worker.pending)
        os.kill(victim.process.pid, signal.SIGKILL)
        with pytest.raises(TurnFailed):
            await asyncio.wait_for(turn, 10)
        locker.rollback()
    with services.sessions() as session:
        assert session.get(ProcessedUpdate, ("test", update_id)) is None
        assert session.scalar(select(func.count()).select_from(MessageLog)) == logged
        assert session.execute(select(Conversation.step, Conversation.version)).one() == before
    again = await workers.handle(channel="test", external_id="crash", text="/mycase", update_id=update_id,
                                 lang_hint="fi")
    assert not again.duplicate and again.replies, "the same update, redelivered, is handled in full"


async def test_a_worker_that_cannot_start_names_the_setting(tmp_path):
    turns = ProcessTurns(make_settings(f"sqlite:///{tmp_path / 'empty.db'}"), 1, classifier=KeywordClassifier)
    with pytest.raises(ConfigError, match="run `lahitori db upgrade`"):
        await turns.start()
    assert turns.workers == []


def test_turn_workers_setting_is_checked():
    assert make_settings("sqlite://").turn_workers == 1
    assert make_settings("postgresql://u:p@db/lahitori").turn_workers == 2
    assert make_settings("postgresql://u:p@db/lahitori", TURN_WORKERS="0").turn_workers == 0
    with pytest.raises(ConfigError, match="TURN_WORKERS"):
        make_settings("sqlite://", TURN_WORKERS=-1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_worker_that_cannot_restart_is_tried_again(services, tmp_path, caplog):
    """While no worker runs, a turn fails at once (the citizen is asked to write again) instead of waiting; the
    replacement is retried until what stopped it is mended."""
    flows = tmp_path / "flows"
    shutil.copytree(services.settings.flows_dir, flows)
    turns = ProcessTurns(make_settings(services.settings.database_url, FLOWS_DIR=str(flows)), 1,
                         classifier=SlowClassifier)
    await turns.start()
    try:
        flows.rename(tmp_path / "flows-away")  # a new worker cannot load its flows now
        os.kill(turns.workers[0].process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while "could not be restarted" not in caplog.text:
            assert time.monotonic() < deadline, "no restart was tried"
            await asyncio.sleep(0.1)
        with pytest.raises(TurnFailed, match="no turn worker is running"):
            await turns.handle(channel="test", external_id="waiting", start=True, update_id=next(UPDATES))

        (tmp_path / "flows-away").rename(flows)
        while not (turns.workers and turns.workers[0].alive and turns.workers[0].process.is_alive()):
            assert time.monotonic() < deadline, "the worker was not restarted once the flows were back"
            await asyncio.sleep(0.1)
        assert "Asiasi on nyt välitetty" in "\n".join(await walk(turns, "waiting"))
    finally:
        await turns.stop()


def test_the_bot_process_trains_a_missing_model_once_for_its_workers(tmp_path):
    model = tmp_path / "embedded.joblib"
    settings = make_settings("sqlite://", NLU_MODEL_PATH=str(model))
    prepare_model(settings)
    assert model.is_file()
    trained_at = model.stat().st_mtime_ns
    prepare_model(settings)  # up to date: the workers will load it as it is
    assert model.stat().st_mtime_ns == trained_at
    with pytest.raises(RuntimeError, match="worker processes"):
        ClassifierInWorkers().predict("hei")


LEAVES_WITHOUT_STOP = """
import asyncio, sys
sys.path.insert(0, {root!r})
from bot.turn_workers import ProcessTurns
from tests.auxil.nlu import KeywordClassifier
from tests.conftest import make_settings

async def main():
    turns = ProcessTurns(make_settings({url!r}), 2, classifier=KeywordClassifier)
    await turns.start()
    await turns.handle(channel="test", external_id="1", start=True, update_id=1)
    print(*(worker.process.pid for worker in turns.workers))

if __name__ == "__main__":
    asyncio.run(main())  # and out, without stop(): a crash or a careless caller
"""


def test_a_bot_that_exits_without_stopping_takes_its_workers_along(tmp_path, sqlite_url):
    """The workers ignore SIGTERM (see serve), so multiprocessing's exit hook alone would wait for them forever."""
    script = tmp_path / "leaves.py"
    script.write_text(LEAVES_WITHOUT_STOP.format(root=str(PROJECT_ROOT), url=sqlite_url))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    for pid in map(int, result.stdout.split()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
