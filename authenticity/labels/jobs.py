"""Label batches larger than one chunk are written by a background job, and resumed by one;
what the labels programme tells people."""

from alliance.extensions import db
from alliance.i18n import _l
from alliance.jobs.models import Job
from alliance.jobs.queue import periodic
from alliance.jobs.services import job_kind, start_job
from alliance.notifications.services import Rendered, notification_kind
from authenticity.labels import services, writing
from authenticity.labels.models import BatchStatus, LabelBatch

WRITE_BATCH = "labels.write_batch"


def start_writing(actor, batch: LabelBatch) -> Job | None:
    """Queue the writing of the rest of a batch (None when its first chunk was all of it)."""
    if batch.status != BatchStatus.WRITING:
        return None
    return start_job(actor, WRITE_BATCH, {"batch_id": batch.id, "quantity": batch.quantity})


@job_kind(WRITE_BATCH, _l("Writing genuine-book labels"))
def run_writing(job: Job, progress) -> dict:
    """Write a batch's labels chunk by chunk, each committed, telling how far it has got."""
    batch = db.session.get(LabelBatch, job.params["batch_id"])
    batch_id, quantity = batch.id, batch.quantity  # read now: between chunks nothing is read
    if batch.status == BatchStatus.WRITING:

        def written(count: int) -> None:
            progress(count / quantity, _l("%(n)s labels written", n=f"{count:,}"))

        services.finish_writing(job.owner, batch, written)
    return {
        "summary": str(_l("%(n)s labels are ready to download.", n=quantity)),
        "link_endpoint": "labels.detail",
        "link_args": {"batch_id": batch_id},
        "link_label": str(_l("Open the batch")),
    }


@periodic(minute="*/2")
def resume_stalled_batches() -> None:
    """Finish the batches whose writer stopped (a worker or a request that died)."""
    for batch in writing.stalled_batches():
        services.resume_writing(None, batch)


@notification_kind(
    "labels.seller_reported", _l("A reader reported the seller of a label that may be copied")
)
def _seller_reported(params: dict) -> Rendered:
    text = _l(
        "A reader reported where they bought a copy of “%(title)s” (batch #%(batch_id)s) whose "
        "label may have been copied: %(place)s",
        title=params["title"],
        batch_id=params["batch_id"],
        place=params["place"],
    )
    return Rendered(str(text), "labels.reports_index", {})
