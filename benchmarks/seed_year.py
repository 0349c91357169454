"""Fill a database with a year of one county's data, for the console benchmarks (console_bench.py).

    python benchmarks/seed_year.py --db URL [--conversations 60000] [--cases 15000] [--lines 600000]
                                   [--seed 1] [--scale 1.0] [--now ISO] [--password PW]

The database is migrated first (as `lahitori db upgrade`) and gets the demo units and coordinators (bot/demo.py),
a console account for each demo coordinator (username: the first name in lower case, e.g. `sari`) and one admin
(`admin`), all with --password. Then, spread over the 365 days before now: one conversation a citizen, needs for
about a third of them, consents (given, or declined), cases in every state (most closed, about 2 % open: new, claimed
and contacted, the newest ones), transcripts, the audit trail of each case (created, claimed, contacted, closed,
viewed), private case notes, feedback and the day's statistics (stat_count). Everything goes through the ORM's bulk
insert, so the encrypted columns are encrypted as the app writes them, under the app's data key (DATA_KEY or
DATA_KEY_FILE, else dev's generated key file, as `lahitori web` reads it). The same --seed, sizes and --now (default:
the current time) give the same data. It adds to what is there; the ids continue after the largest.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from bot import crypto  # noqa: E402
from bot.db.models import (  # noqa: E402
    AuditEvent,
    CaseNote,
    Citizen,
    Consent,
    Conversation,
    Coordinator,
    Feedback,
    Handoff,
    MessageLog,
    Need,
    StaffAccount,
    StatCount,
    Unit,
)
from bot.demo import ELDERLY, GENERAL, SOCIAL, seed  # noqa: E402
from bot.handoff.consent import PURPOSE, text_hash  # noqa: E402
from bot.handoff.stats import local_day  # noqa: E402
from bot.web import accounts  # noqa: E402

TOPICS = ELDERLY + SOCIAL + GENERAL
MUNICIPALITIES = {"porvoo": 34, "askola": 4, "myrskyla": 2, "pornainen": 4, "pukkila": 2, "loviisa": 18,
                  "lapinjarvi": 3, "sipoo": 33}
WORDS = {"fi": ("äiti isä kotihoito ei pääse enää bussilla kauppaan tarvitsisi apua kotiin kuljetuspalvelu "
                "omaishoitaja jaksaminen yksinäisyys lääkäri hakemus kela asunto muisti kaatui eilen naapuri "
                "soittaa huomenna rollaattori sauna portaat lääkkeet illalla yksin mieheni väsynyt").split(),
         "sv": ("mamma pappa hemvård kommer inte längre med bussen till butiken behöver hjälp hemma färdtjänst "
                "närståendevårdare orkar ensam läkare ansökan fpa bostad minnet föll igår granne ringer imorgon "
                "rollator trapporna mediciner på kvällen trött").split()}
BOT = {"fi": ["Kiitos, kirjasin tämän.", "Missä kunnassa asut?", "Kuinka pian tarvitset apua?",
              "Voinko välittää tämän palveluohjaajalle?", "Palveluohjaaja ottaa sinuun yhteyttä."],
       "sv": ["Tack, jag skrev upp det.", "I vilken kommun bor du?", "Hur snart behöver du hjälp?",
              "Får jag skicka det här till en servicehandledare?", "En servicehandledare kontaktar dig."]}
CONSENT = {"fi": "Annan luvan välittää tarpeeni: {who}.", "sv": "Jag ger lov att skicka mitt behov till: {who}."}
OUTCOMES = ("guidance", "referred", "phone", "other")
YEAR = 365 * 86400
BATCH = 2000  # citizens a transaction
TABLES = (Citizen, Conversation, Need, Consent, Handoff, MessageLog, AuditEvent, Feedback, CaseNote)


@dataclass(frozen=True)
class Sizes:
    conversations: int = 60_000
    cases: int = 15_000
    lines: int = 600_000

    def scaled(self, scale: float) -> Sizes:
        return Sizes(*(max(1, round(n * scale)) for n in (self.conversations, self.cases, self.lines)))


@dataclass
class Report:
    rows: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    accounts_seconds: float = 0.0  # argon2 hashing of the accounts' passwords, a fixed cost


@dataclass
class People:
    """The demo units and coordinators, by municipality and unit."""

    unit_of: dict[str, Unit]  # municipality -> unit
    staff: dict[int, list[Coordinator]]  # unit id -> active coordinators

    def named(self, rng: random.Random, unit: Unit, topic: str, lang: str) -> Coordinator | None:
        people = self.staff[unit.id]
        fits = [c for c in people if (not c.topics or topic in c.topics) and lang in c.languages] or people
        return rng.choice(fits) if fits else None


def say(rng: random.Random, lang: str, low: int = 6, high: int = 30) -> str:
    return " ".join(rng.choices(WORDS[lang], k=rng.randint(low, high))).capitalize() + "."


def moment(rng: random.Random, now: datetime) -> datetime:
    """A time in the year before now, mostly on weekdays."""
    while True:
        at = now - timedelta(seconds=rng.uniform(600, YEAR))
        if at.weekday() < 5 or rng.random() < 0.3:
            return at


def next_ids(session: Session) -> dict[str, int]:
    return {m.__tablename__: (session.scalar(select(func.max(m.id))) or 0) + 1 for m in TABLES}


def lines_per_citizen(weights: list[int], total: int) -> list[int]:
    """`total` transcript lines shared by weight, exactly (cumulative rounding)."""
    whole, done, shares, so_far = sum(weights), 0, [], 0
    for weight in weights:
        so_far += weight
        target = round(total * so_far / whole)
        shares.append(target - done)
        done = target
    return shares


class Year:
    """Builds the rows of one batch of citizens at a time; ids are given here, in insert order."""

    def __init__(self, rng: random.Random, now: datetime, people: People, ids: dict[str, int], tz: str) -> None:
        self.rng, self.now, self.people, self.ids, self.tz = rng, now, people, ids, tz
        self.rows: dict[str, list[dict[str, Any]]] = {m.__tablename__: [] for m in TABLES}
        self.stats: Counter[tuple] = Counter()
        self.statuses: Counter[str] = Counter()

    def add(self, table: str, **row: Any) -> int:
        row["id"] = self.ids[table]
        self.ids[table] += 1
        self.rows[table].append(row)
        return row["id"]

    def audit(self, actor: str, action: str, at: datetime, citizen: int | None, case: int | None = None,
              **details: Any) -> None:
        self.add("audit_event", actor=actor, action=action, at=at, citizen_id=citizen, handoff_id=case,
                 details=details)

    def count(self, metric: str, at: datetime, topic: str = "", lang: str = "", place: str = "",
              unit: str = "") -> None:
        self.stats[(local_day(at, self.tz), metric, topic, lang, place, "telegram" if metric != "crisis_help" else "",
                    unit)] += 1

    def citizen(self, kind: str, lines: int, at: datetime, status: str | None) -> None:
        """One citizen and their conversation; kind is chat | need (no case) | case (with `status`)."""
        rng = self.rng
        lang = "sv" if rng.random() < 0.2 else "fi"
        start = at - timedelta(minutes=rng.uniform(3, 30))
        citizen = self.add("citizen", channel="telegram", external_id=f"year-{self.ids['citizen']}", language=lang,
                           created_at=start, last_seen_at=at)
        topic = rng.choice(TOPICS)
        conversation = dict(citizen_id=citizen, flow="intake" if kind != "chat" else topic, step="done",
                            slots={"topic": topic}, menu_id=1, mode="bot", handoff_id=None, version=1,
                            created_at=start, updated_at=at)
        case = None
        if kind != "chat":
            case = self.need(citizen, lang, topic, at, status, conversation)
        elif rng.random() < 0.005:
            self.count("crisis_help", at, lang=lang)
        self.add("conversation", **conversation)
        self.transcript(citizen, lang, lines, start, at, case)
        if kind == "chat" and rng.random() < 0.03:
            self.feedback(citizen, None, topic, at + timedelta(minutes=1), lang)

    def need(self, citizen: int, lang: str, topic: str, at: datetime, status: str | None,
             conversation: dict[str, Any]) -> tuple[int, str, datetime] | None:
        rng, people = self.rng, self.people
        place = rng.choices(list(MUNICIPALITIES), weights=list(MUNICIPALITIES.values()))[0]
        unit = people.unit_of[place]
        contact = rng.choices(("chat", "phone", "visit"), weights=(45, 45, 10))[0]
        urgency = rng.choices(("urgent", "soon", "no_hurry"), weights=(15, 55, 30))[0]
        need = self.add("need", citizen_id=citizen, topic=topic, topic_confidence=round(rng.uniform(0.5, 1), 2),
                        description=say(rng, lang, 10, 60), for_whom=rng.choice(("self", "close_one")),
                        municipality=place, urgency=urgency, contact_preference=contact,
                        phone=f"+35840{rng.randrange(10**7):07d}" if contact == "phone" else None,
                        contact_time=None, language=lang, status="confirmed", created_at=at - timedelta(minutes=2))
        self.audit(f"citizen:{citizen}", "need_recorded", at - timedelta(minutes=2), citizen, need_id=need, topic=topic)
        self.count("need", at, topic, lang, place, unit.code)
        named = people.named(rng, unit, topic, lang) if rng.random() < 0.85 else None
        pair = named.pair_id if named else None
        who = f"{named.full_name}, {unit.name(lang)}" if named else unit.name(lang)
        wording = CONSENT[lang].format(who=who)
        decision = "given" if status else "declined"
        consent = self.add("consent", citizen_id=citizen, need_id=need, decision=decision, purpose=PURPOSE,
                           text=wording, text_hash=text_hash(wording), language=lang, unit_id=unit.id,
                           coordinator_id=named.id if named else None, pair_id=pair, decided_at=at,
                           withdrawn_at=at + timedelta(days=1) if status == "cancelled" else None)
        self.audit(f"citizen:{citizen}", f"consent_{decision}", at, citizen, consent_id=consent, need_id=need,
                   text_hash=text_hash(wording), coordinator_id=named.id if named else None, unit_id=unit.id)
        if status is None:
            return None
        self.rows["need"][-1]["status"] = "withdrawn" if status == "cancelled" else "handed_off"
        case = self.case(citizen, need, consent, unit, named, topic, lang, place, urgency, at, status)
        if status in ("claimed", "contacted") and contact == "chat":
            conversation.update(mode="relay", handoff_id=case)
        return case, status, at

    def case(self, citizen: int, need: int, consent: int, unit: Unit, named: Coordinator | None, topic: str,
             lang: str, place: str, urgency: str, at: datetime, status: str) -> int:
        rng, now = self.rng, self.now
        self.statuses[status] += 1
        span = (now - at).total_seconds() * 0.9
        steps = [rng.uniform(1800, 2 * 86400), rng.uniform(3600, 3 * 86400), rng.uniform(1800, 10 * 86400)]
        if sum(steps) > span:
            steps = [s * span / sum(steps) for s in steps]
        claimed_at = at + timedelta(seconds=steps[0])
        contacted_at = claimed_at + timedelta(seconds=steps[1])
        closed_at = contacted_at + timedelta(seconds=steps[2])
        reached = rng.random() < 0.9
        unit_people = self.people.staff[unit.id]
        claimer = (named if named and rng.random() < 0.8 else
                   next((c for c in unit_people if named and c.id == named.pair_id), None) or rng.choice(unit_people))
        expected = at + timedelta(days={"urgent": 1, "soon": 5, "no_hurry": 10}[urgency])
        handled = status not in ("new", "cancelled")
        row: dict[str, Any] = dict(
            need_id=need, consent_id=consent, citizen_id=citizen, unit_id=unit.id,
            coordinator_id=claimer.id if handled else (named.id if named else None), status=status,
            expected_contact_at=expected, created_at=at, claimed_at=claimed_at if handled else None,
            contacted_at=contacted_at if status == "contacted" or (status == "closed" and reached) else None,
            closed_at=closed_at if status == "closed" else None,
            cancelled_at=at + timedelta(days=1) if status == "cancelled" else None,
            escalation_level=1 if status == "new" and expected < now else 0, outcome=None, outcome_note=None,
            erased_at=None)
        if status == "closed":
            row["outcome"] = rng.choice(OUTCOMES) if reached else "unreachable"
            if row["outcome"] == "referred":
                row["outcome_note"] = rng.choice(("Kotihoidon arviointikäynti", "Omaishoidon tuen hakemus",
                                                  "Färdtjänst, ansökan"))
        case = self.add("handoff", **row)
        actor = f"coordinator:{claimer.id}"
        self.audit(f"citizen:{citizen}", "handoff_created", at, citizen, case,
                   coordinator_id=named.id if named else None, unit_id=unit.id, consent_id=consent, topic=topic)
        self.count("handoff", at, topic, lang, place, unit.code)
        if status == "cancelled":
            self.audit(f"citizen:{citizen}", "handoff_cancelled", row["cancelled_at"], citizen, case,
                       reason="consent_withdrawn")
        if not handled:
            return case
        self.audit(actor, "handoff_claimed", claimed_at, citizen, case, coordinator_id=claimer.id,
                   previous_coordinator_id=named.id if named else None)
        for view in range(rng.randint(1, 3)):
            self.audit(actor, "case_viewed", claimed_at + timedelta(minutes=view * 7), citizen, case,
                       coordinator_id=claimer.id)
        if row["contacted_at"]:
            self.audit(actor, "handoff_contacted", contacted_at, citizen, case, coordinator_id=claimer.id)
            self.count("contacted", contacted_at, topic, lang, place, unit.code)
        if rng.random() < 0.15:
            self.add("case_note", handoff_id=case, coordinator_id=claimer.id, author=actor,
                     text=say(rng, "fi", 5, 25), created_at=claimed_at + timedelta(minutes=20))
        if status == "closed":
            self.audit(actor, "handoff_closed", closed_at, citizen, case, coordinator_id=claimer.id)
            if rng.random() < 0.35:
                self.feedback(citizen, case, topic, closed_at + timedelta(minutes=5), lang)
        return case

    def feedback(self, citizen: int, case: int | None, topic: str, at: datetime, lang: str) -> None:
        score = self.rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 12, 35, 45))[0]
        comment = say(self.rng, lang, 3, 15) if self.rng.random() < 0.3 else None
        self.add("feedback", citizen_id=citizen, handoff_id=case, topic=topic, score=score, comment=comment,
                 created_at=at)
        self.audit(f"citizen:{citizen}", "feedback_given", at, citizen, case, score=score, comment=comment is not None)
        self.count(f"feedback_{score}", at, topic, lang)

    def transcript(self, citizen: int, lang: str, lines: int, start: datetime, at: datetime,
                   case: tuple[int, str, datetime] | None) -> None:
        """Intake lines up to the consent; a case past `new` gets the rest after it, relayed, with its number."""
        rng = self.rng
        later = lines // 3 if case and case[1] in ("claimed", "contacted", "closed") else 0
        step = (at - start) / max(1, lines - later)
        for n in range(lines - later):
            mine = n % 2 == 0
            self.add("message_log", citizen_id=citizen, handoff_id=None, direction="in" if mine else "out",
                     sender="citizen" if mine else "bot", coordinator_id=None,
                     text=say(rng, lang) if mine else rng.choice(BOT[lang]), created_at=start + step * n)
        if later:
            number, _status, created = case  # type: ignore[misc]
            handoff = self.rows["handoff"][-1]
            begin = handoff["claimed_at"] or created
            gap = max(timedelta(minutes=1), (min(self.now, begin + timedelta(days=3)) - begin) / later)
            for n in range(later):
                staff = n % 2 == 0
                self.add("message_log", citizen_id=citizen, handoff_id=number, direction="out" if staff else "in",
                         sender="coordinator" if staff else "citizen",
                         coordinator_id=handoff["coordinator_id"] if staff else None,
                         text=say(rng, lang, 4, 25), created_at=begin + gap * n)

    def flush(self, session: Session, report: Report) -> None:
        for model in TABLES:
            rows = self.rows[model.__tablename__]
            if rows:
                session.execute(insert(model).execution_options(render_nulls=True), rows)
                report.rows[model.__tablename__] += len(rows)
                rows.clear()


def load_people(session: Session) -> People:
    units = list(session.scalars(select(Unit).order_by(Unit.id)))
    unit_of = {place: unit for unit in reversed(units) for place in unit.municipalities or []}
    missing = set(MUNICIPALITIES) - set(unit_of)
    if missing:
        raise SystemExit(f"no unit serves {', '.join(sorted(missing))}: the demo units are needed (bot/demo.py)")
    staff = {u.id: list(session.scalars(select(Coordinator).where(Coordinator.unit_id == u.id, Coordinator.active)
                                        .order_by(Coordinator.id))) for u in units}
    return People(unit_of=unit_of, staff=staff)


def add_accounts(session: Session, *, password: str, now: datetime) -> list[str]:
    """A console account for each demo coordinator (first name, lower case) and `admin`; existing ones stay."""
    made = []
    wanted = [(c.first_name.lower(), "staff", c.full_name, c.languages[0] if c.languages else "fi")
              for c in session.scalars(select(Coordinator).where(Coordinator.is_demo).order_by(Coordinator.id))]
    for username, role, person, lang in [*wanted, ("admin", "admin", None, "fi")]:
        if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)) is None:
            accounts.add(session, username=username, password=password, role=role, coordinator=person,
                         language=lang, now=now)
            made.append(username)
    return made


def write_stats(session: Session, stats: Counter[tuple]) -> int:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [dict(day=day, metric=metric, topic=topic, language=lang, municipality=place, channel=channel, unit=unit,
                 bucket="", count=n) for (day, metric, topic, lang, place, channel, unit), n in sorted(stats.items())]
    statement = dialect.insert(StatCount)
    statement = statement.on_conflict_do_update(
        index_elements=[StatCount.day, StatCount.metric, StatCount.topic, StatCount.language, StatCount.municipality,
                        StatCount.channel, StatCount.unit, StatCount.bucket],
        set_={"count": StatCount.count + statement.excluded.count})
    for start in range(0, len(rows), 5000):
        session.execute(statement, rows[start:start + 5000])
    return len(rows)


def seed_year(sessions: sessionmaker[Session], sizes: Sizes, *, seed_value: int = 1, now: datetime | None = None,
              password: str = "year of data, bench only", tz: str = "Europe/Helsinki") -> Report:
    """Add a year of data (the caller installed the data key); what was made and how long it took."""
    if not 0 <= sizes.cases <= sizes.conversations:
        raise SystemExit("there are more cases than conversations: every case is one citizen's conversation")
    started, now = time.perf_counter(), now or datetime.now(UTC)
    rng = random.Random(seed_value)
    report = Report()
    with sessions.begin() as session:
        seed(session)
        report.rows["staff_account"] = len(add_accounts(session, password=password, now=now))
    report.accounts_seconds = time.perf_counter() - started
    with sessions() as session:
        people, ids = load_people(session), next_ids(session)
        session.expunge_all()
    citizens = sizes.conversations
    chosen = rng.sample(range(citizens), min(citizens, sizes.cases + sizes.cases // 4))
    cases, needs = set(chosen[:sizes.cases]), set(chosen[sizes.cases:])
    kinds = ["case" if n in cases else "need" if n in needs else "chat" for n in range(citizens)]
    times = [moment(rng, now) for _ in range(citizens)]
    lines = lines_per_citizen([{"case": 4, "need": 2, "chat": 1}[k] for k in kinds], sizes.lines)
    status = case_statuses(rng, sorted((n for n in cases), key=lambda n: times[n], reverse=True))
    year = Year(rng, now, people, ids, tz)
    for first in range(0, citizens, BATCH):
        with sessions.begin() as session:
            for n in range(first, min(citizens, first + BATCH)):
                year.citizen(kinds[n], lines[n], times[n], status.get(n))
            year.flush(session, report)
    with sessions.begin() as session:
        report.rows["stat_count"] = write_stats(session, year.stats)
        if session.get_bind().dialect.name == "postgresql":  # explicit ids: the sequences move past them
            for model in TABLES:
                table = model.__tablename__
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    report.statuses, report.seconds = year.statuses, time.perf_counter() - started
    return report


def case_statuses(rng: random.Random, newest_first: list[int]) -> dict[int, str]:
    """About 2 % open, the newest (of them 40 % new, 35 % claimed, 25 % contacted); 3 % of the rest cancelled."""
    opened = max(1, round(len(newest_first) * 0.02)) if newest_first else 0
    status = {}
    for rank, n in enumerate(newest_first):
        if rank < opened:
            share = rank / opened
            status[n] = "new" if share < 0.4 else "claimed" if share < 0.75 else "contacted"
        else:
            status[n] = "cancelled" if rng.random() < 0.03 else "closed"
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (migrated here first)")
    parser.add_argument("--conversations", type=int, default=60_000)
    parser.add_argument("--cases", type=int, default=15_000)
    parser.add_argument("--lines", type=int, default=600_000, help="transcript lines (message_log)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the three sizes (0.1: a tenth)")
    parser.add_argument("--now", type=datetime.fromisoformat,
                        help="the end of the year, ISO 8601 with its offset (default: the current time)")
    parser.add_argument("--password", default="year of data, bench only",
                        help="the seeded console accounts' password (at least 12 characters)")
    args = parser.parse_args()
    if args.scale <= 0 or min(args.conversations, args.cases, args.lines) < 0:
        parser.error("sizes and --scale must be positive")
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now: give the offset too, e.g. 2026-11-24T10:00+02:00")
    if len(args.password) < accounts.MIN_PASSWORD:
        parser.error(f"--password: at least {accounts.MIN_PASSWORD} characters")
    from sqlalchemy.exc import ArgumentError, OperationalError

    from bot.config import ConfigError, load_settings
    from bot.db.session import make_engine, make_sessionmaker, upgrade

    try:
        settings = load_settings(DATABASE_URL=args.db)
        crypto.install(crypto.cipher_from_settings(settings))
        upgrade(args.db)
    except (ConfigError, ArgumentError, OperationalError) as error:
        print(f"cannot prepare {args.db}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    engine = make_engine(args.db)
    sizes = Sizes(args.conversations, args.cases, args.lines).scaled(args.scale)
    report = seed_year(make_sessionmaker(engine), sizes, seed_value=args.seed, now=args.now, password=args.password,
                       tz=settings.timezone)
    engine.dispose()
    total = sum(n for table, n in report.rows.items() if table != "staff_account")
    print(f"seeded {engine.url.render_as_string(hide_password=True)}: {sizes.conversations} conversations, "
          f"{sizes.cases} cases, {sizes.lines} transcript lines (seed {args.seed}, scale {args.scale})")
    print("rows: " + ", ".join(f"{table} {n:,}" for table, n in report.rows.items()))
    print("cases: " + ", ".join(f"{status} {n:,}" for status, n in sorted(report.statuses.items())))
    bulk = report.seconds - report.accounts_seconds
    print(f"{total:,} rows in {report.seconds:.1f} s ({report.accounts_seconds:.1f} s of it hashing the accounts' "
          f"passwords): {total / bulk:,.0f} rows/s")
    print(f"console accounts: the demo coordinators' first names in lower case and admin, password {args.password!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
