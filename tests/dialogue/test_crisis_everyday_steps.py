"""A property of the whole turn: no option label or value of any flow, and none of the everyday short answers of
nlu/guard/everyday_short.yml, brings the crisis answer at any step of any flow (real runner, classifier, database)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from bot.db.models import AuditEvent, Citizen, Conversation
from nlu.guard_eval import load_set
from tests.auxil.chat import Chat

SHORT = [text for text, _lang, _help in load_set("everyday_short")]


def waiting_steps(services) -> list[tuple[str, str]]:
    """Every step of every flow where a citizen's answer is awaited."""
    flows = services.flows.current()
    return [(flow_id, step_id) for flow_id, flow in flows.flows.items() for step_id, step in flow.steps.items()
            if step.kind in ("choice", "ask", "topic", "summary", "consent", "feedback")]


def option_texts(services) -> list[str]:
    flows = services.flows.current()
    found: set[str] = set()
    for flow in flows.flows.values():
        for step in flow.steps.values():
            for option in getattr(step, "options", None) or []:
                found.update((option.label.fi, option.label.sv))
                if option.value:
                    found.add(option.value)
    return sorted(found)


@pytest.fixture
def sqlite_services(sqlite_url, embedded_classifier):
    from bot.db.session import make_sessionmaker
    from bot.demo import seed
    from bot.services import build
    from tests.conftest import make_settings

    built = build(make_settings(sqlite_url), classifier=embedded_classifier)
    with make_sessionmaker(built.db).begin() as session:
        seed(session)
    yield built
    built.close()


def test_the_everyday_set_is_large_enough():
    assert len(SHORT) >= 300


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_everyday_answer_or_option_raises_the_crisis_answer_at_any_step(sqlite_services, data):
    services = sqlite_services
    flow_id, step_id = data.draw(st.sampled_from(waiting_steps(services)), label="step")
    text = data.draw(st.sampled_from(SHORT + option_texts(services)), label="answer")
    lang = data.draw(st.sampled_from(["fi", "sv"]), label="lang")
    chat = Chat(services, user="property")
    chat.start(lang)
    with services.sessions.begin() as session:  # put the conversation at the drawn step
        conversation = session.scalar(select(Conversation).join(Citizen).where(Citizen.external_id == "property"))
        conversation.flow, conversation.step = flow_id, step_id
        if step_id == "consent":
            conversation.flow, conversation.step = "intake", "summary"  # consent needs a recorded need first
    result = chat.say(text)
    assert "crisis" not in result.events, (flow_id, step_id, text)
    with services.sessions() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "crisis_detected")) is None
