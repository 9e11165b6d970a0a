"""GET /api/v1/jobs/{id}: how a job the key's user started is going."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.jobs import services
from alliance.jobs.schemas import JobSchema

blp = Blueprint("jobs_api", __name__, url_prefix="/api/v1", description="Background jobs")


@blp.route("/jobs/<int:job_id>")
@blp.response(200, JobSchema)
@blp.problems(401, 404)
@api_role_required()
def get_job(job_id):
    """Return one of the user's jobs: status, progress, and result or problems."""
    return services.job_for(api_user(), job_id)
