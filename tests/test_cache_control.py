"""Every response to a signed-in person, page or download, says ``Cache-Control:
private, no-store``: a council's unpublished figures stay out of shared caches and
the browser's history. The walk covers every URL of the app (the resolver is iterated)."""
from django.test import Client

from .test_security_url_walk import app_urls, cast, objects, rolled_back, url_for  # noqa: F401 # fixtures

READER_ROLES = ("officer", "commissioner", "admin")


def no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_every_signed_in_page_and_download_is_private_and_not_stored(cast, objects):  # noqa: F811 (pytest fixtures imported for use)
    wrong, seen = [], set()
    for role in READER_ROLES:
        client = Client()
        for name, pattern in app_urls():
            client.force_login(cast[role])  # again: signing out is one of the URLs
            url = url_for(name, pattern, objects["kwargs"])
            with rolled_back():
                response = client.get(url)
            seen.add((name, response.status_code))
            if not no_store(response):
                wrong.append(f"{role} GET {url} ({name}) {response.status_code}: {response.get('Cache-Control')!r}")
    assert not wrong, "\n".join(wrong)
    downloads = {"reports:rollup_csv", "reports:rollup_xlsx", "reports:proposal_list_csv",
                 "reports:proposal_list_xlsx", "workbooks:export", "workbooks:export_flat",
                 "workbooks:export_all_csv", "jobs:download"}
    pages = {"reports:rollup", "reports:proposal_list", "proposals:history"}
    assert {(name, 200) for name in downloads | pages} <= seen


def test_the_admin_and_a_refused_page_are_not_stored_either(cast, objects, ce_plan):  # noqa: F811 (pytest fixtures imported for use)
    admin = Client()
    admin.force_login(cast["admin"])
    assert no_store(admin.get("/admin/proposals/proposal/"))
    stranger = Client()
    stranger.force_login(cast["officer_cwac"])
    assert no_store(stranger.get(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/"))


def test_pages_for_signed_out_visitors_keep_their_own_caching(db):
    assert Client().get("/accessibility/").get("Cache-Control") is None
