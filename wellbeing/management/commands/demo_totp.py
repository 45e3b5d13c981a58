"""`make totp`: the 6-digit codes the demo's admins and leads type after their password."""

from django.core.management.base import BaseCommand, CommandError

from wellbeing.demo import totp_code
from wellbeing.demo.tenancy import LOGINS


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo logins that use a second factor (all, or those named)."
    # Computed from the demo's fixed secrets: needs no database and no checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", metavar="EMAIL", help="Demo login email (default: every one).")

    def handle(self, *args, emails=(), **options):
        secrets = {login.email: login.totp_secret for login in LOGINS if login.totp_secret}
        unknown = [email for email in emails if email.lower() not in secrets]
        if unknown:
            raise CommandError(
                f"No demo login with a second factor has the email {', '.join(unknown)}. "
                f"These have one: {', '.join(secrets)}"
            )
        chosen = [email.lower() for email in emails] or list(secrets)
        width = max(len(email) for email in chosen)
        for email in chosen:
            code, seconds_left = totp_code(secrets[email])
            self.stdout.write(f"{email.ljust(width)}  {code}  (valid for {seconds_left} more seconds)")
