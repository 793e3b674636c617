"""Background jobs on Huey: SQLite storage in the instance folder by default, Redis when configured.

The same task code runs on either storage. Every queued job is written to the job
journal (:class:`JobRun`) first, so a consumer killed mid-job loses nothing: the
``recover_jobs`` job queues again what no consumer is working on. Periodic jobs
are not journaled; their schedule runs them again. A job that still fails after
its retries is written to :class:`JobFailure` and shown to administrators.
"""
from core.jobs.models import FailureReason, JobFailure, JobRun, RunState
from core.jobs.queue import (
    DEFAULT_SCHEDULES,
    Durability,
    JobQueue,
    JobRuntime,
    make_huey,
    parse_schedule,
)

__all__ = ["DEFAULT_SCHEDULES", "Durability", "FailureReason", "JobFailure", "JobQueue", "JobRun", "JobRuntime",
           "RunState", "make_huey", "parse_schedule"]
