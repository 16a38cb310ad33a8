"""The budget book as a Word document: the same ``reports.book.budget_book`` as the page."""
import tempfile

from django.views.decorators.http import require_GET

from proposals.permissions import get_plan_or_404
from reports.book import budget_book
from reports.views import report_source

from .book_docx import write_book_docx
from .views import _bad_download, _file_response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
def book_docx(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    source, errors = report_source(request, plan)
    if errors:
        return _bad_download(errors)
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    write_book_docx(budget_book(source), out)
    name = f"{plan.council.slug}-{plan.slug}-budget-book"
    if source.snapshot is not None:
        name += f"-as-at-{source.snapshot.slug}"
    return _file_response(out, f"{name}.docx", DOCX)
