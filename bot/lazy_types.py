"""aiogram's Telegram types built on first use instead of at import.

Every aiogram type is declared with pydantic's `defer_build=True`, but `aiogram/types/__init__.py`
then calls `model_rebuild` on all ~400 of them to resolve their forward references, which builds
every validator at once, each with its own copy of the nested schemas: about 120 MB and 2 s in
every process (aiogram issues #1513 and #1876), for a bot that touches a few dozen types. Here
that call only records the namespace aiogram passes; pydantic builds a type the first time it
validates or serialises one, and the namespace lets it resolve the forward references then.
What a type accepts is unchanged: the same schema is built, only later.

`install()` must run before aiogram is imported (bot/__init__.py calls it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_namespace: dict[str, Any] = {}
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    rebuild = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def model_rebuild(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if cls.__module__.startswith("aiogram."):
            if _types_namespace is not None and not force:
                # aiogram's import-time loop: remember what to resolve against, build nothing.
                _namespace.update(_types_namespace)
                return None
            if _types_namespace is None and _namespace:
                # pydantic's first-use build of a deferred type, or of a method that refers
                # to one: the types are not in that module's globals (TYPE_CHECKING imports).
                _types_namespace = _namespace
        return rebuild(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth,
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[method-assign,assignment]
