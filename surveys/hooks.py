"""Hooks through which higher apps add to the results dashboards, without surveys importing them.

surveys sits on floor 2; action plans (floor 3) and board reports (floor 4) build on it. Imports
point down only, so a dashboard cannot ask action plans for a link: action plans registers one
here instead, from its AppConfig.ready().

`cell_actions`
--------------
A callable ``action(request, cell) -> tuple[str, str] | None``: given the current request and a
released, reportable result cell (a `surveys.models.ResultCell`, FULL or BANDED, never a suppressed
one), return ``(label, url)`` for a link to show beside that cell's row ("Create an action from
this"), or None to show nothing (no permission, not relevant). The label is already translated.
Keep it cheap: it runs once per row shown (a dashboard may show a few dozen rows), after the
cached part of the page is drawn. An action that raises is logged and skipped, so a bug in a
higher app never takes the results page down.

    # actionplans/apps.py
    class ActionplansConfig(AppConfig):
        def ready(self):
            from surveys.hooks import cell_actions
            from .views import action_from_cell_link
            cell_actions.register(action_from_cell_link)

`cell_actions.links(request, cell)` returns the list of (label, url) of every registered action,
in the order they were registered. Registering the same callable twice has no effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

CellAction = Callable[[object, object], "tuple[str, str] | None"]


class CellActions:
    """The registry of links offered beside a result cell's row."""

    def __init__(self) -> None:
        self._actions: list[CellAction] = []

    def register(self, action: CellAction) -> CellAction:
        """Add `action`; returns it, so this can be used as a decorator."""
        if action not in self._actions:
            self._actions.append(action)
        return action

    def unregister(self, action: CellAction) -> None:
        if action in self._actions:
            self._actions.remove(action)

    def __iter__(self):
        return iter(list(self._actions))

    def __len__(self) -> int:
        return len(self._actions)

    def links(self, request, cell) -> list[tuple[str, str]]:
        if cell is None or not getattr(cell, "is_reportable", False):
            return []
        found = []
        for action in list(self._actions):
            try:
                link = action(request, cell)
            except Exception:  # a higher app's bug must not take the results page down
                logger.exception("cell action %r failed for cell %s", action, getattr(cell, "pk", None))
                continue
            if link:
                label, url = link
                found.append((str(label), str(url)))
        return found


cell_actions = CellActions()
