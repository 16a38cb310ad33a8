"""Helpers for the editing tests: URLs of a proposal's pages, and the POST the edit
form sends, built from what is in the database (as a browser would send it back)."""
from django.urls import reverse

from proposals.money import format_m


def url(name, proposal):
    plan = proposal.plan
    return reverse(f"proposals:{name}", args=[plan.council.slug, plan.slug, proposal.pk])


def new_url(plan):
    return reverse("proposals:new", args=[plan.council.slug, plan.slug])


def current_lines(proposal):
    rows = []
    for line in proposal.lines.prefetch_related("variations__year"):
        row = {"service_budget": line.service_budget_id}
        for variation in line.variations.all():
            row[f"y{variation.year.start_year}"] = format_m(variation.amount_k)
        rows.append(row)
    return rows


def form_data(proposal=None, *, lines=None, version=None, **fields):
    """The edit form's POST: the proposal as it stands, with ``fields`` and ``lines`` changed."""
    data = {"reference": "", "title": "", "kind": "", "theme": "", "outcome": "", "description": ""}
    if proposal is not None:
        data.update(
            reference=proposal.reference or "", title=proposal.title, kind=proposal.kind,
            theme=proposal.theme_id or "", outcome=proposal.outcome_id, description=proposal.description,
            version=proposal.version if version is None else version,
        )
        if lines is None:
            lines = current_lines(proposal)
    data.update(fields)
    lines = lines or []
    data["lines-TOTAL_FORMS"] = str(len(lines))
    data["lines-INITIAL_FORMS"] = str(len(lines))
    data["lines-MIN_NUM_FORMS"] = "0"
    data["lines-MAX_NUM_FORMS"] = "40"
    for index, row in enumerate(lines):
        for name, value in row.items():
            data[f"lines-{index}-{name}"] = "" if value is None else value
    return {name: "" if value is None else value for name, value in data.items()}


def set_figure(lines, budget_id, start_year, text):
    for row in lines:
        if row["service_budget"] == budget_id:
            row[f"y{start_year}"] = text
            return lines
    raise AssertionError(f"no line for budget {budget_id}")


def shown_message(client, proposal):
    """The flash message the next page shows (read on the history page, which editing owns)."""
    import re
    html = client.get(url("history", proposal)).content.decode()
    return " ".join(re.findall(r'<p class="message[^"]*">(.*?)</p>', html, re.S))
