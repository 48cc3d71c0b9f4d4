"""Background jobs' pages: the list of one's jobs, a job's progress, its file, trying
a failed one again."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.forms import ButtonForm
from crm.services import jobs
from crm.views_common import save

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("")
def index():
    """The user's background jobs, newest first (administrators see everyone's)."""
    listed = jobs.listed(current_user)
    return render_template(
        "jobs/index.html", rows=[(job, jobs.state_of(job)) for job in listed]
    )


@bp.route("/<int:job_id>")
def detail(job_id: int):
    """How far the job has got; the page refreshes itself until it has finished."""
    job = jobs.get(current_user, job_id)
    return render_template(
        "jobs/detail.html", job=job, state=jobs.state_of(job), button_form=ButtonForm(),
        may_download=jobs.may_download(current_user, job), file_kept=jobs.file_kept(job),
    )


@bp.route("/<int:job_id>/file")
def download(job_id: int):
    """The file the job made (a report's PDF; a subject access export only for the
    person who asked, while they hold its rights)."""
    job = jobs.file_of(current_user, job_id)
    if job.status != "done" or job.result_data is None:
        return render_template("errors/404.html"), 404
    if not jobs.file_kept(job):
        flash(_("The file is no longer kept (files are kept for %(num)s days): make it again",
                num=jobs.file_days()), "info")  # fmt: skip
        return redirect(url_for(".detail", job_id=job.id))
    save(lambda: jobs.downloaded(current_user, job))
    return Response(
        job.result_data,
        mimetype=job.result_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{job.result_name}"'},
    )


@bp.route("/<int:job_id>/retry", methods=["POST"])
def retry(job_id: int):
    """Queue a failed job again (a worker that stopped counts as failed)."""
    job = jobs.get(current_user, job_id)
    if ButtonForm().validate_on_submit():
        try:
            save(lambda: jobs.retry(current_user, job))
        except jobs.JobFailed as refused:
            flash(str(refused), "info")
            return redirect(url_for(".detail", job_id=job.id))
        jobs.start(job)
        flash(_("The job has been queued again"), "success")
    return redirect(url_for(".detail", job_id=job.id))
