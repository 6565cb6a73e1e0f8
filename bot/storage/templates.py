"""Plan templates in the database; returns `bot.domain.templates.Template`, never rows.

Layout (the schema of migration 0003 is kept as it is):
  task_templates: code, name, kind, source, imported_at.
  template_items: one row per item, in file order (`position`); `start_month`/`end_month` hold
    the window the item really gets (`item_window`), so that a reader of the table needs no
    defaults; `extra` holds roles, mechanism, owner, output and the months as written, and, on
    the item at position 0, the template's phases and default_months (the table has no
    columns for them).
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.templates import Phase, Template, TemplateItem, item_window
from bot.storage.models import TaskRow, TaskTemplateRow, TemplateItemRow


def _extra(template: Template, item: TemplateItem, position: int) -> dict[str, Any]:
    extra: dict[str, Any] = {"roles": list(item.roles)}
    for key in ("mechanism", "owner", "output", "start_month", "end_month"):
        value = getattr(item, key)
        if value is not None:
            extra[key] = value
    if position == 0:
        extra["template"] = {
            "default_months": template.default_months,
            "phases": [[p.number, p.title, p.start_month, p.end_month] for p in template.phases],
        }
    return extra


def _item(row: TemplateItemRow) -> TemplateItem:
    extra = row.extra or {}
    return TemplateItem(
        code=row.code,
        title=row.title,
        description=row.description,
        phase=row.phase,
        start_month=extra.get("start_month"),
        end_month=extra.get("end_month"),
        agencies=tuple(row.agencies or ()),
        roles=tuple(extra.get("roles", ())),
        mechanism=extra.get("mechanism"),
        owner=extra.get("owner"),
        output=extra.get("output"),
    )


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, code: str) -> TaskTemplateRow | None:
        return (
            await self._session.execute(
                select(TaskTemplateRow)
                .where(TaskTemplateRow.code == code)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()

    async def save(self, template: Template, now: datetime.datetime) -> int:
        """Store a template, replacing the one with the same code; returns its id.

        Runs in the caller's transaction. Items are matched by code: an item that stays keeps
        its id, so tasks already made from it stay linked; an item that is gone is deleted
        after the tasks made from it are unlinked (they keep their own copy of code and title).
        """
        row = await self._row(template.code)
        if row is None:
            row = TaskTemplateRow(code=template.code)
            self._session.add(row)
        row.name = template.name
        row.kind = template.kind
        row.source = template.source
        row.imported_at = now
        await self._session.flush()

        existing = {
            item.code: item
            for item in (
                await self._session.execute(
                    select(TemplateItemRow).where(TemplateItemRow.template_id == row.id)
                )
            ).scalars()
        }
        wanted = {item.code for item in template.items}
        gone = [item.id for code, item in existing.items() if code not in wanted]
        if gone:
            await self._session.execute(
                update(TaskRow)
                .where(TaskRow.template_item_id.in_(gone))
                .values(template_item_id=None)
            )
            await self._session.execute(delete(TemplateItemRow).where(TemplateItemRow.id.in_(gone)))

        for position, item in enumerate(template.items):
            start_month, end_month = item_window(template, item)
            item_row = existing.get(item.code)
            if item_row is None:
                item_row = TemplateItemRow(template_id=row.id, code=item.code)
                self._session.add(item_row)
            item_row.position = position
            item_row.title = item.title
            item_row.description = item.description
            item_row.phase = item.phase
            item_row.start_month = start_month
            item_row.end_month = end_month
            item_row.agencies = list(item.agencies)
            item_row.extra = _extra(template, item, position)
        await self._session.flush()
        return row.id

    async def get(self, code: str) -> Template | None:
        row = await self._row(code)
        if row is None:
            return None
        item_rows = list(
            (
                await self._session.execute(
                    select(TemplateItemRow)
                    .where(TemplateItemRow.template_id == row.id)
                    .order_by(TemplateItemRow.position)
                    .execution_options(populate_existing=True)
                )
            ).scalars()
        )
        meta = (item_rows[0].extra or {}).get("template", {}) if item_rows else {}
        return Template(
            code=row.code,
            name=row.name,
            kind=row.kind,
            source=row.source,
            default_months=meta.get("default_months", 3),
            phases=tuple(Phase(*p) for p in meta.get("phases", ())),
            items=tuple(_item(r) for r in item_rows),
        )

    async def list(self) -> list[tuple[str, str, str, int]]:
        """(code, name, kind, item count) of every template, by code."""
        count = (
            select(func.count(TemplateItemRow.id))
            .where(TemplateItemRow.template_id == TaskTemplateRow.id)
            .scalar_subquery()
        )
        rows = await self._session.execute(
            select(
                TaskTemplateRow.code, TaskTemplateRow.name, TaskTemplateRow.kind, count
            ).order_by(TaskTemplateRow.code)
        )
        return [(code, name, kind, int(n)) for code, name, kind, n in rows.all()]

    async def codes(self) -> set[str]:
        return set((await self._session.execute(select(TaskTemplateRow.code))).scalars())

    async def item_id(self, template_code: str, item_code: str) -> int | None:
        return (
            await self._session.execute(
                select(TemplateItemRow.id)
                .join(TaskTemplateRow, TemplateItemRow.template_id == TaskTemplateRow.id)
                .where(TaskTemplateRow.code == template_code, TemplateItemRow.code == item_code)
            )
        ).scalar_one_or_none()
