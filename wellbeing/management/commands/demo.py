"""`make demo`: migrate, load the demo data, then run web, the workers and beat until Ctrl-C."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from wellbeing.demo import DEMO_PASSWORD, Demo, load_demo
from wellbeing.demo.serve import Address, PortInUse, check_port_free, serve
from wellbeing.tenancy.models import Role


class Command(BaseCommand):
    help = (
        "Set up the demo (migrations as the owner role, demo data) and run the web server, the "
        "Celery workers (tasks, board reports) and Celery beat until Ctrl-C. DEMO_HOST and DEMO_PORT choose the address "
        "(default 127.0.0.1:8000)."
    )
    # The web server process runs the system checks itself.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Set up the database and the demo data, print the logins, and exit (tests, CI).",
        )

    def handle(self, *args, no_serve=False, **options):
        address = Address.from_environment()
        if not no_serve:
            self._check_port(address)  # before minutes of set-up, not after
        call_command("migrate", database="owner", interactive=False,
                     verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr)
        demo = load_demo(stdout=self.stdout)
        if no_serve:
            self.stdout.write(logins_table(demo))
            return
        self.stdout.write(f"Starting the web server on {address.url}, the Celery workers (tasks, board reports) and Celery beat...")
        returncode = serve(
            address=address,
            on_ready=lambda: self.stdout.write(banner(address.url, demo)),
        )
        if returncode:
            raise CommandError(
                "The demo stopped because one of its processes ended (see its last lines above).",
                returncode=returncode,
            )

    def _check_port(self, address):
        try:
            check_port_free(address)
        except PortInUse as error:
            raise CommandError(str(error)) from error


def banner(url: str, demo: Demo) -> str:
    rule = "=" * 78
    return "\n".join([
        "", rule,
        f"Staffwell demo: {url}",
        "Ctrl-C stops the web server, the workers and beat.",
        rule,
        logins_table(demo),
        rule, "",
    ])


def logins_table(demo: Demo) -> str:
    organisations = demo.organisations
    rows = [("Email", "Password", "Role", "Organisation / school")]
    for login in demo.logins:
        organisation = organisations[login.organisation_slug]
        where = f"{organisation.name} / {login.school_name}" if login.school_name else organisation.name
        rows.append((login.email, DEMO_PASSWORD, str(Role(login.role).label), where))
    lines = _columns(rows)
    with_mfa = [login for login in demo.logins if login.totp_secret]
    if with_mfa:
        lines += [
            "",
            "Admins and leads sign in with a second factor (TOTP). Add the secret to an "
            "authenticator app,",
            "or print the current 6-digit codes with `make totp` "
            "(one person: make totp EMAIL=<email>).",
            "",
        ]
        lines += _columns([("Email", "TOTP secret")] + [(x.email, x.totp_secret) for x in with_mfa])
    return "\n".join(lines) + "\n"


def _columns(rows) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
