"""The budget book page: a plan's proposals outcome by outcome and theme by theme as the
published budget book prints them (now, or as at a snapshot), with a print stylesheet
so the browser's own print makes the appendix; the .docx is workbooks.book_views."""
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.permissions import get_plan_or_404

from .book import budget_book, shown
from .views import report_source


@require_safe
def book_page(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    source, errors = report_source(request, plan)
    context = {"plan": plan, "council": plan.council, "errors": errors, "source": source,
               "snapshots": list(plan.snapshots.all())}
    if errors:
        return render(request, "reports/book.html", context, status=400)
    book = shown(budget_book(source))
    context.update(book=book, years=book.years)
    return render(request, "reports/book.html", context)
