"""Background jobs on Huey: SQLite storage in the instance folder by default, Redis when configured.

The same task code runs on either storage. Work that must not be lost lives in
database rows (the webhook outbox, reminders keyed by date) and periodic jobs sweep
it, so a consumer killed mid-job only delays that work. A job that still fails after
its retries is written to :class:`JobFailure` and shown to administrators.
"""
from core.jobs.models import JobFailure
from core.jobs.queue import DEFAULT_SCHEDULES, JobQueue, JobRuntime, make_huey, parse_schedule

__all__ = ["DEFAULT_SCHEDULES", "JobFailure", "JobQueue", "JobRuntime", "make_huey", "parse_schedule"]
