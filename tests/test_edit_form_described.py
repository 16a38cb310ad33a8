"""Every field of the proposal form names its hint and, when it is in error, its message
in aria-describedby (Django's BoundField.aria_describedby), and every id it names is on
the page: on the blank form, the form as it stands, and the form with errors."""
import re

from tests.conftest import proposal
from tests.editing import current_lines, form_data, new_url, set_figure, url


def described_ids(html):
    """{field id: [ids its aria-describedby names]} for every input, select and textarea."""
    found = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        field_id = re.search(r'\bid="([^"]+)"', tag)
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        if field_id and described:
            found[field_id.group(1)] = described.group(1).split()
    return found


def assert_targets_exist(html):
    for field_id, targets in described_ids(html).items():
        for target in targets:
            assert f'id="{target}"' in html, f"{field_id} points at {target}, which is not on the page"


def test_the_blank_form_points_each_field_at_its_hint(client_for, officer, ce_plan):
    html = client_for(officer).get(new_url(ce_plan)).content.decode()
    assert described_ids(html)["id_reference"] == ["id_reference_helptext"]
    assert_targets_exist(html)


def test_fields_in_error_point_at_their_hint_and_message(client_for, officer, ce_plan):
    p41 = proposal(ce_plan, "41")
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2020, "8.5001")
    html = client_for(officer).post(url("edit", p41), form_data(p41, reference="[33]", lines=lines)).content.decode()
    described = described_ids(html)
    assert described["id_reference"] == ["id_reference_helptext", "id_reference_error"]
    assert described["id_lines-0-y2020"] == ["id_lines-0-y2020_error"]
    assert_targets_exist(html)
