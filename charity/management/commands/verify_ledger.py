from django.core.management.base import BaseCommand, CommandError

from charity.services import ledger_verify


class Command(BaseCommand):
    help = "Recompute the ledger's hash chain; exit non-zero naming the first bad entry."

    def handle(self, *args, **options):
        check = ledger_verify()
        if not check.ok:
            raise CommandError(
                f"Ledger entry {check.first_bad_seq} is bad: {check.problem} "
                f"({check.entries} entries read)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Ledger OK: {check.entries} entries, head {check.head_hash}")
        )
