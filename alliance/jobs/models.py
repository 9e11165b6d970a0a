"""Jobs: long work a user starts (a big import, a scan, an export), with progress to watch."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.workflow import Workflow


class JobStatus(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting to start"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
}

JOB_WORKFLOW = Workflow(
    {
        JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.FAILED},
        JobStatus.RUNNING: {JobStatus.DONE, JobStatus.FAILED},
        JobStatus.FAILED: {JobStatus.QUEUED},  # retried
        JobStatus.DONE: set(),
    },
    STATUS_LABELS,
    _l("job"),
)


class Job(db.Model):
    """One run of a job kind for a user: its input, progress, and result or error."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(one_of("status", JobStatus), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")  # its texts are written in it
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    problems: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User | None] = relationship()

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {"kind": self.kind, "status": self.status, "attempts": self.attempts}
