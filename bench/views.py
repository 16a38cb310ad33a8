"""Baseline pages for the benchmark suite, served only under bench.settings.

- ``minimal``: the least a signed-in request can cost on this stack (middleware, session,
  user), for the throughput baseline.
- ``minimal_list``: the same proposal rows the list page shows, sorted by net, rendered by a
  hand-written template with no table library: the list page's baseline.
"""
from django.http import HttpResponse
from django.template import engines

from proposals.models import Proposal
from proposals.money import format_m

MINIMAL_LIST = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Proposals</title></head><body>
<table><caption>Proposals</caption><thead><tr><th scope="col">Ref</th><th scope="col">Title</th>
<th scope="col">Outcome</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Net £m</th></tr></thead>
<tbody>{% for p in rows %}<tr><td>{{ p.reference }}</td><td>{{ p.title }}</td><td>{{ p.outcome }}</td>
<td>{{ p.kind }}</td><td>{{ p.status }}</td><td>{{ p.net }}</td></tr>{% endfor %}</tbody></table></body></html>"""
)


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


def minimal_list(request, plan_id=None):
    per_page = int(request.GET.get("per_page", "25"))
    descending = request.GET.get("sort", "net").startswith("-")
    proposals = Proposal.objects.visible_to(request.user).counted()
    if plan_id is not None:
        proposals = proposals.filter(plan_id=plan_id)
    order = ("-net_k", "-id") if descending else ("net_k", "id")
    rows = [
        {"reference": f"[{ref}]" if ref else "[NEW]", "title": title, "outcome": outcome, "kind": kind,
         "status": status, "net": format_m(net)}
        for ref, title, outcome, kind, status, net in proposals.order_by(*order).values_list(
            "reference", "title", "outcome__title", "kind", "status", "net_k"
        )[:per_page]
    ]
    return HttpResponse(MINIMAL_LIST.render({"rows": rows}, request))
