"""A monitoring period's workbook: its download, for anyone who may see the council."""
import io

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from delivery.summary import PeriodNotFound, period_for
from proposals.permissions import get_plan_or_404

from .monitoring import write_monitoring_workbook
from .views import XLSX


def _plan_and_period(request, council_slug, plan_slug, slug):
    """The plan (a 404 unless the user may see its council) and its period named ``slug``."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    try:
        return plan, period_for(plan, slug)
    except PeriodNotFound as error:
        raise Http404(str(error)) from None


@require_GET
def monitoring_export(request, council_slug, plan_slug, period):
    """The period's monitoring workbook: the summary, then a row per proposal due a return."""
    plan, period = _plan_and_period(request, council_slug, plan_slug, period)
    data = write_monitoring_workbook(period, user=request.user)
    return FileResponse(io.BytesIO(data), as_attachment=True, content_type=XLSX,
                        filename=f"{plan.council.slug}-{plan.slug}-monitoring-{period.slug}.xlsx")
