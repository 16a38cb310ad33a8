"""Counts in the navigation: what waits for the user, by the same rules as the home page's
queues, in one query for approvers and officers and none for anyone else."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.access import council_roles
from councils.models import Role
from proposals.models import Proposal, Status
from proposals.queue import awaiting_approval, counts, my_drafts
from tests.conftest import proposal


@pytest.fixture
def queued(ce_plan, cwac_plan, officer):
    Proposal.objects.filter(plan=ce_plan, reference__in=["41", "42"]).update(status=Status.SUBMITTED)
    Proposal.objects.filter(plan=ce_plan, reference__in=["33", "34", "35"]).update(status=Status.DRAFT,
                                                                                     created_by=officer)
    Proposal.objects.filter(plan=cwac_plan).update(status=Status.DRAFT, created_by=officer)  # not his council
    return ce_plan


def test_counts_agree_with_the_home_queues(queued, approver, officer, django_assert_num_queries):
    for user in (approver, officer):
        council_roles(user).council_ids_with(Role.OFFICER)  # read once per request, as every page does
        with django_assert_num_queries(1):
            found = counts(user)
        assert found.awaiting == awaiting_approval(user).total
        assert found.drafts == my_drafts(user).total
    assert (counts(approver).awaiting, counts(approver).drafts) == (15, 0)  # 13 out to consultation, 2 submitted
    assert (counts(officer).awaiting, counts(officer).drafts) == (0, 3)  # Cheshire West's are not his


def test_nobody_else_pays_a_query(queued, commissioner, outsider):
    for user in (commissioner, outsider):
        council_roles(user).council_ids_with(Role.OFFICER)
        with CaptureQueriesContext(connection) as queries:
            assert counts(user).total == 0
        assert len(queries) == 0


def test_the_navigation_shows_the_count_and_links_to_the_queue(queued, client_for, approver, officer, commissioner):
    html = client_for(approver).get("/proposals/").content.decode()
    assert 'href="/#awaiting-heading"' in html and '<span class="nav-count">15</span>' in html
    assert "15 to approve" in html
    html = client_for(officer).get("/proposals/").content.decode()
    assert 'href="/#drafts-heading"' in html and "3 drafts of yours" in html
    assert "Waiting for you" not in client_for(commissioner).get("/proposals/").content.decode()


def test_a_closed_plan_waits_for_nobody(queued, approver):
    type(queued).objects.filter(pk=queued.pk).update(is_closed=True)
    assert counts(approver).total == 0
    assert proposal(queued, "41").status == Status.SUBMITTED


def test_a_site_administrators_queues_are_the_councils_they_belong_to(queued, admin_user, client_for):
    """A site administrator may approve anywhere, but only the councils they are a member
    of are their work: no national count on every page (README, Performance)."""
    from councils.models import Council, Membership

    assert counts(admin_user).total == 0 and awaiting_approval(admin_user).total == 0
    assert "Waiting for you" not in client_for(admin_user).get("/proposals/").content.decode()
    Membership.objects.create(user=admin_user, council=Council.objects.get(slug="cheshire-east"), role=Role.OFFICER)
    del admin_user.council_roles  # roles are read once per request; this is a new one
    found = counts(admin_user)
    assert found.awaiting == awaiting_approval(admin_user).total == 15  # every role where they belong: approving too
    assert found.drafts == my_drafts(admin_user).total == 0  # the drafts are the officer's, not theirs
    html = client_for(admin_user).get("/proposals/").content.decode()
    assert '<span class="nav-count">15</span>' in html
