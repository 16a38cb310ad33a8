"""The roll-up's cells (reports.views._rollup_rows, rendered by reports/_rollup_cells.html): the
groups' names, however hostile, come out escaped, in the row heading and in each link's
words for screen readers, whatever the grouping."""
import pytest
from django.urls import reverse
from django.utils.html import escape

from .test_security_hostile_text import IMG, RAW_MARKUP, SCRIPT, admin_client, hostile  # noqa: F401 - fixtures


@pytest.mark.parametrize("by, shown", [("outcome", f"People {IMG}"), ("service", f"Care {SCRIPT}")])
def test_hostile_group_names_are_escaped_in_headings_and_link_words(hostile, admin_client, by, shown):  # noqa: F811
    plan = hostile.plan
    response = admin_client.get(reverse("reports:rollup", args=[plan.council.slug, plan.slug]) + f"?by={by}")
    body = response.content.decode()
    assert response.status_code == 200
    assert not RAW_MARKUP.search(body)
    assert body.count(escape(shown)) >= 1 + 3  # the row heading and at least one link per measure
    assert f"{escape(shown)}, total: show proposals</span></a>" in body
