"""The report filter form, written by templates/reports/_filters.html from plain values:
every field keeps its label, its chosen value and its error, and every error a field
points at (aria-describedby) is on the page."""
import re
from html import unescape

import pytest
from django.urls import reverse


def page(client, name, plan, query):
    return client.get(reverse(name, args=[plan.council.slug, plan.slug]) + query)


def selected(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


@pytest.mark.parametrize("name", ["reports:proposal_list", "reports:rollup"])
def test_every_filter_has_a_label_and_shows_the_chosen_values(client_for, commissioner, ce_plan, name):
    outcome = ce_plan.council.outcomes.order_by("position").last()
    response = page(client_for(commissioner), name, ce_plan,
                    f"?outcome={outcome.pk}&kind=capital&view=incremental&status=draft&status=approved")
    html = response.content.decode()
    assert response.status_code == 200
    for field_id in re.findall(r'<(?:select|input type="text")[^>]* id="([^"]+)"', html):
        assert f'<label for="{field_id}">' in html, field_id
    assert selected(html, "outcome") == [str(outcome.pk)]
    assert selected(html, "kind") == ["capital"]
    assert selected(html, "view") == ["incremental"]
    assert selected(html, "theme") == [""]
    checked = re.findall(r'<input type="checkbox" name="status" value="(\w+)" id="id_status_\d"( checked)?>', html)
    assert [value for value, tick in checked if tick] == ["draft", "approved"]
    assert len(checked) == 6


def test_search_text_is_kept_as_text(client_for, commissioner, ce_plan):
    html = page(client_for(commissioner), "reports:proposal_list", ce_plan, "?q=%3Cb%3E%22x").content.decode()
    assert '<input type="text" name="q" value="&lt;b&gt;&quot;x" id="id_q">' in html


@pytest.mark.parametrize("name", ["reports:proposal_list", "reports:rollup"])
def test_a_field_in_error_points_at_its_message(client_for, commissioner, ce_plan, name):
    response = page(client_for(commissioner), name, ce_plan, "?outcome=zzz&view=nope&status=bogus")
    html = response.content.decode()
    assert response.status_code == 400
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert {"id_outcome_error", "id_view_error"} <= set(described)
    for target in described:
        message = re.search(rf'<p class="error-message" id="{target}">(.*?)</p>', html, re.S)
        assert message, target
    outcome_message = re.search(r'id="id_outcome_error">(.*?)</p>', html, re.S).group(1)
    assert "“zzz” is not an outcome of" in unescape(outcome_message)
    assert 'value="draft" id="id_status_0" aria-invalid="true">' in html
