"""The demo: data that lets someone try Staffwell end to end, loaded by `manage.py demo`.

Like wellbeing/urls.py, this package may know every app. Each app's part of the demo is a loader
in a module of its own here, listed in LOADERS in floor order: lower floors first, so that a later
loader (an action plan) can point at what an earlier one made (a survey's results).

A loader is `load(*, demo: Demo) -> None`. It must be idempotent: loading twice adds nothing the
first load made, and nothing a person changed while trying the demo is overwritten, with one
exception: the demo logins are made to work again (password, verified address, second factor),
so the table printed by `make demo` is always true.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils.module_loading import import_string

DEMO_PASSWORD = "staffwell-demo"

LOADERS: tuple[str, ...] = (
    # floor 1: organisations, schools, the staff roster, one login per role
    "wellbeing.demo.tenancy.load",
    # floor 2 (charters, surveys), floor 3 (action plans) and floor 4 (reports) follow here.
    # floor 2: two past waves of the staff survey with their released results
    "wellbeing.demo.surveys.load",
    # floor 2: the staff wellbeing charter and two years of self-assessment
    "wellbeing.demo.charters.load",
    # floor 3: objectives, action plans, "you said, we did", a workload impact assessment
    "wellbeing.demo.actionplans.load",
    # floor 4: the board meeting calendar and the trust board's report
    "wellbeing.demo.reports.load",
)


@dataclass(frozen=True)
class DemoLogin:
    """A person who can sign in to the demo; printed by `make demo`."""

    organisation_slug: str
    role: str
    email: str
    full_name: str
    school_name: str = ""
    # Base32 TOTP secret for the roles that must use a second factor; fixed, so it can be
    # printed and typed into an authenticator app once.
    totp_secret: str = ""


@dataclass
class Demo:
    """What the loaders have made so far, handed from one loader to the next."""

    stdout: TextIO
    organisations: dict = field(default_factory=dict)  # slug -> Organisation
    logins: list[DemoLogin] = field(default_factory=list)

    def say(self, message: str) -> None:
        self.stdout.write(f"{message}\n")


def load_demo(*, stdout: TextIO) -> Demo:
    """Load every app's demo data, all or nothing (one transaction)."""
    demo = Demo(stdout=stdout)
    with transaction.atomic():
        for path in LOADERS:
            import_string(path)(demo=demo)
    return demo


def totp_code(secret: str, *, at: float | None = None) -> tuple[str, int]:
    """The 6-digit code an authenticator app shows now for `secret`, and its seconds left."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    now = time.time() if at is None else at
    period = app_settings.TOTP_PERIOD
    code = format_hotp_value(hotp_value(secret, int(now) // period))
    return code, period - int(now) % period
