"""The gap's pages and command: officers and council administrators enter its lines on
the edit page (nothing saved on a bad figure), others may not; ``manage.py gap`` prints
the table as JSON or CSV and enters the gap with --set, refusing bad arguments."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from proposals.models import ChangeSet, GapLine
from tests.conftest import db_snapshot


def edit_url(plan):
    return reverse("reports:gap_edit", args=[plan.council.slug, plan.slug])


def form(plan, **rows):
    data = {}
    for key, values in rows.items():
        for name, value in values.items():
            data[f"{key}-{name}"] = value
    return data


def test_an_officer_enters_two_lines_and_the_page_adds_them_up(client_for, officer, ce_plan):
    client = client_for(officer)
    assert client.get(edit_url(ce_plan)).status_code == 200
    response = client.post(edit_url(ce_plan), form(ce_plan, new={
        "name": "Net budget requirement", "sign": "1", "y2019": "12.5", "y2020": "", "y2021": "", "source": "MTFS"}))
    assert response.status_code == 302
    line = GapLine.objects.get(plan=ce_plan)
    response = client.post(edit_url(ce_plan), form(
        ce_plan, new={"name": "Council tax", "sign": "-1", "y2019": "2.500", "y2020": "", "y2021": "",
                      "source": ""},
        **{f"line-{line.pk}": {"name": "Net budget requirement", "sign": "1", "y2019": "12.500", "y2020": "13",
                               "y2021": "", "source": "MTFS"}}))
    assert response.status_code == 302
    html = client.get(reverse("reports:gap", args=[ce_plan.council.slug, ce_plan.slug])).content.decode()
    # 2019/20: 12.500 needed less 2.500 of council tax; with the proposals' +3.588, 13.588 remains.
    assert "<td class=\"num\">+10.000</td>" in html and "<td class=\"num\">+13.588</td>" in html
    assert "<td class=\"num\">+13.000</td>" in html  # 2020/21: the requirement alone


def test_a_bad_figure_saves_nothing_and_says_which(client_for, officer, ce_plan):
    client = client_for(officer)
    before = db_snapshot()
    response = client.post(edit_url(ce_plan), form(ce_plan, new={
        "name": "Grants", "sign": "-1", "y2019": "lots", "y2020": "1", "y2021": "", "source": ""}))
    assert response.status_code == 400
    assert "Grants, 2019/20: “lots” is not a figure in £m" in response.content.decode().replace("&#x27;", "'")
    assert db_snapshot() == before


def test_a_commissioner_may_not_edit_and_another_council_is_a_404(client_for, commissioner, officer_cwac, ce_plan):
    assert client_for(commissioner).get(edit_url(ce_plan)).status_code == 403
    assert client_for(officer_cwac).get(edit_url(ce_plan)).status_code == 404
    assert client_for(officer_cwac).get(reverse("reports:gap", args=[ce_plan.council.slug, ce_plan.slug])
                                        ).status_code == 404


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("gap", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_sets_and_prints_the_gap(officer, ce_plan):
    data = json.loads(run("--council", "cheshire-east", "--set", "2019/20=10.000", "--user", "officer"))
    assert data["years"]["2019/20"] == {
        "gap_before": "+10.000", "approved": "0.000", "pending": "+3.588", "draft": "0.000", "net": "+3.588",
        "remaining_approved": "+10.000", "remaining_all": "+13.588",
    }
    assert data["years"]["2020/21"]["gap_before"] is None and data["as_at"] == "now"
    changeset = ChangeSet.objects.filter(council=ce_plan.council, user=officer).get()
    assert [c.describe() for c in changeset.changes.all()][-1] == "2019/20 Gap: Gap before proposals: (none) → +10.000"
    csv = run("--council", "cheshire-east", "--format", "csv")
    assert csv.splitlines()[0] == "Measure,2019/20,2020/21,2021/22"
    assert "Remaining gap: if everything counted is agreed,'+13.588,," in csv


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "2019/20=10.000"], "Name the person the gap is recorded against with --user USERNAME."),
    (["--set", "2019/20=10.000", "--user", "commissioner"], "Only the council's finance officers and administrators"),
    (["--set", "2030/31=1", "--user", "officer"], "'2030/31' is not a year of"),
    (["--set", "2019/20=ten", "--user", "officer"], "“ten” is not a figure in £m"),
    (["--set", "2019/20", "--user", "officer"], "give YEAR=AMOUNT"),
    (["--as-at", "no-such-snapshot"], "“no-such-snapshot” is not a snapshot of"),
    (["--format", "xml"], "Unknown --format 'xml'"),
    (["--plan", "nope"], "No plan 'nope'"),
])
def test_bad_arguments_are_refused_and_write_nothing(officer, commissioner, ce_plan, args, message):
    before = db_snapshot()
    with pytest.raises(CommandError, match=message.replace("(", "\\(").replace(")", "\\)")):
        run("--council", "cheshire-east", *args)
    assert db_snapshot() == before


def test_the_rollup_sets_its_proposals_against_the_gap(client_for, officer, commissioner, ce_plan):
    from proposals.gap import set_gap_before

    url = reverse("reports:rollup", args=[ce_plan.council.slug, ce_plan.slug])
    client = client_for(commissioner)
    assert "No gap entered</strong> for this plan" in client.get(url).content.decode()
    set_gap_before(plan=ce_plan, user=officer, figures={ce_plan.years.first(): 10_000})
    html = client.get(url).content.decode()
    section = html.split('id="gap-summary-heading"')[1].split("</section>")[0]
    assert "<td class=\"num\">+10.000</td>" in section and "<td class=\"num\">+13.588</td>" in section
    # Filtered to one kind, the same gap is set against the proposals shown.
    from django.db.models import Sum

    from proposals.models import Variation
    from proposals.money import format_m

    savings = Variation.objects.filter(line__proposal__plan=ce_plan, line__proposal__kind="revenue_savings",
                                       year=ce_plan.years.first()).aggregate(t=Sum("amount_k"))["t"]
    html = client.get(url, {"kind": "revenue_savings"}).content.decode()
    section = html.split('id="gap-summary-heading"')[1].split("</section>")[0]
    assert f"<td class=\"num\">{format_m(10_000 + savings)}</td>" in section


def gap_state(plan):
    from proposals.models import GapFigure

    return (list(GapLine.objects.filter(plan=plan).order_by("pk").values_list()),
            list(GapFigure.objects.filter(line__plan=plan).order_by("pk").values_list()),
            ChangeSet.objects.count())


def opened(client, plan):
    """The edit page's form as a user opened it: every field's value, by name."""
    import re

    html = client.get(edit_url(plan)).content.decode()
    return {name: value for name, value in re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', html)
            if name != "csrfmiddlewaretoken"}


def test_a_stale_edit_is_refused_with_what_the_line_holds_now_and_the_typing_kept(client_for, officer, officer2,
                                                                                 ce_plan):
    from proposals.gap import save_gap_line

    line = save_gap_line(plan=ce_plan, user=officer, name="Council tax", sign=-1,
                         figures={ce_plan.years.get(start_year=2019): 2_500})
    assert line.version == 1
    first, second = client_for(officer), client_for(officer2)
    mine, theirs = opened(first, ce_plan), opened(second, ce_plan)
    key = f"line-{line.pk}"
    assert mine[f"{key}-version"] == "1"
    assert first.post(edit_url(ce_plan), {**mine, f"{key}-y2019": "3.000"}).status_code == 302
    line.refresh_from_db()
    assert line.version == 2
    before = gap_state(ce_plan)
    response = second.post(edit_url(ce_plan), {**theirs, f"{key}-y2019": "4.250"})
    assert response.status_code == 400
    text = response.content.decode().replace("&#x27;", "'").replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "“Council tax” was saved by someone else after you opened this page, so nothing has been saved." in text
    assert "It now reads: reduces the gap (funding), 2019/20 +3.000." in text
    assert 'value="4.250"' in text  # what the second officer typed is still in the form
    assert gap_state(ce_plan) == before
    # Removing it from the old page is refused the same way.
    response = second.post(edit_url(ce_plan), {**theirs, f"{key}-delete": "on"})
    assert response.status_code == 400 and gap_state(ce_plan) == before


def test_a_save_that_changes_nothing_keeps_the_version(client_for, officer, ce_plan):
    from proposals.gap import save_gap_line

    line = save_gap_line(plan=ce_plan, user=officer, name="Grants", sign=-1, figures={})
    client = client_for(officer)
    assert client.post(edit_url(ce_plan), opened(client, ce_plan)).status_code == 302
    line.refresh_from_db()
    assert line.version == 1


def test_editing_a_line_someone_removed_says_so_and_saves_nothing(client_for, officer, officer2, ce_plan):
    from proposals.gap import delete_gap_line, save_gap_line

    line = save_gap_line(plan=ce_plan, user=officer, name="Use of reserves", sign=-1, figures={})
    other = save_gap_line(plan=ce_plan, user=officer, name="Grants", sign=-1, figures={})
    client = client_for(officer2)
    typed = opened(client, ce_plan)
    delete_gap_line(plan=ce_plan, user=officer, line=line)
    before = gap_state(ce_plan)
    response = client.post(edit_url(ce_plan), {**typed, f"line-{other.pk}-name": "Grants and contributions"})
    assert response.status_code == 400
    assert "1 line you were editing has been removed by someone else" in response.content.decode()
    assert gap_state(ce_plan) == before
