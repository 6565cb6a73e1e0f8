"""Assembling the bot: the one place where routers, middlewares and storage meet."""

from __future__ import annotations

import asyncio
import datetime
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation, SimpleEventIsolation
from aiogram.types import ErrorEvent
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import BotMode, Settings
from bot.domain import jalali
from bot.domain.members import MENU_COMMANDS
from bot.gates import install_gates
from bot.handlers import (
    admin,
    calendar,
    clusters,
    common,
    dates,
    fallback,
    meetings,
    monitoring,
    profile,
    registration,
    reminders,
    reports,
    reviews,
    submissions,
    substitutes,
    tasks,
)
from bot.http import FormSession
from bot.i18n import Catalogs
from bot.middlewares import (
    ActorMiddleware,
    ButtonDataGuard,
    ChatIsolationMiddleware,
    Clock,
    FloodControlMiddleware,
    UnitOfWorkMiddleware,
    utc_now,
)
from bot.outbox import OutboxSender, Sleep
from bot.platform import PROFILES, OldClientAnswers, PlatformProfile
from bot.ratelimit import Limit, Limiter, Limits, LocalLimiter, RateLimiter
from bot.session import PacedSession
from bot.shared_limiter import RedisLimiter
from bot.storage import db
from bot.storage.fsm import DatabaseStorage
from bot.storage.locks import try_job_lock
from bot.storage.uow import UnitOfWork, current_session
from bot.ui.members import check_reviewers_at_start
from bot.ui.menus import CommandMenus
from bot.web import (
    HANDLER_LEASE_SECONDS,
    SHUTDOWN_GRACE_SECONDS,
    MemoryUpdateLedger,
    RedisUpdateLedger,
    UpdateLedger,
    WebhookRoute,
    start_server,
)
from scheduler.reminders import fold_stale_reminders, run_reminders
from scheduler.runner import build_scheduler

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

# Order matters: common commands work in every dialog state; fallback catches what is left.
FEATURE_ROUTERS: tuple[Router, ...] = (
    common.router,
    registration.router,
    profile.router,
    admin.router,
    clusters.router,
    submissions.router,
    reviews.router,
    tasks.router,
    reminders.router,
    tasks.table_router,
    reports.router,
    monitoring.router,
    meetings.router,
    calendar.router,
    substitutes.router,
    dates.router,
    fallback.router,
)

# Shown in the client's command menu, in this order (each person sees only their part of it:
# bot.domain.members.menu_commands); descriptions come from the locales.
__all__ = ["MENU_COMMANDS", "App", "create_app"]


@dataclass
class App:
    settings: Settings
    profile: PlatformProfile
    bot: Bot
    dispatcher: Dispatcher
    engine: AsyncEngine
    catalogs: Catalogs
    outbox: OutboxSender
    clock: Clock
    menus: CommandMenus
    redis: Redis | None = None
    # The per-chat lock of ChatIsolationMiddleware (the dispatcher's own is disabled).
    isolation: BaseEventIsolation | None = None
    # The updates' own engine, when it is not `engine` (SQLite: see create_app).
    update_engine: AsyncEngine | None = None

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine the process holds: what an outage or a shutdown concerns."""
        return (self.engine,) if self.update_engine is None else (self.engine, self.update_engine)

    def today(self) -> datetime.date:
        """The Tehran day by the bot's clock: who stands in for an absent secretary today."""
        return jalali.tehran_today(self.clock(), self.settings.zone)

    async def prepare(self) -> None:
        """Schema up to date, webhook off when we poll (run_webhook sets it once the server
        listens), command menu set where supported. What a previous run committed but did not
        get to send is left to the sender task, which starts with the updates: sent here, a
        restart in the middle of a morning's backlog would answer nobody for minutes."""
        await db.upgrade(self.engine)
        await db.sync_shipped_templates(self.engine)
        sessions = db.session_factory(self.engine)
        async with UnitOfWork(sessions, self.settings.bot_platform.value, today=self.today) as uow:
            await fold_stale_reminders(uow, self.catalogs, self.settings, self.clock())
            await uow.commit()
        # Pending updates are kept, not dropped: messages sent while the bot was down count.
        if self.settings.bot_mode is BotMode.POLLING:
            await self.bot.delete_webhook(drop_pending_updates=False)
        await self.menus.set_defaults()
        async with UnitOfWork(sessions, self.settings.bot_platform.value) as uow:
            await check_reviewers_at_start(
                self.bot,
                uow,
                self.catalogs,
                self.settings.admin_ids,
                self.settings.default_locale,
                self.clock(),
            )
            # Superusers have their own menu; one who never started the bot gets it at /start.
            for user_id in sorted(self.settings.admin_ids):
                await self.menus.set_for(user_id, await uow.members.by_user(user_id))
            await uow.commit()
        me = await self.bot.me()
        # What an operator checks first: which bot, where, on what. Never the URLs themselves:
        # a database URL may carry a password, a Bot API URL the token.
        log.info(
            "bot @%s (%s) on %s; database %s; conversation state in %s; %s",
            me.username,
            me.full_name,
            self.settings.bot_platform.value,
            make_url(self.settings.database_url).get_backend_name(),
            "Redis" if self.settings.redis_url else "the database",
            self.settings.bot_mode.value,
        )

    async def run_polling(
        self,
        *,
        handle_as_tasks: bool = True,
        handle_signals: bool = True,
        with_scheduler: bool = True,
    ) -> None:
        # The sender task: woken by updates and the scheduler, it sends at Telegram's pace.
        outbox = asyncio.create_task(self.outbox.run())
        # Tests drive the scheduler's jobs themselves, with their own clock. The jobs only
        # wake the sender: a morning's reminders must not hold up the next minute's job.
        scheduler = build_scheduler(self.settings.zone, self.reminders_job, self.votes_job)
        if with_scheduler:
            scheduler.start()
        # Polling serves /healthz only when WEB_PORT was given (Settings.serves_web).
        web = await start_server(self, None) if self.settings.serves_web else None
        try:
            await self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.settings.polling_timeout,
                handle_as_tasks=handle_as_tasks,
                handle_signals=handle_signals,
                close_bot_session=False,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
            # Polling has stopped (SIGTERM/SIGINT): the updates in hand finish before we go.
            # aiogram keeps them in a private set; without it there is nothing to wait for.
            in_hand = list(getattr(self.dispatcher, "_handle_update_tasks", ()))
            if in_hand:
                await asyncio.wait(in_hand, timeout=SHUTDOWN_GRACE_SECONDS)
        finally:
            if web is not None:
                await web.cleanup()
            await self._stop_background(scheduler, outbox)

    async def run_webhook(
        self,
        *,
        with_scheduler: bool = True,
        handle_signals: bool = True,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Serve the webhook until SIGTERM/SIGINT (or `stop` is set): the server stops taking
        updates, those in hand finish (aiohttp waits for running requests), the outbox hands
        back its claims."""
        assert self.settings.webhook_url and self.settings.webhook_secret
        endpoint = self.profile.webhook(
            self.settings.webhook_url, self.settings.webhook_secret.get_secret_value()
        )
        ledger: UpdateLedger = (
            RedisUpdateLedger(self.redis, self.bot.id) if self.redis else MemoryUpdateLedger()
        )
        route = WebhookRoute(self, endpoint, ledger)
        outbox = asyncio.create_task(self.outbox.run())
        scheduler = build_scheduler(self.settings.zone, self.reminders_job, self.votes_job)
        if with_scheduler:
            scheduler.start()
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        web = await start_server(self, route)
        try:
            # Every replica makes the same call at start; the last one wins, all equal.
            await self.bot.set_webhook(
                endpoint.url,
                secret_token=endpoint.secret_token,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            log.info("serving the webhook")
            await stop.wait()
            log.info("stopping: no new updates, finishing those in hand")
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            route.accepting = False
            await web.cleanup()
            await self._stop_background(scheduler, outbox)

    async def _stop_background(
        self, scheduler: AsyncIOScheduler, outbox: asyncio.Task[None]
    ) -> None:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        # Cancelling the sender hands back the outbox rows it claimed but did not send.
        outbox.cancel()
        with suppress(asyncio.CancelledError):
            await outbox

    async def tick(self, *, wait: bool = True) -> int:
        """Queue the reminders, escalations and digests due now, and have them sent (waiting
        for the sender's pass unless `wait=False`)."""
        sessions = db.session_factory(self.engine)
        async with UnitOfWork(sessions, self.settings.bot_platform.value, today=self.today) as uow:
            # Another process is on this pass right now: its result is ours too.
            if not await _job_lock("reminders"):
                return 0
            queued = await run_reminders(uow, self.catalogs, self.settings, self.clock())
            await uow.commit()
        await self._deliver(wait)
        return queued

    async def reminders_job(self) -> int:
        return await self.tick(wait=False)

    async def votes_job(self) -> int:
        return await self.close_expired_votes(wait=False)

    async def _deliver(self, wait: bool) -> None:
        if wait:
            await self.outbox.deliver_now()
        else:
            self.outbox.wake()

    async def close_expired_votes(self, *, wait: bool = True) -> int:
        """Votes past their deadline are decided by their majority; returns how many."""
        sessions = db.session_factory(self.engine)
        async with UnitOfWork(sessions, self.settings.bot_platform.value, today=self.today) as uow:
            if not await _job_lock("vote-deadlines"):
                return 0
            closed = await reviews.close_expired_votes(
                uow, self.catalogs, self.settings, self.clock()
            )
            await uow.commit()
        # Ties only redraw cards, which counts as nothing closed but still has to be sent.
        await self._deliver(wait)
        return closed

    async def close(self) -> None:
        await self.dispatcher.storage.close()
        if self.isolation is not None:
            await self.isolation.close()
        await self.bot.session.close()
        for engine in self.engines:
            await engine.dispose()


async def _job_lock(job: str) -> bool:
    """Scheduled work once across processes (PostgreSQL; see bot/storage/locks.py)."""
    session = current_session.get()
    assert session is not None
    return await try_job_lock(session, job)


# Connections to Redis per process: a burst of webhook updates, each with its conversation
# state, chat lock and rate-limit booking, waits for a free one instead of failing (redis-py's
# default pool raises "Too many connections" at its limit).
REDIS_CONNECTIONS = 64
REDIS_WAIT_SECONDS = 20


def redis_client(url: str) -> Redis:
    from redis.asyncio import BlockingConnectionPool, Redis

    # Socket timeouts: a Redis that hangs fails the call (and /healthz) instead of the update
    # waiting for ever.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_CONNECTIONS,
        timeout=REDIS_WAIT_SECONDS,
        socket_timeout=REDIS_WAIT_SECONDS,
        socket_connect_timeout=5,
    )
    return Redis.from_pool(pool)


def _fsm_storage(
    settings: Settings, engine: AsyncEngine
) -> tuple[BaseStorage, BaseEventIsolation, Redis | None]:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import (
            DefaultKeyBuilder,
            RedisEventIsolation,
            RedisStorage,
        )

        redis = redis_client(settings.redis_url)
        # Keys carry the bot id: a Telegram and a Bale bot (or two bots) share one Redis.
        keys = DefaultKeyBuilder(with_bot_id=True)
        # The per-chat lock outlives the longest handler, or a second update of the same chat
        # would run beside the first on another process.
        isolation = RedisEventIsolation(
            redis, key_builder=keys, lock_kwargs={"timeout": HANDLER_LEASE_SECONDS}
        )
        return RedisStorage(redis, key_builder=keys), isolation, redis
    return DatabaseStorage(db.session_factory(engine)), SimpleEventIsolation(), None


def create_app(settings: Settings, *, clock: Clock = utc_now, sleep: Sleep = asyncio.sleep) -> App:
    assert settings.bot_token is not None
    platform = PROFILES[settings.bot_platform]
    session = FormSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=platform.parse_mode),
    )
    # The scheduler's, the outbox's and the dashboard's engine: its reads may be a whole
    # morning's reminders or the country's board.
    engine = db.create_engine(settings.database_url, pool_size=settings.database_pool_size)
    # The updates read and write a few rows at a time: on SQLite their statements skip the
    # database thread (bot/storage/sqlite_driver.py), in a pool of their own so the big reads
    # above keep it.
    update_engine = (
        db.create_engine(
            settings.database_url, in_loop=True, pool_size=settings.database_pool_size
        )
        if make_url(settings.database_url).get_backend_name() == "sqlite"
        else None
    )
    update_sessions = db.session_factory(update_engine or engine)
    storage, isolation, redis = _fsm_storage(settings, update_engine or engine)
    # One limiter for every call: the replies made in updates (through the session) and the
    # outbox sender's bulk messages share Telegram's limits.
    # With Redis, the account is shared by every process of the bot (bot/shared_limiter.py).
    limits = Limits(overall=Limit(settings.send_rate, datetime.timedelta(seconds=1)))
    limiter: Limiter = (
        RedisLimiter(redis, bot.id, limits)
        if redis is not None
        else LocalLimiter(RateLimiter(overall=limits.overall))
    )
    session.middleware(PacedSession(limiter, clock, sleep))
    catalogs = Catalogs(settings.bot_platform, zone=settings.zone)
    # A malformed holiday file should stop the start, not the first date question.
    jalali.default_calendar()

    sessions = db.session_factory(engine)
    outbox = OutboxSender(
        bot,
        sessions,
        settings.bot_platform.value,
        clock,
        sleep=sleep,
        limiter=limiter,
        # Several processes book from one account: there each send waits for its answer, so
        # a slow answer cannot let two of one process arrive together beside the other's.
        overlap=redis is None,
    )
    menus = CommandMenus(bot, catalogs, platform, settings.default_locale, settings.admin_ids)

    # disable_fsm: the FSM middleware is registered below, inside the unit of work, so the
    # dialog state is read and written in the update's one database session; its per-chat
    # lock is taken outside the unit of work instead (ChatIsolationMiddleware).
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=DisabledEventIsolation(),
        disable_fsm=True,
        catalogs=catalogs,
        outbox_sender=outbox,
        platform=platform,
        menus=menus,
    )
    if platform.old_client_query_prefix is not None:
        # Old Bale clients show no button answers: repeat each one as a message.
        answers = OldClientAnswers(platform)
        dispatcher.callback_query.outer_middleware(answers.update_middleware)
        bot.session.middleware(answers.request_middleware)
    if settings.flood_burst:
        # Outermost of ours: a dropped update costs no database work.
        dispatcher.update.outer_middleware(
            FloodControlMiddleware(
                catalogs, settings, clock, rate=settings.flood_rate, burst=settings.flood_burst
            )
        )
    dispatcher.update.outer_middleware(ButtonDataGuard(catalogs, settings))
    dispatcher.update.outer_middleware(ChatIsolationMiddleware(dispatcher.fsm, isolation))
    dispatcher.update.outer_middleware(
        UnitOfWorkMiddleware(
            update_sessions,
            settings,
            clock,
            after_commit=outbox.after_commit,
            catalogs=catalogs,
            sleep=sleep,
        )
    )
    dispatcher.update.outer_middleware(dispatcher.fsm)
    dispatcher.update.outer_middleware(ActorMiddleware(catalogs, settings))
    dispatcher.message.outer_middleware(dates.DialogStepMiddleware())
    dispatcher.include_routers(*_detached(FEATURE_ROUTERS))
    # Gates are read from the filters as declared, before they are wrapped below.
    install_gates(dispatcher)
    _inline_plain_filters(dispatcher)

    async def on_error(event: ErrorEvent, bot: Bot) -> None:
        log.error("update %s failed", event.update.update_id, exc_info=event.exception)
        chat_id = _chat_of(event)
        if chat_id is None:
            return
        t = catalogs.translator(settings.default_locale)
        try:
            await bot.send_message(chat_id, t("errors.internal"))
        except TelegramAPIError:
            log.warning("could not tell chat %s about the failure", chat_id)

    dispatcher.errors.register(on_error)
    return App(
        settings,
        platform,
        bot,
        dispatcher,
        engine,
        catalogs,
        outbox,
        clock,
        menus,
        redis,
        isolation,
        update_engine,
    )


def _detached(routers: tuple[Router, ...]) -> tuple[Router, ...]:
    """Routers are module singletons and aiogram lets one attach to a single parent; a process
    that builds a second dispatcher (a test, an in-process restart) must free them first."""
    for router in routers:
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    return routers


def _inline_plain_filters(dispatcher: Dispatcher) -> None:
    """Plain (not async) filters run in the update's task instead of a worker thread.

    aiogram hands every filter that is not a coroutine to `asyncio.to_thread`: each magic
    filter (`F.text`, `F.data.startswith(...)`) and each small predicate checked on the way to
    the handler costs a thread hop, and a message passes dozens of them. Ours only look at the
    update (no I/O, microseconds), so they are awaited in place. Handlers are left alone.
    """
    for router in dispatcher.chain_tail:
        for observer in router.observers.values():
            holders = [observer._handler, *observer.handlers]
            for holder in holders:
                for event_filter in holder.filters or ():
                    if not event_filter.awaitable:
                        event_filter.callback = _in_place(event_filter.callback)
                        event_filter.awaitable = True


def _in_place(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def checked(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    # What the filter was, for the gates of a dispatcher built later (bot.gates.gate_of).
    checked.in_place_of = check  # type: ignore[attr-defined]
    return checked


def _chat_of(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None
