from django.core.management.base import BaseCommand, CommandError

from jiedu.accounts.models import User
from jiedu.accounts.services import issue_token


class Command(BaseCommand):
    help = "Issue an API token for a user and print it on the last line (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="what the token is for")
        parser.add_argument("--days", type=int, default=365, help="validity in days (0: none)")

    def handle(self, *args, username, name, days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        token, raw = issue_token(actor=user, user=user, name=name, days=days or None)
        self.stderr.write(f"Token {token.prefix}… for {user.username}; store it now.")
        self.stdout.write(raw)
