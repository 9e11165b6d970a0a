"""Pages of a user's jobs: the list, one job with its progress bar, and retrying one."""

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import role_required
from alliance.extensions import db
from alliance.jobs import bp, services
from alliance.jobs.models import STATUS_LABELS, JobStatus
from alliance.web import perform

PER_PAGE = 25


@bp.route("/")
@role_required()
def index():
    """List the user's jobs, newest first."""
    page = db.paginate(services.jobs_of(current_user), per_page=PER_PAGE, error_out=False)
    return render_template(
        "jobs/index.html", page=page, labels=STATUS_LABELS, kind_label=services.kind_label
    )


@bp.route("/<int:job_id>")
@role_required()
def detail(job_id):
    """Show one job: a progress bar while it runs, then its result, problems or error."""
    job = services.job_for(current_user, job_id)
    return render_template(
        "jobs/detail.html",
        job=job,
        labels=STATUS_LABELS,
        kind_label=services.kind_label,
        running=job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
    )


@bp.route("/<int:job_id>/status")
@role_required()
def status(job_id):
    """Answer the progress of a job as JSON, for its page to update itself."""
    job = services.job_for(current_user, job_id)
    return jsonify(
        status=job.status,
        status_label=str(STATUS_LABELS[JobStatus(job.status)]),
        progress=round(job.progress, 3),
        stage=job.stage,
    )


@bp.route("/<int:job_id>/retry", methods=["POST"])
@role_required()
def retry(job_id):
    """Queue a failed job again."""
    job = services.job_for(current_user, job_id)
    if perform(lambda: services.retry_job(current_user, job)):
        flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.detail", job_id=job_id))
