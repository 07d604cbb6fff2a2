"""A print job's state, waiting for it, and CUPS's privacy settings.

The state is read with ``lpstat`` as CUPS gives it: a job still in the queue is waiting, printing,
or stuck on a printer that is stopped or reports an error (paper out, ...). A job that has left the
queue was printed: with the recommended setting (no job history) CUPS keeps nothing of it to ask,
and a job that fails stops its printer (CUPS's default error policy) and so stays in the queue.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from .printing import PrintError, Queue, _run, _said, _text, check_scheduler, printer_state

# printer-state-reasons, in a few English words (the desk says them in Dutch: desk/printviews.py);
# the first that applies names the problem
REASONS = {
    "media-empty": "out of paper",
    "media-needed": "out of paper",
    "media-jam": "paper jam",
    "toner-empty": "out of toner",
    "marker-supply-empty": "out of ink or toner",
    "cover-open": "a cover is open",
    "door-open": "a door is open",
    "input-tray-missing": "the paper tray is missing",
    "offline": "the printer is off",
    "shutdown": "the printer is off",
    "connecting-to-device": "the printer is off or out of reach",
    "timed-out": "the printer is off or out of reach",
    "paused": "the queue is stopped",
    # the job's own trouble, from its job-state-reasons
    "job-error": "CUPS failed on it ('lpstat -l -o' says why)",
    "held": "it is held in the queue ('lp -i JOB -H resume' releases it)",
}
JOB_ERRORS = {
    "job-completed-with-errors",
    "aborted-by-system",
    "job-aborted-by-system",
    "job-stopped",
    "document-format-error",
    "document-unprintable-error",
}


class JobState(enum.Enum):
    """Where a job is."""

    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True)
class JobStatus:
    job: str  # CUPS's job id: "Kantoor-12"
    state: JobState
    cause: str = ""  # the printer-state-reason that stops it: "media-empty", "paused"

    @property
    def reason(self) -> str:
        """What stops it: "out of paper", "the queue is stopped"; "" when nothing does."""
        return REASONS[self.cause] if self.cause else ""

    @property
    def finished(self) -> bool:
        """Nothing more happens without someone at the printer (or it is on paper)."""
        return self.state in (JobState.PRINTED, JobState.FAILED)


def stopping_reason(queue: Queue) -> str:
    """The printer-state-reason that stops its jobs ("media-empty", "paused"), or "" (warnings don't)."""
    reasons = {
        r.removesuffix("-error").removesuffix("-report") for r in queue.reasons if not r.endswith("-warning")
    }
    for reason in REASONS:
        if reason in reasons:
            return reason
    return "" if queue.enabled else "paused"


def job_status(job: str) -> JobStatus:
    """The state of a job that ``send`` returned."""
    queue_name = job.rsplit("-", 1)[0]
    alerts = _queued_jobs(queue_name)
    if job not in alerts:
        return JobStatus(job, JobState.PRINTED)
    if alerts[job] & JOB_ERRORS:
        return JobStatus(job, JobState.FAILED, "job-error")
    queue = printer_state(queue_name)
    cause = stopping_reason(queue)
    if cause:
        return JobStatus(job, JobState.FAILED, cause)
    if queue.printing == job:
        return JobStatus(job, JobState.PRINTING)
    if any(a.startswith("job-hold") for a in alerts[job]):
        return JobStatus(job, JobState.QUEUED, "held")
    return JobStatus(job, JobState.QUEUED)


def _queued_jobs(queue_name: str) -> dict[str, set[str]]:
    """``lpstat -l -o QUEUE``: the jobs not yet done, with their job-state-reasons ("Alerts")."""
    jobs: dict[str, set[str]] = {}
    job = ""
    result = _run(["lpstat", "-l", "-o", queue_name])
    if result.returncode != 0:  # never "printed" for a job CUPS could not be asked about
        check_scheduler()
        raise PrintError(f"cannot ask CUPS about the jobs of '{queue_name}': {_said(result)}")
    for line in _text(result).splitlines():
        if line and not line[0].isspace():
            job = line.split()[0]
            jobs[job] = set()
        elif job and line.strip().startswith("Alerts:"):
            jobs[job] = set(line.strip().removeprefix("Alerts:").split()) - {"none"}
    return jobs


def wait(job: str, timeout: float = 600.0, interval: float = 0.25) -> JobStatus:
    """Poll until the job is printed or stuck (``finished``), or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        status = job_status(job)
        if status.finished or time.monotonic() >= deadline:
            return status
        time.sleep(interval)


# --- privacy ------------------------------------------------------------------------------------

FIX_COMMAND = "sudo cupsctl PreserveJobFiles=No PreserveJobHistory=No"
# CUPS's defaults when cupsd.conf does not set them (man cupsd.conf): files a day, history for ever
DEFAULTS = {"PreserveJobFiles": "86400", "PreserveJobHistory": "Yes"}
_OFF = {"no", "off", "false", "0"}


@dataclass(frozen=True)
class PrivacyWarning:
    """A CUPS setting that keeps what was printed, with the command that stops it."""

    setting: str  # "PreserveJobFiles"
    value: str  # as set, or CUPS's default: "86400", "Yes"
    command: str = FIX_COMMAND

    @property
    def english(self) -> str:
        if self.setting == "PreserveJobFiles":
            what = "keeps the printed documents (a personalised handout carries the patient's name)"
        else:
            what = "keeps a history of the jobs (title, user, time)"
        return f"CUPS {what} after printing ({self.setting}={self.value}); to stop it run: {self.command}"


def cups_settings() -> dict[str, str]:
    """The scheduler's settings as ``cupsctl`` shows them, CUPS's defaults for the ones it leaves out."""
    check_scheduler()
    result = _run(["cupsctl"])
    if result.returncode != 0:
        raise PrintError(f"cannot read the CUPS settings: {_said(result)}")
    settings = dict(DEFAULTS)
    for line in _text(result).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            settings[key.strip()] = value.strip()
    return settings


def privacy_warnings(settings: dict[str, str] | None = None) -> tuple[PrivacyWarning, ...]:
    """A warning for each setting that keeps job files or history after printing."""
    settings = cups_settings() if settings is None else {**DEFAULTS, **settings}
    return tuple(
        PrivacyWarning(name, settings[name]) for name in DEFAULTS if settings[name].lower() not in _OFF
    )
