"""The audit sequencer: chains vendor accesses recorded pending, as soon as they commit (audit.log)."""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseDriverError
from django.db import connection

from audit import log as audit_log
from audit.models import AuditEntry

logger = logging.getLogger("audit.sequencer")


class Command(BaseCommand):
    help = (
        "Chain the audit log's pending entries (vendor reads and writes) as they commit, until stopped (SIGTERM or "
        "Ctrl-C). Any number may run; one is enough. Beat also chains every few seconds, as a fallback."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.25,
                            help="seconds to wait after a pass, so entries are chained in batches (default 0.25)")
        parser.add_argument("--batch", type=int, default=audit_log.CHAIN_BATCH,
                            help=f"entries chained per transaction (default {audit_log.CHAIN_BATCH})")
        parser.add_argument("--once", action="store_true", help="chain what is pending now, print how many, and exit")

    def handle(self, *args, interval, batch, once, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if not 0 < interval <= 60:
            raise CommandError("--interval must be more than 0 and at most 60 seconds")
        if once:
            self.stdout.write(f"Chained {audit_log.chain_pending(batch=batch)} pending audit entries.")
            return
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        logger.info("audit sequencer started (batch %d, interval %.3f s)", batch, interval)
        chained = 0
        while not stopping:
            try:
                # A cheap indexed probe first: the lock and head are taken only when there is work.
                count = audit_log.chain_pending(batch=batch) if AuditEntry.objects.pending().exists() else 0
            except DatabaseDriverError as error:  # an outage (OperationalError, InterfaceError): wait it out
                logger.warning("audit sequencer: database unavailable (%s); retrying in 1 s", error)
                try:
                    connection.close()  # the next query opens a fresh connection
                except DatabaseDriverError:
                    pass
                time.sleep(1)
                continue
            chained += count
            # Waiting after every pass, not only an empty one, lets entries gather: chaining a batch costs
            # much less per entry than chaining each as it comes.
            time.sleep(interval)
        logger.info("audit sequencer stopped after chaining %d entries", chained)
        self.stdout.write(f"Stopped; chained {chained} pending audit entries.")
