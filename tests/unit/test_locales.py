"""The texts in bot/locales/*.toml: both languages say the same things, and the code finds them."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest

from bot.app import MENU_COMMANDS
from bot.domain import meetings as meetings_domain
from bot.domain import members, submissions, workdays
from bot.domain import monitoring as monitoring_domain
from bot.domain import reports as reports_domain
from bot.domain import tasks as tasks_domain
from bot.domain.agencies import AGENCIES, OTHER
from bot.domain.clusters import ClusterStage
from bot.domain.jalali import DateError
from bot.domain.meetings import Answer as MeetingAnswer
from bot.domain.members import (
    Actor,
    Member,
    MemberStatus,
    Role,
    decision_refusal,
    help_topics,
)
from bot.domain.reports import Preset as ReportPreset
from bot.domain.reports import Trend as ReportTrend
from bot.domain.submissions import (
    Criterion,
    CriterionMark,
    ReviewLevel,
    SubmissionKind,
    SubmissionStatus,
    Vote,
)
from bot.domain.submissions import Outcome as SubmissionOutcome
from bot.domain.substitutes import SubstitutionRefusal
from bot.domain.task_table import COLUMNS as TASK_COLUMNS
from bot.domain.task_table import ERROR_REASONS as TABLE_ERROR_REASONS
from bot.domain.tasks import TaskStatus
from bot.domain.working_groups import WORKING_GROUPS
from bot.i18n import LOCALES, Plural, load_catalog, placeholders

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
FA = load_catalog("fa")
EN = load_catalog("en")
CATALOGS = {"fa": FA, "en": EN}

ALLOWED_TAGS = ("b", "i", "u", "code")
_ANY_TAG = re.compile(r"<(/?)([^<>\s/]*)[^<>]*>")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_COMMAND = re.compile(r"/[A-Za-z0-9_]+")

_LITERAL_CALL = re.compile(r"""\bt\(\s*"([^"{}]+)"\s*[,)]""")
_FSTRING_CALL = re.compile(r"""\bt\(\s*f"([^"{]*)\{""")
_VARIABLE_CALL = re.compile(r"""\bt\(\s*([A-Za-z_]\w*)\s*[,)]""")
_INVALID_INPUT = re.compile(r"""InvalidInput\(\s*"([^"]+)"\s*\)""")


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(BOT.rglob("*.py"))}


SOURCES = _sources()


def _literal_keys() -> set[str]:
    keys: set[str] = set()
    for source in SOURCES.values():
        keys.update(_LITERAL_CALL.findall(source))
        # t(key) where `key = "a.b" if ... else "c.d"`: the literals assigned to that name.
        for name in set(_VARIABLE_CALL.findall(source)):
            for assigned in re.findall(rf"^\s*{name}\s*=\s*(.+)$", source, re.MULTILINE):
                keys.update(re.findall(r'"([a-z_]+(?:\.[a-z_]+)+)"', assigned))
    return keys


def _fstring_prefixes() -> set[str]:
    return {prefix for source in SOURCES.values() for prefix in _FSTRING_CALL.findall(source)}


def _an_actor(
    role: Role | None = None,
    status: MemberStatus = MemberStatus.APPROVED,
    superuser: bool = False,
) -> Actor:
    member = None
    if role is not None:
        member = Member(
            id=1,
            user_id=1,
            full_name="x",
            agency_code="tpo",
            agency_other=None,
            working_group="tehran",
            phone=None,
            locale="fa",
            role=role,
            status=status,
            applied_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
    return Actor(user_id=1, display_name="x", member=member, is_superuser=superuser)


def _every_help_topic() -> set[str]:
    topics: set[str] = set()
    for superuser in (False, True):
        topics.update(help_topics(_an_actor(superuser=superuser)))
        for role in Role:
            for status in MemberStatus:
                topics.update(help_topics(_an_actor(role, status, superuser)))
    return topics


def _every_decision_refusal() -> set[str]:
    secretary = _an_actor(Role.SECRETARY)
    outsider = _an_actor(Role.MEMBER)
    refusals = {decision_refusal(secretary, None)}
    for status in MemberStatus:
        applicant = _an_actor(Role.MEMBER, status).member
        refusals.add(decision_refusal(secretary, applicant))
        refusals.add(decision_refusal(outsider, applicant))
    return {r for r in refusals if r is not None}


def _invalid_input_reasons() -> set[str]:
    return set(_INVALID_INPUT.findall(Path(members.__file__).read_text(encoding="utf-8")))


# The keys behind every t(f"prefix.{...}") in the code: each family must be complete.
FAMILIES: dict[str, set[str]] = {
    "errors.": _invalid_input_reasons(),
    "dates.errors.": {e.value for e in DateError},
    # The calendar (handlers/calendar.py, ui/calendar.py).
    "calendar.thursday_": {rule.value for rule in workdays.Thursday},
    "calendar.lift_": {"gone", "not_allowed"},
    "calendar_errors.": set(_INVALID_INPUT.findall(Path(workdays.__file__).read_text("utf-8")))
    | {f"closure_reason_{problem}" for problem in ("is_command", "too_short", "too_long")},
    "working_groups.": set(WORKING_GROUPS),
    "agencies.": {*AGENCIES, OTHER},
    "roles.": {r.value for r in Role},
    "statuses.": {s.value for s in MemberStatus},
    "help.": _every_help_topic(),
    "commands.": set(MENU_COMMANDS),
    "decisions.": _every_decision_refusal(),
    "members.": {"not_allowed", "not_a_member"},
    "languages.": set(LOCALES),
    # The buttons of the profile card (profile.py) and of the application preview and card
    # (registration.py).
    "profile.edit_": {"name", "agency", "phone", "language"},
    "buttons.": {"send", "edit", "cancel", "approve", "reject"},
    # Submissions and their review (handlers/submissions.py, reviews.py, submission_cards.py).
    "submission_kinds.": {k.value for k in SubmissionKind},
    "dialog.no_clusters.": {k.value for k in SubmissionKind},
    "submission_statuses.": {s.value for s in SubmissionStatus},
    "review_levels.": {level.value for level in ReviewLevel},
    "criteria.": {c.value for c in Criterion},
    "criterion_marks.": {m.value for m in CriterionMark},
    "dialog.": {
        "keep",
        "skip",
        "more_items",
        "items_done",
        "files_done",
        "send",
        "edit",
        "cancel",
        "submitted",
        "resubmitted",
    },
    "event_actions.": {o.value for o in SubmissionOutcome}
    | {"submitted", "acknowledged"}
    | {f"vote_{v.value}" for v in Vote},
    "review_buttons.": {"approve", "return", "reject"} | {f"vote_{v.value}" for v in Vote},
    "reviews.ask_": {"return_comment", "reject_comment"},
    "reviews.done_": {"advanced", "approved", "returned", "rejected", "voted", "withdrawn"},
    "package.": {"acknowledged", "not_your_agency", "already_acknowledged", "submission_gone"},
    "submission_errors.": set(_INVALID_INPUT.findall(Path(submissions.__file__).read_text("utf-8")))
    | {
        f"{field}_{problem}"
        for field in ("title", "summary", "note", "action", "comment")
        for problem in ("is_command", "too_short", "too_long")
    }
    | {"file_type", "file_too_big", "too_many_files", "agency_not_listed"},
    # Reminders (scheduler/reminders.py, handlers/reminders.py).
    "reminder_kinds.": {"task_before", "task_due", "task_overdue"},
    "reminders.": {"approval_waiting", "approval_escalation"},
    "reminders.kind_": {"tasks", "approvals", "digest"},
    "reminders.snooze_": {"tomorrow", "week"},
    "reminders.monitoring_": {"monthly", "quarterly"},
    # Tasks (handlers/tasks.py).
    "task_statuses.": {s.value for s in TaskStatus},
    "task_buttons.": {
        "start",
        "progress",
        "done",
        "block",
        "comment",
        "history",
        "files",
        "reassign",
        "due",
        "title",
        "details",
        "cancel",
        "reopen",
    },
    "task_events.": {
        "created",
        "start",
        "progress",
        "done",
        "block",
        "comment",
        "evidence",
        "reassigned",
        "due_changed",
        "edited",
        "imported",
        "cancelled",
        "reopened",
    },
    "tasks.view_": {"open", "overdue", "all"},
    "task_board.status_": set(tasks_domain.BOARD_STATUSES),
    "task_board.pick_": {"status", "agency", "cluster", "member"},
    "task_board.filter_": {"status", "agency", "cluster", "member"},
    "tasks.ask_": {"done", "block", "comment", "due", "title", "details", "cancel"},
    "task_refusals.": {
        # bot/domain/tasks.py
        "members_only",
        "task_cancelled",
        "not_assignee",
        "secretaries_only",
        "not_your_task",
        "already_started",
        "already_done",
        "already_blocked",
        "progress_full",
        "task_already_done",
        "not_cancelled",
        # bot/services/tasks.py and handlers
        "task_gone",
        "task_changed",
        "not_a_member",
        "cluster_gone",
        "template_gone",
        "plan_already_applied",
    },
    "task_errors.": set(_INVALID_INPUT.findall(Path(tasks_domain.__file__).read_text("utf-8")))
    | {
        f"{field}_{problem}"
        for field in (
            "task_title",
            "task_details",
            "task_comment",
            "block_reason",
            "cancel_reason",
        )
        for problem in ("is_command", "too_short", "too_long")
    },
    "submission_refusals.": {
        # bot/domain/submissions.py
        "members_only",
        "cluster_not_eligible",
        "cluster_not_licensed",
        "not_your_cluster",
        "secretaries_only",
        "already_decided",
        "not_your_stage",
        "deciders_only",
        "voters_only",
        "not_the_author",
        "closed",
        "not_in_review",
        "not_returned",
        # bot/services/submissions.py
        "cluster_gone",
        "program_not_approved",
        "plan_already_open",
        "submission_gone",
        "not_voting",
        "already_voted",
        "vote_in_progress",
        "not_yours_to_see",
        "card_out_of_date",
    },
    # The task matrix and the task file (handlers/task_reports.py).
    "task_columns.": set(TASK_COLUMNS),
    "task_table_errors.": set(TABLE_ERROR_REASONS),
    # Monitoring (handlers/monitoring.py).
    "kpi_fields.": set(monitoring_domain.KPI_FIELDS),
    "monitoring.jump_": set(monitoring_domain.JUMP_REASONS),
    "monitoring_errors.": set(
        _INVALID_INPUT.findall(Path(monitoring_domain.__file__).read_text("utf-8"))
    )
    | {"members_only", "not_your_cluster", "cluster_gone", "not_monitored"},
    # Meetings (handlers/meetings.py, scheduler/reminders.py).
    "meeting_answers.": {a.value for a in MeetingAnswer},
    "meetings.": {"meeting_evening", "meeting_hour"}
    | {f"{change}_done" for change in ("cancelled", "moved", "edited", "unchanged")},
    "meetings.button_": {"move", "place", "agenda", "cancel"},
    "meeting_errors.": set(
        _INVALID_INPUT.findall(Path(meetings_domain.__file__).read_text("utf-8"))
    )
    | {
        f"{field}_{problem}"
        for field in ("place", "agenda", "decision")
        for problem in ("is_command", "too_short", "too_long")
    }
    | {
        # bot/domain/meetings.py refusals
        "meeting_cancelled",
        "not_invited",
        "meeting_started",
        "secretaries_only",
        "not_started",
        # handlers/meetings.py
        "meeting_gone",
        "decision_gone",
        "already_a_task",
    },
    # Reports (bot/ui/reports.py, bot/ui/charts.py).
    "cluster_stages.": {s.value for s in ClusterStage},
    "report_presets.": {p.value for p in ReportPreset},
    "reports.trend_": {t.value for t in ReportTrend},
    "reports.more_": {"kpis", "charts", "workbook"},
    "report_errors.": set(
        _INVALID_INPUT.findall(Path(reports_domain.__file__).read_text("utf-8"))
    ),
    # People: invitation links (handlers/registration.py, admin.py).
    "invitations.refused_": {"unknown", "revoked"},
    "invitations.revoke_": {"unknown", "revoked", "secretaries_only", "working_group_unknown"},
    # Substitutes (handlers/substitutes.py): every refusal of the rules has a text.
    "substitute_refusals.": {r.value for r in SubstitutionRefusal},
}


def test_persian_and_english_have_exactly_the_same_texts() -> None:
    assert sorted(set(FA) - set(EN)) == [], "only in bot/locales/fa"
    assert sorted(set(EN) - set(FA)) == [], "only in bot/locales/en"


@pytest.mark.parametrize("key", sorted(FA))
def test_both_languages_fill_in_the_same_blanks(key: str) -> None:
    assert placeholders(FA[key]) == placeholders(EN.get(key, ""))


def test_the_scan_of_the_code_finds_the_texts_it_uses() -> None:
    keys = _literal_keys()
    # If the scan silently broke, every "exists" check below would pass on nothing.
    assert {"errors.internal", "registration.ask_name", "errors.not_understood"} <= keys
    assert len(keys) > 50
    assert {"errors.", "help.", "working_groups.", "dates.errors."} <= _fstring_prefixes()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_the_code_names_exists(locale: str) -> None:
    missing = sorted(k for k in _literal_keys() if k not in CATALOGS[locale])
    assert missing == []


def test_every_family_of_texts_the_code_builds_from_a_code_is_known_to_this_test() -> None:
    assert sorted(_fstring_prefixes() - set(FAMILIES)) == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_every_family_of_texts_is_complete(locale: str, prefix: str) -> None:
    members_of_family = FAMILIES[prefix]
    assert members_of_family, f"nothing found for {prefix}: the scan is broken"
    keys = {f"{prefix}{m}" for m in members_of_family}
    assert sorted(keys - set(CATALOGS[locale])) == []


def test_every_reason_the_domain_gives_for_refusing_input_is_found() -> None:
    # The regex scan must see the reasons people actually meet.
    assert {"phone_invalid", "name_too_short", "working_group_unknown"} <= FAMILIES["errors."]


def test_every_decision_refusal_is_found() -> None:
    assert FAMILIES["decisions."] == {"application_gone", "not_your_group", "already_decided"}


def test_every_help_topic_is_found() -> None:
    assert FAMILIES["help."] == {
        "visitor",
        "pending",
        "member",
        "chair",
        "secretary",
        "superuser",
        # A superuser who is not a member: their commands, and how to join.
        "superuser_basics",
    }


def _calls_with_literal_keys() -> list[tuple[str, str, set[str], bool]]:
    """(where, key, keyword names, has **kwargs) for every t("literal", ...) call."""
    calls = []
    for path, source in SOURCES.items():
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = {k.arg for k in node.keywords if k.arg is not None}
                spread = any(k.arg is None for k in node.keywords)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                calls.append((where, node.args[0].value, names, spread))
    return calls


def test_every_blank_in_a_text_is_filled_where_the_code_uses_it() -> None:
    calls = _calls_with_literal_keys()
    assert len(calls) > 50
    unfilled = [
        (where, key, sorted(placeholders(FA[key]) - names))
        for where, key, names, spread in calls
        if key in FA and not spread and placeholders(FA[key]) - names
    ]
    assert unfilled == []


@pytest.mark.parametrize("locale", LOCALES)
def test_texts_use_only_the_emphasis_tags_telegram_and_bale_both_survive(locale: str) -> None:
    wrong = {}
    for key, template in CATALOGS[locale].items():
        tags = {name for _, name in _ANY_TAG.findall(template)} - set(ALLOWED_TAGS)
        stray = "<" in _ANY_TAG.sub("", template)
        if tags or stray:
            wrong[key] = template
    assert wrong == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_emphasis_tag_is_closed_in_the_right_order(locale: str) -> None:
    unbalanced = {}
    for key, template in CATALOGS[locale].items():
        stack: list[str] = []
        for closing, name in _ANY_TAG.findall(template):
            if not closing:
                stack.append(name)
            elif not stack or stack.pop() != name:
                unbalanced[key] = template
                break
        else:
            if stack:
                unbalanced[key] = template
    assert unbalanced == {}


def test_persian_texts_write_numbers_with_persian_digits() -> None:
    latin = {}
    for key, template in FA.items():
        outside = _COMMAND.sub("", _PLACEHOLDER.sub("", template))
        if re.search(r"[0-9]", outside):
            latin[key] = template
    assert latin == {}


def test_the_digit_check_would_catch_a_latin_phone_example() -> None:
    example = "شماره را بنویسید، مثلاً +989121234567 (/start)"
    assert re.search(r"[0-9]", _COMMAND.sub("", _PLACEHOLDER.sub("", example)))


def _plurals(locale: str) -> dict[str, Plural]:
    return {k: v for k, v in CATALOGS[locale].items() if isinstance(v, Plural)}


def test_english_texts_use_plural_forms_not_a_parenthesised_s() -> None:
    assert sorted(k for k, v in EN.items() if "(s)" in v) == []
    assert {"clusters.firms", "pending.header", "dates.future", "dates.past"} <= set(_plurals("en"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_form_of_a_plural_text_fills_the_same_blanks_and_counts(locale: str) -> None:
    wrong = {
        key: {form: sorted(placeholders(text)) for form, text in plural.forms.items()}
        for key, plural in _plurals(locale).items()
        if "count" not in placeholders(plural)
        or any(placeholders(text) != placeholders(plural) for text in plural.forms.values())
    }
    assert wrong == {}


def test_every_form_of_a_plural_text_passes_the_checks_its_other_form_does() -> None:
    # The checks above read a plural text as its "other" form; its "one" form must be as clean.
    for key, plural in _plurals("en").items():
        for text in plural.forms.values():
            assert _COMMAND.findall(text) == _COMMAND.findall(plural), key
            assert sorted(_ANY_TAG.findall(text)) == sorted(_ANY_TAG.findall(plural)), key
