"""A user's background jobs: start one (POST), follow its progress (a page that refreshes
itself, and the JSON its script polls), download its file (or open what it made), and
list them.

Every job page answers only the person who started the job or an administrator of its
council (``proposals.permissions.can_see_job``); anyone else gets a 404, as for a job
that does not exist.
"""
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from proposals.permissions import can_see_job

from .kinds import KINDS, Refused
from .models import Job
from .services import recover, start_job

LISTED = 50


def get_job_or_404(user, pk):
    """The job ``pk`` (without its file) if ``user`` may see it; a job whose worker died is
    recovered first, so a status read never shows "running" for ever."""
    job = Job.objects.without_result().select_related("user").filter(pk=pk).first()
    if job is None or not can_see_job(user, job):
        raise Http404("No such job.")
    if job.is_stale():
        recover(job)
        job = Job.objects.without_result().select_related("user").get(pk=pk)
    return job


@require_POST
def start(request, kind):
    """Start a job of ``kind`` with the fields posted; to its status page."""
    job_kind = KINDS.get(kind)
    if job_kind is None or not job_kind.from_form:
        raise Http404("No such kind of job.")
    # A field sent more than once (checkboxes) is its list of values.
    posted = {name: values if len(values) > 1 else values[0] for name, values in request.POST.lists()
              if name != "csrfmiddlewaretoken"}
    try:
        job = start_job(user=request.user, kind=job_kind, posted=posted)
    except Refused as refused:
        return render(request, "jobs/refused.html", {"kind": job_kind, "reason": str(refused)}, status=400)
    return redirect("jobs:status", job.pk)


@require_GET
def status(request, pk):
    return render(request, "jobs/status.html", {"job": get_job_or_404(request.user, pk)})


def status_data(job):
    return {
        "id": job.pk,
        "status": job.status,
        "status_text": render_to_string("jobs/_status_text.html", {"job": job}).strip(),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "finished": job.finished,
        "message": job.message,
        "download_url": reverse("jobs:download", args=[job.pk]) if job.downloadable else None,
        "open_url": job.opens or None,
        "result_name": job.result_name,
    }


@require_GET
def status_json(request, pk):
    return JsonResponse(status_data(get_job_or_404(request.user, pk)))


@require_GET
def download(request, pk):
    job = get_job_or_404(request.user, pk)
    if not job.downloadable:
        raise Http404("This job has no file to download (not finished, failed, or expired).")
    data = Job.objects.filter(pk=job.pk).values_list("result", flat=True).get()
    response = HttpResponse(bytes(data), content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response


@require_GET
def job_list(request):
    jobs = Job.objects.without_result().filter(user=request.user)[:LISTED]
    return render(request, "jobs/list.html", {"jobs": jobs, "listed": LISTED, "days": settings.JOB_RESULT_DAYS})
