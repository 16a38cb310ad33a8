"""The kinds of job a user can start, one ``Kind`` each in ``KINDS``.

A kind says what it is called, what its failure message begins with, how to turn what
the user posted into the job's council and parameters (``prepare``: refusing anything it
does not expect, with a message, before any job exists), and how to do the work
(``run``: told the job and its ``Progress``, returns the file). Adding a kind is writing
those two functions and one ``register`` call.
"""
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from councils.access import councils_for
from proposals.models import Proposal
from reports.downloads import XLSX_TYPE
from workbooks.exports import FlatScope, write_flat_export


class Refused(Exception):
    """What the user asked for cannot be started; the message is for them."""


class JobFailed(Exception):
    """The work could not be finished; the message (after the kind's ``failure`` words) is for the user."""


@dataclass(frozen=True)
class JobFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    failure: str  # "The export could not be finished"
    prepare: Callable[[Any, dict], tuple[Any, dict]]  # (user, posted) -> (council or None, parameters)
    run: Callable[[Any, Any], JobFile]  # (job, progress) -> the file


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def no_parameters(user, posted):
    """For a kind that takes nothing: any field posted is refused."""
    if posted:
        names = ", ".join(sorted(posted))
        raise Refused(f"This job takes no choices, but the form sent: {names}. Nothing was started.")
    return None, {}


def counting_proposals(progress, every=200):
    """A ``watch`` for the flat export: counts the proposals whose rows have been written
    (a proposal's rows come together; its id is the row's eleventh value) and tells
    ``progress`` every ``every`` proposals."""

    def watch(rows: Iterator[list]) -> Iterator[list]:
        done, current = 0, None
        for row in rows:
            if row[10] != current:
                current = row[10]
                done += 1
                if done % every == 0:
                    progress.advance(done)
            yield row
        progress.advance(done)

    return watch


def national_export(job, progress):
    """Every proposal of every council the job's user may see (an administrator: all),
    as the all-councils flat list (.xlsx), counted in proposals."""
    scope = FlatScope.for_councils(councils_for(job.user))
    progress.start(Proposal.objects.filter(scope.scope).count())
    out = io.BytesIO()
    write_flat_export(scope=scope, out=out, watch=counting_proposals(progress))
    return JobFile("all-councils-proposals.xlsx", XLSX_TYPE, out.getvalue())


NATIONAL_EXPORT = register(Kind(
    name="national_export",
    label="All your councils' proposals, one row per impact line (.xlsx)",
    failure="The export could not be finished",
    prepare=no_parameters,
    run=national_export,
))
