"""Baseline pages for the benchmark suite, served only under bench.settings.

- ``minimal``: the least a signed-in request can cost on this stack (middleware, session,
  user), for the throughput baseline.
- ``minimal_list``: the same proposal rows the list page shows, sorted by net, rendered by a
  hand-written template with no table library: the list page's older baseline.
- ``floor_rollup`` and ``floor_list``: the pages' floors (issue 16): a signed-in request,
  the same sums and columns by raw SQL, a bare template of the same rows.
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


# The pages' floors (issue 16): what a user cannot avoid waiting for. A signed-in request
# through the same middleware, the same sums as raw SQL, and a bare template rendering
# the same rows and columns; everything the page adds beyond that is its machinery.

FLOOR_ROLLUP = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roll-up</title></head><body>
<table><caption>Roll-up by outcome, £m</caption><thead><tr><th scope="col">Outcome</th><th scope="col">Figure</th>
{% for y in years %}<th scope="col">{{ y }}</th>{% endfor %}<th scope="col">Total</th></tr></thead>
{% for group in groups %}<tbody>{% for label, cells in group.measures %}<tr>{% if forloop.first %}<th scope="rowgroup"
rowspan="3">{{ group.label }}</th>{% endif %}<th scope="row">{{ label }}</th>{% for c in cells %}<td>{{ c }}</td>
{% endfor %}</tr>{% endfor %}</tbody>{% endfor %}</table></body></html>"""
)
# The outcome × year sums, over the plan's figures now or a snapshot's copies of them.
_FLOOR_SUMS = """
SELECT o.id, o.code, o.title, o.position, v.year_id,
       COALESCE(SUM(v.amount_k) FILTER (WHERE v.amount_k > 0), 0),
       COALESCE(SUM(v.amount_k) FILTER (WHERE v.amount_k < 0), 0)
FROM proposals_{figure} v JOIN proposals_{line} l ON l.id = v.line_id
JOIN proposals_{proposal} p ON p.id = l.proposal_id JOIN outcomes_outcome o ON o.id = p.outcome_id
WHERE p.{scope} = %s AND p.status NOT IN ('rejected', 'withdrawn')
GROUP BY o.id, o.code, o.title, o.position, v.year_id ORDER BY o.position, o.code
"""
ROLLUP_FLOOR_SQL = _FLOOR_SUMS.format(figure="variation", line="impactline", proposal="proposal", scope="plan_id")
SNAPSHOT_ROLLUP_FLOOR_SQL = _FLOOR_SUMS.format(figure="snapshotfigure", line="snapshotline",
                                               proposal="snapshotproposal", scope="snapshot_id")
YEARS_SQL = "SELECT id, start_year FROM proposals_planyear WHERE plan_id = %s ORDER BY start_year"


def _raw(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def floor_rollup(request, plan_id):
    """The roll-up page's floor: the plan's years and the outcome × year sums by raw SQL,
    pivoted into investment, saving and net rows per outcome, in a bare template.
    ``?snapshot=ID``: the same as at that snapshot (the as-at page's floor)."""
    years = _raw(YEARS_SQL, [plan_id])
    position = {year_id: i for i, (year_id, _start) in enumerate(years)}
    groups = {}
    snapshot = request.GET.get("snapshot")
    sums = _raw(SNAPSHOT_ROLLUP_FLOOR_SQL, [int(snapshot)]) if snapshot else _raw(ROLLUP_FLOOR_SQL, [plan_id])
    for outcome_id, code, title, _pos, year_id, up, down in sums:
        cells = groups.setdefault(outcome_id, {"label": f"Outcome {code} – {title}",
                                               "sums": [[0, 0] for _ in years]})
        if year_id in position:
            cells["sums"][position[year_id]] = [up, down]
    shown = []
    for group in groups.values():
        ups, downs = [s[0] for s in group["sums"]], [s[1] for s in group["sums"]]
        nets = [u + d for u, d in zip(ups, downs, strict=True)]
        shown.append({"label": group["label"], "measures": [
            (label, [format_m(v) for v in values] + [format_m(sum(values))])
            for label, values in (("Investment", ups), ("Saving", downs), ("Net", nets))]})
    labels = [f"{start}/{(start + 1) % 100:02d}" for _id, start in years]
    return HttpResponse(FLOOR_ROLLUP.render({"years": labels, "groups": shown}, request))


FLOOR_LIST = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Proposals</title></head><body>
<table><caption>{{ count }} proposals</caption><thead><tr><th scope="col">Ref</th><th scope="col">Title</th>
<th scope="col">Outcome</th><th scope="col">Theme</th><th scope="col">Kind</th><th scope="col">Status</th>
{% for y in years %}<th scope="col">{{ y }}</th>{% endfor %}<th scope="col">Net £m</th></tr></thead>
<tbody>{% for p in rows %}<tr><td>{{ p.0 }}</td><td><a href="{{ p.7 }}">{{ p.1 }}</a></td><td>{{ p.2 }}</td>
<td>{{ p.3 }}</td><td>{{ p.4 }}</td><td>{{ p.5 }}</td>{% for c in p.6 %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</tbody><tfoot><tr><th scope="row" colspan="6">Total</th>{% for c in totals %}<td>{{ c }}</td>{% endfor %}</tr>
</tfoot></table></body></html>"""
)


def floor_list(request, plan_id):
    """The list page's floor: the same columns and sums (a figure per year and the net for
    the page's rows, sorted by net; the count; the totals over every row) by raw SQL, in
    a bare template with each row's link."""
    per_page = int(request.GET.get("per_page", "25"))
    years = _raw(YEARS_SQL, [plan_id])
    year_ids = [year_id for year_id, _start in years]
    sums = ", ".join(f"(SELECT SUM(v.amount_k) FROM proposals_variation v JOIN proposals_impactline l "
                     f"ON l.id = v.line_id WHERE l.proposal_id = p.id AND v.year_id = {int(y)})" for y in year_ids)
    page = _raw(
        f"""SELECT p.id, p.reference, p.title, o.code, t.name, p.kind, p.status, p.net_k{', ' + sums if sums else ''}
            FROM proposals_proposal p JOIN outcomes_outcome o ON o.id = p.outcome_id
            LEFT JOIN proposals_theme t ON t.id = p.theme_id
            WHERE p.plan_id = %s AND p.status NOT IN ('rejected', 'withdrawn')
            ORDER BY p.net_k DESC, p.id DESC LIMIT %s""", [plan_id, per_page])  # nosec B608 # ids are ints
    count = _raw("SELECT COUNT(*) FROM proposals_proposal WHERE plan_id = %s AND status NOT IN "
                 "('rejected', 'withdrawn')", [plan_id])[0][0]
    totals = dict(_raw("""SELECT v.year_id, SUM(v.amount_k) FROM proposals_variation v
        JOIN proposals_impactline l ON l.id = v.line_id JOIN proposals_proposal p ON p.id = l.proposal_id
        WHERE p.plan_id = %s AND p.status NOT IN ('rejected', 'withdrawn') GROUP BY v.year_id""", [plan_id]))
    rows = []
    for pk, ref, title, outcome, theme, kind, status, net, *figures in page:
        rows.append((f"[{ref}]" if ref else "[NEW]", title, outcome, theme or "No theme", kind, status,
                     ["–" if f is None else format_m(f) for f in figures] + [format_m(net)], f"/p/{pk}/"))
    shown_totals = ["–" if totals.get(y) is None else format_m(totals[y]) for y in year_ids]
    shown_totals.append(format_m(sum(v for v in totals.values() if v is not None)))
    labels = [f"{start}/{(start + 1) % 100:02d}" for _id, start in years]
    return HttpResponse(FLOOR_LIST.render({"years": labels, "rows": rows, "count": count,
                                           "totals": shown_totals}, request))


FLOOR_DELIVERY = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Delivery</title></head><body>
{% for heading, groups in groupings %}<table><caption>{{ heading }}</caption><tbody>{% for label, cells in groups %}
<tr><th scope="row">{{ label }}</th>{% for c in cells %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% endfor %}<table><caption>Trend</caption><tbody>{% for label, cells in trend %}<tr><th scope="row">{{ label }}</th>
{% for c in cells %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
<table><caption>Returns</caption><tbody>{% for r in returns %}<tr><td>{{ r.0 }}</td><td>{{ r.1 }}</td><td>{{ r.2 }}</td>
<td>{{ r.3 }}</td>{% for c in r.4 %}<td>{{ c }}</td>{% endfor %}<td>{{ r.5 }}</td><td>{{ r.6 }}</td></tr>{% endfor %}
</tbody></table></body></html>"""
)
DELIVERY_GROUPS_SQL = """
SELECT r.rating, p.outcome_id, o.code, o.title, o.position, p.theme_id, t.name, t.position,
       r.service_budget_id, b.name, COUNT(r.id), SUM(r.target_k), SUM(r.slippage_in_k), SUM(r.forecast_k)
FROM delivery_deliveryreturn r JOIN proposals_proposal p ON p.id = r.proposal_id
JOIN outcomes_outcome o ON o.id = p.outcome_id LEFT JOIN proposals_theme t ON t.id = p.theme_id
LEFT JOIN proposals_servicebudget b ON b.id = r.service_budget_id
WHERE r.period_id = %s
GROUP BY r.rating, p.outcome_id, o.code, o.title, o.position, p.theme_id, t.name, t.position,
         r.service_budget_id, b.name
"""
DELIVERY_TREND_SQL = """
SELECT m.id, m.quarter, y.start_year, COUNT(r.id), SUM(r.target_k), SUM(r.slippage_in_k), SUM(r.forecast_k)
FROM delivery_monitoringperiod m JOIN proposals_planyear y ON y.id = m.year_id
LEFT JOIN delivery_deliveryreturn r ON r.period_id = m.id
WHERE m.plan_id = %s GROUP BY m.id, m.quarter, y.start_year ORDER BY y.start_year, m.quarter
"""
DELIVERY_RETURNS_SQL = """
SELECT p.reference, p.title, o.code, r.rating, r.target_k, r.slippage_in_k, r.forecast_k, r.commentary,
       r.lead_officer
FROM delivery_deliveryreturn r JOIN proposals_proposal p ON p.id = r.proposal_id
JOIN outcomes_outcome o ON o.id = p.outcome_id
WHERE r.period_id = %s ORDER BY o.position, o.code, p.position, p.id
"""


def floor_delivery(request, period_id):
    """The delivery summary page's floor: the period's returns summed by rating, outcome,
    theme and service budget (one grouped query, added up in Python as the page must),
    the plan's trend, and the period's returns, by raw SQL, in a bare template."""
    plan_id = _raw("SELECT plan_id FROM delivery_monitoringperiod WHERE id = %s", [period_id])[0][0]

    def figures(totals):
        returns, target, slipped, forecast = totals
        shortfall = forecast - target - slipped
        share = f"{forecast * 100 / (target + slipped):.1f}%" if target + slipped else "–"
        return [returns, format_m(target), format_m(slipped), format_m(forecast), format_m(shortfall), share]

    groups = {name: {} for name in ("rating", "outcome", "theme", "service")}
    for rating, _o, code, title, _op, _theme_id, theme, _tp, _budget_id, budget, *sums in _raw(
            DELIVERY_GROUPS_SQL, [period_id]):
        for name, key in (("rating", rating), ("outcome", f"Outcome {code} – {title}"),
                          ("theme", theme or "No theme"), ("service", budget or "No service budget")):
            found = groups[name].setdefault(key, [0, 0, 0, 0])
            for index, value in enumerate(sums):
                found[index] += value or 0
    groupings = [(name, [(label, figures(totals)) for label, totals in sorted(found.items())])
                 for name, found in groups.items()]
    trend = [(f"{start}/{(start + 1) % 100:02d} Q{quarter}", figures([value or 0 for value in sums]))
             for _id, quarter, start, *sums in _raw(DELIVERY_TREND_SQL, [plan_id])]
    returns = [(f"[{ref}]" if ref else "[NEW]", title, code, rating,
                [format_m(v) for v in (target, slipped, forecast, forecast - target - slipped)], commentary, lead)
               for ref, title, code, rating, target, slipped, forecast, commentary, lead in _raw(
                   DELIVERY_RETURNS_SQL, [period_id])]
    return HttpResponse(FLOOR_DELIVERY.render({"groupings": groupings, "trend": trend, "returns": returns}, request))
