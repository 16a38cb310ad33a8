"""The budget book page: a plan's proposals outcome by outcome and theme by theme as the
published budget book prints them (now, or as at a snapshot), with a print stylesheet
so the browser's own print makes the appendix; the .docx is workbooks.book_views."""
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.permissions import get_plan_or_404

from .book import book_figure, budget_book
from .views import report_source


@require_safe
def book_page(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    source, errors = report_source(request, plan)
    context = {"plan": plan, "council": plan.council, "errors": errors, "source": source,
               "snapshots": list(plan.snapshots.all())}
    if errors:
        return render(request, "reports/book.html", context, status=400)
    book = budget_book(source)
    unit = plan.unit
    for outcome in book.outcomes:
        outcome.shown_totals = [book_figure(v, unit) for v in outcome.totals]
        for theme in outcome.themes:
            theme.shown_totals = [book_figure(v, unit) for v in theme.totals]
            for proposal in theme.proposals:
                for line in proposal.lines:
                    line.shown = [book_figure(v, unit) for v in line.figures]
    context.update(book=book, years=book.years)
    return render(request, "reports/book.html", context)
