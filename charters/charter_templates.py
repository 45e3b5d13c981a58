"""The charter templates Staffwell ships (charters/templates_data/*.json), in English, French and
Welsh. An organisation adopts one as the first draft of its own charter and edits it from there.

A template file:
    {"code": "general", "order": 1, "name": {...}, "summary": {...}, "title": {...}, "intro": {...},
     "commitments": [{"key": "workload-unnecessary-tasks", "area": "workload", "pledged_by": "",
                      "statement": {...}, "responsible": {...}, "evidence": {...},
                      "measured_by": ["workload-4"]}]}
Texts are keyed by language; `measured_by` names items of the built-in survey by code.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from .models import text_in

DIRECTORY = Path(__file__).resolve().parent / "templates_data"


@dataclass(frozen=True)
class CharterTemplate:
    code: str
    order: int
    name: dict
    summary: dict
    title: dict
    intro: dict
    commitments: tuple[dict, ...]

    @property
    def languages(self) -> list[str]:
        """Languages in which every text of the template is written."""
        texts = [self.name, self.title, self.intro]
        for commitment in self.commitments:
            texts += [commitment["statement"], commitment.get("responsible", {}), commitment.get("evidence", {})]
        common = set(self.title)
        for text in texts:
            if text:
                common &= {code for code, value in text.items() if value}
        return sorted(common)

    def name_in(self, language: str) -> str:
        return text_in(self.name, language)

    def summary_in(self, language: str) -> str:
        return text_in(self.summary, language)


@functools.cache
def charter_templates() -> tuple[CharterTemplate, ...]:
    templates = []
    for path in sorted(DIRECTORY.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        templates.append(
            CharterTemplate(
                code=data["code"],
                order=data.get("order", 0),
                name=data["name"],
                summary=data.get("summary", {}),
                title=data["title"],
                intro=data.get("intro", {}),
                commitments=tuple(data["commitments"]),
            )
        )
    return tuple(sorted(templates, key=lambda t: (t.order, t.code)))


def charter_template(code: str) -> CharterTemplate | None:
    return next((template for template in charter_templates() if template.code == code), None)
