"""Cheap gates in front of aiogram's handler search, so an update skips at once the routers
and handlers that cannot take it.

aiogram walks the routers in order and, for each handler, runs its filters one by one: a
command or a button press passes some 70 filter checks (each a call with its own keyword
arguments) before it reaches the tasks router. Most of these handlers can be ruled out from
two facts known before any filter runs: the update's key (the command's name, or the prefix
of the button's callback data) and the dialog state (`raw_state`). Each handler's gate is
read from its own filters (`Command`, a `CallbackData` filter, a `State`, a `StatesGroup`
or a `StateFilter`); a filter of any other kind leaves that part of the gate open.

A gate only ever refuses what the handler's own filters would refuse too (it is a necessary
condition, not a new rule), so the handler that answers an update is the same as without
gates: same order, same filters run for the handlers that may match.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from re import Pattern
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

__all__ = ["Gate", "GateIndex", "gate_of", "install_gates", "ungated"]

# Update types whose handlers are gated: the only ones with many handlers.
GATED = ("message", "callback_query")


@dataclass(frozen=True, slots=True)
class Gate:
    """What a handler can take: dialog states (None: any), and either command names with
    their prefixes (messages) or callback data prefixes with their separators (presses).
    None in a field means that field is not limited by the handler's filters."""

    states: frozenset[str | None] | None = None
    # Commands: (prefix characters, exact names, names compared case-insensitively).
    prefixes: str | None = None
    names: frozenset[str] | None = None
    folded_names: frozenset[str] = frozenset()
    # Presses: (separator, callback data prefix), and the separators among them.
    callbacks: frozenset[tuple[str, str]] | None = None
    separators: tuple[str, ...] = ()

    def admits(self, event: TelegramObject, raw_state: str | None) -> bool:
        if self.states is not None and raw_state not in self.states:
            return False
        if self.names is not None:
            if not isinstance(event, Message):
                return False
            text = event.text or event.caption
            if not text:
                return False
            words = text.split(maxsplit=1)
            if not words:
                return False
            full = words[0]
            assert self.prefixes is not None
            if full[0] not in self.prefixes:
                return False
            name = full[1:].partition("@")[0]
            if name not in self.names and name.casefold() not in self.folded_names:
                return False
        if self.callbacks is not None:
            if not isinstance(event, CallbackQuery) or not event.data:
                return False
            data = event.data
            if not any((sep, data.split(sep, 1)[0]) in self.callbacks for sep in self.separators):
                return False
        return True

    @property
    def is_open(self) -> bool:
        return self.states is None and self.names is None and self.callbacks is None


def _states_of(value: Any) -> frozenset[str | None] | None:
    """The raw states a state filter lets through; None when it lets any through."""
    if value is None or isinstance(value, str):
        return None if value == "*" else frozenset({value})
    if isinstance(value, State):
        return None if value.state == "*" else frozenset({value.state})
    if isinstance(value, StatesGroup):
        return frozenset(type(value).__all_states_names__)
    if inspect.isclass(value) and issubclass(value, StatesGroup):
        return frozenset(value.__all_states_names__)
    if isinstance(value, StateFilter):
        found: set[str | None] = set()
        for state in value.states:
            part = _states_of(state)
            if part is None:
                return None
            found |= part
        return frozenset(found)
    raise TypeError(value)


def gate_of(filters: Iterable[FilterObject]) -> Gate:
    """A handler's gate from its filters (all of which must pass: the gate narrows with each)."""
    states: frozenset[str | None] | None = None
    prefixes: str | None = None
    names: frozenset[str] | None = None
    folded: frozenset[str] = frozenset()
    callbacks: frozenset[tuple[str, str]] | None = None
    for event_filter in filters:
        # A plain filter already awaited in place (bot.app._inline_plain_filters) is read as
        # the filter it wraps.
        check = getattr(event_filter.callback, "in_place_of", event_filter.callback)
        if event_filter.magic is not None:
            continue
        if isinstance(check, (State, StatesGroup, StateFilter)) or (
            inspect.isclass(check) and issubclass(check, StatesGroup)
        ):
            allowed = _states_of(check)
            if allowed is not None:
                states = allowed if states is None else states & allowed
        elif isinstance(check, Command) and names is None:
            commands = list(check.commands)
            if any(isinstance(command, Pattern) for command in commands):
                continue
            prefixes = check.prefix
            if check.ignore_case:
                folded = frozenset(str(command) for command in commands)
                names = frozenset()
            else:
                names = frozenset(str(command) for command in commands)
        elif isinstance(check, CallbackQueryFilter) and callbacks is None:
            data = check.callback_data
            callbacks = frozenset({(data.__separator__, data.__prefix__)})
    separators = tuple(sorted({sep for sep, _ in callbacks or ()}))
    return Gate(states, prefixes, names, folded, callbacks, separators)


Propagate = Callable[..., Awaitable[Any]]
Check = Callable[..., Awaitable[tuple[bool, dict[str, Any]]]]


def install_gates(dispatcher: Dispatcher) -> None:
    """Every handler of a gated update type checks its gate before its filters, and every
    router below the dispatcher is skipped when no handler in it (or below it) admits the
    update. Routers with filters or middlewares of their own on that update type are
    entered as before: what those do is not ours to skip."""
    for router in dispatcher.chain_tail:
        for update_type in GATED:
            observer = router.observers[update_type]
            for handler in observer.handlers:
                gate = gate_of(handler.filters or ())
                if not gate.is_open:
                    handler.check = _gated_check(handler, gate)  # type: ignore[method-assign]
    for router in dispatcher.sub_routers:
        _gate_router(router)


def ungated(check: Callable[..., Any]) -> Callable[..., Any]:
    """The method a gate was put in front of (the routers are module singletons: a second
    dispatcher in the same process gates them again, over the originals)."""
    return getattr(check, "__wrapped__", check)


def _gate_router(router: Router) -> None:
    """The router, and each router below it, skipped for an update none of its handlers
    admits."""
    by_type = {update_type: _subtree_gates(router, update_type) for update_type in GATED}
    for sub_router in router.sub_routers:
        _gate_router(sub_router)
    if all(found is None for found in by_type.values()):
        vars(router).pop("propagate_event", None)
        return
    original: Propagate = ungated(router.propagate_event)

    indexes = {kind: GateIndex(found) for kind, found in by_type.items() if found is not None}

    async def propagate_event(update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        index = indexes.get(update_type)
        if index is not None and not index.admits(event, kwargs.get("raw_state")):
            return UNHANDLED
        return await original(update_type=update_type, event=event, **kwargs)

    propagate_event.__wrapped__ = original  # type: ignore[attr-defined]
    router.propagate_event = propagate_event  # type: ignore[method-assign]


class GateIndex:
    """A router's gates by the key they wait for: an update looks up the few gates for its
    command name or callback prefix instead of asking every gate of the router (a router of
    tasks has some fifty). Whether the router admits the update is unchanged: each gate found
    still decides with `admits`, and gates without such a key are asked as before."""

    def __init__(self, gates: Iterable[Gate]) -> None:
        self.by_callback: dict[tuple[str, str], list[Gate]] = {}
        self.by_command: dict[str, list[Gate]] = {}
        self.others: list[Gate] = []
        for gate in gates:
            if gate.callbacks is not None:
                for key in gate.callbacks:
                    self.by_callback.setdefault(key, []).append(gate)
            elif gate.names is not None and not gate.folded_names:
                for name in gate.names:
                    self.by_command.setdefault(name, []).append(gate)
            else:
                self.others.append(gate)
        self.separators = tuple(sorted({sep for sep, _ in self.by_callback}))

    def admits(self, event: TelegramObject, raw_state: str | None) -> bool:
        if any(gate.admits(event, raw_state) for gate in self.others):
            return True
        return any(gate.admits(event, raw_state) for gate in self._candidates(event))

    def _candidates(self, event: TelegramObject) -> Iterable[Gate]:
        if isinstance(event, CallbackQuery):
            if not event.data or not self.by_callback:
                return ()
            data = event.data
            return [
                gate
                for sep in self.separators
                for gate in self.by_callback.get((sep, data.split(sep, 1)[0]), ())
            ]
        if isinstance(event, Message) and self.by_command:
            text = event.text or event.caption
            words = text.split(maxsplit=1) if text else []
            if words:
                return self.by_command.get(words[0][1:].partition("@")[0], ())
        return ()


def _subtree_gates(router: Router, update_type: str) -> list[Gate] | None:
    """The distinct gates of every handler of this update type in the router and below, or
    None when the router cannot be skipped (an open handler, a router filter, a middleware)."""
    found: list[Gate] = []
    for each in router.chain_tail:
        observer = each.observers[update_type]
        if (
            observer._handler.filters
            or observer.outer_middleware._middlewares
            or observer.middleware._middlewares
        ):
            return None
        for handler in observer.handlers:
            gate = gate_of(handler.filters or ())
            if gate.is_open:
                return None
            if gate not in found:
                found.append(gate)
    return found


def _gated_check(handler: HandlerObject, gate: Gate) -> Check:
    original: Check = ungated(handler.check)

    async def check(event: TelegramObject, **kwargs: Any) -> tuple[bool, dict[str, Any]]:
        if not gate.admits(event, kwargs.get("raw_state")):
            return False, kwargs
        return await original(event, **kwargs)

    check.__wrapped__ = original  # type: ignore[attr-defined]
    return check
