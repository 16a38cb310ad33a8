"""The audit trail in the database: every way of changing or deleting it is refused by
the database itself, and a row altered by someone with the rights to get past that is
found by ``verify_history``, which names the broken link."""
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction

from proposals.history import CHANGE_COLUMNS, digest
from proposals.models import Change, ChangeSet, Proposal, Status
from proposals.seed import load_plan_file, seed_files
from proposals.services import change_status
from tests.history_triggers import history_triggers_off


def refused(action):
    """``action`` fails in the database, and the transaction goes on."""
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    assert "append-only" in str(error.value)


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def history():
    return list(ChangeSet.objects.order_by("pk").values_list()), list(Change.objects.order_by("pk").values_list())


@pytest.fixture
def changeset(seed):
    return ChangeSet.objects.filter(council__slug="cheshire-east").order_by("pk").first()


def test_the_orm_cannot_change_or_delete_history(changeset):
    before = history()
    refused(lambda: ChangeSet.objects.update(note="nothing happened"))
    refused(lambda: Change.objects.update(new="+0.000"))
    refused(lambda: Change.objects.all().delete())
    refused(lambda: Change.objects.filter(changeset=changeset).delete())
    changeset.note = "nothing happened"
    refused(lambda: ChangeSet.objects.bulk_update([changeset], ["note"]))
    change = changeset.changes.first()
    change.new = "+0.000"
    refused(lambda: Change.objects.bulk_update([change], ["new"]))
    # Past the models' own refusal (which has no way round it), the database refuses.
    refused(lambda: models.Model.save(changeset))
    refused(lambda: models.Model.delete(change))
    assert history() == before


def test_the_models_have_no_back_door(changeset):
    changeset.note = "nothing happened"
    for attempt in (lambda: changeset.save(), lambda: changeset.save(_allow_update=True), changeset.delete):
        with pytest.raises(PermissionError):
            attempt()


def test_raw_sql_cannot_change_or_delete_history(changeset):
    before = history()
    refused(lambda: raw("UPDATE proposals_changeset SET note = %s WHERE id = %s", ["nothing happened", changeset.pk]))
    refused(lambda: raw("UPDATE proposals_change SET new = %s", ["+0.000"]))
    refused(lambda: raw("DELETE FROM proposals_change"))
    refused(lambda: raw("DELETE FROM proposals_changeset WHERE id = %s", [changeset.pk]))
    assert history() == before


def test_on_postgresql_truncate_is_refused(changeset):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE without WHERE is refused above")
    before = history()
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # the seed's deferred foreign-key checks, which TRUNCATE will not wait for
    refused(lambda: raw("TRUNCATE proposals_change"))
    refused(lambda: raw("TRUNCATE proposals_changeset CASCADE"))
    assert history() == before


def verify(*args):
    """(exit status, what verify_history said)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_history", *args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, err.getvalue() + str(error)
    return 0, out.getvalue()


def test_an_intact_history_verifies_with_a_summary(seed):
    status, said = verify()
    assert status == 0
    count = ChangeSet.objects.count()
    assert f"History intact: 2 councils, {count:,} change sets" in said


def test_a_fresh_seed_in_an_empty_database_verifies(db):
    for path in seed_files():
        load_plan_file(path)
    status, said = verify()
    assert status == 0, said
    assert "History intact: 2 councils" in said


def tamper(sql, params=()):
    with history_triggers_off(connection):
        raw(sql, params)


def test_an_altered_change_set_is_named(changeset):
    tamper("UPDATE proposals_changeset SET note = %s WHERE id = %s", ["Approved at Council", changeset.pk])
    status, said = verify()
    assert status == 1
    assert f"cheshire-east: the chain is broken at change set {changeset.pk}: its hash does not match" in said
    assert "cheshire-west-and-chester" not in said.split("tampered with")[0]
    assert verify("--council", "cheshire-west-and-chester")[0] == 0


def test_an_altered_figure_in_a_change_is_named_by_its_change_set(seed):
    change = Change.objects.filter(kind=Change.Kind.FIGURE, changeset__council__slug="cheshire-east").last()
    tamper("UPDATE proposals_change SET new = %s, new_k = %s WHERE id = %s", ["-9.000", -9000, change.pk])
    status, said = verify("--council", "cheshire-east")
    assert status == 1
    assert f"broken at change set {change.changeset_id}: its hash does not match its content" in said


def test_a_removed_change_set_is_found_at_the_next_link(seed):
    first, second, third = ChangeSet.objects.filter(council__slug="cheshire-east").order_by("pk")[:3]
    tamper("DELETE FROM proposals_change WHERE changeset_id = %s", [second.pk])
    tamper("DELETE FROM proposals_changeset WHERE id = %s", [second.pk])
    status, said = verify()
    assert status == 1
    assert (
        f"broken at change set {third.pk}: its previous_hash does not match the hash of change set {first.pk}"
    ) in said


def test_a_rehashed_change_set_is_found_at_the_next_link(seed):
    """An attacker who also recomputes the altered row's own hash breaks the next link."""
    chain = ChangeSet.objects.filter(council__slug="cheshire-east").order_by("pk")
    first = chain.filter(subject_type__isnull=True).first()  # a proposal's (the seed's measures come first)
    second = chain.filter(pk__gt=first.pk).first()
    changes = list(first.changes.order_by("pk").values_list(*CHANGE_COLUMNS))
    forged = digest(
        previous_hash=first.previous_hash, council_id=first.council_id, proposal_id=first.proposal_id,
        subject_type=None, subject_id=None, subject_label="", user_id=first.user_id, at=first.at,
        action=first.action, version=first.version, note="forged", changes=changes,
    )
    tamper("UPDATE proposals_changeset SET note = %s, hash = %s WHERE id = %s", ["forged", forged, first.pk])
    status, said = verify()
    assert status == 1
    assert (
        f"broken at change set {second.pk}: its previous_hash does not match the hash of change set {first.pk}"
    ) in said


def test_an_unknown_council_is_a_clear_error(seed):
    status, said = verify("--council", "nowhere")
    assert status == 1
    assert "No council has the slug 'nowhere'" in said


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_saves_in_one_council_chain_one_after_the_other(seed, officer):
    """The second save waits for the first to commit, then chains onto it: the chain never
    forks (without the lock, the unique (council, previous_hash) would refuse the second)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer: two saves cannot run at once")
    first_proposal, second_proposal = Proposal.objects.filter(plan=seed["ce"]).order_by("pk")[:2]
    first_saved, release = threading.Event(), threading.Event()
    saved = {}

    def save(name, target, hold):
        try:
            with transaction.atomic():
                saved[name] = change_status(proposal=target, user=officer, to=Status.WITHDRAWN)
                if hold:
                    first_saved.set()
                    release.wait(10)
        finally:
            connection.close()

    first = threading.Thread(target=save, args=("first", first_proposal, True))
    second = threading.Thread(target=save, args=("second", second_proposal, False))
    first.start()
    assert first_saved.wait(10)
    second.start()
    second.join(0.5)
    assert second.is_alive() and "second" not in saved  # waiting for the council's chain
    release.set()
    first.join(10)
    second.join(10)
    assert saved["second"].previous_hash == saved["first"].hash
    assert verify()[0] == 0
