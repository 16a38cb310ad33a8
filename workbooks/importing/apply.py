"""Applying a preview's plan of changes: in one transaction, through the one write path
(``proposals.services`` for proposals, ``proposals.structure`` for the outcomes, themes
and service budgets the import creates, ``proposals.history.record_change`` for the
council's words for kinds), with the uploader as author and every proposal's change set
noting the file it came from. Figures are never re-read from the browser: the plan is
the preview's, kept on the server.
"""
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from outcomes.models import Outcome
from proposals import structure
from proposals.history import changes_between, record_change, snapshot
from proposals.models import BudgetPlan, ChangeSet, Proposal, ServiceBudget, Status, Theme
from proposals.permissions import can_import, recorded_user
from proposals.published import PublishedTotalError, record_totals
from proposals.services import (
    ConflictError,
    LineInput,
    ReadOnlyError,
    ReferenceInUse,
    create_proposals,
    save_proposal,
)

from ..models import KindWord


class ImportFailed(Exception):
    """Applying stopped and nothing was changed; the message is for users."""


def _create_structure(plan: BudgetPlan, wanted: dict[str, list[dict[str, str]]], user: Any) -> dict[str, list[Any]]:
    """The outcomes, themes and service budgets the preview listed, created in its order."""
    council = plan.council
    return {
        "outcomes": [structure.create_outcome(council=council, user=user, code=item["code"], title=item["name"])
                     for item in wanted.get("outcomes", [])],
        "themes": [structure.create_theme(council=council, user=user, name=item["name"])
                   for item in wanted.get("themes", [])],
        "service_budgets": [structure.create_service_budget(council=council, user=user, name=item["name"])
                            for item in wanted.get("service_budgets", [])],
    }


def remember_kind_words(*, plan: BudgetPlan, words: dict[str, str], user: Any) -> None:
    """Keep the council's words for kinds ({word: Kind value}) for its next import, each
    new or changed one recorded in the council's history."""
    can_import(user, plan).require()
    existing = {k.word: k for k in KindWord.objects.filter(council=plan.council, word__in=list(words))}
    for word, kind in words.items():
        record = existing.get(word)
        before = snapshot(record) if record is not None else None
        if record is None:
            record = KindWord(council=plan.council, word=word, kind=kind)
        elif record.kind == kind:
            continue
        record.kind = kind
        record.save()
        action = ChangeSet.Action.CREATE if before is None else ChangeSet.Action.EDIT
        record_change(user=recorded_user(user), subject=record, action=action,
                      changes=changes_between(before, snapshot(record)))


def _record_sheet_totals(plan: BudgetPlan, plan_of_changes: dict[str, Any], written: dict[str, list[Proposal]],
                         user: Any) -> None:
    """Keep the sheet's total rows as published totals of the proposals they cover (the
    reconciliation page and ``manage.py reconcile`` compare them with the lines). A total
    already kept from the same file, sheet and row is not kept twice."""
    filename = plan_of_changes.get("filename") or "a spreadsheet"
    unchanged = {pk: None for kind, pk in (key for t in plan_of_changes["totals"] for key in t["proposal_keys"])
                 if kind == "unchanged"}
    unchanged_proposals = Proposal.objects.in_bulk(list(unchanged))
    kept = set(plan.published_totals.values_list("source", flat=True))
    by_source: dict[str, list[dict[str, Any]]] = {}
    for total in plan_of_changes["totals"]:
        sheet = total.get("sheet") or filename  # a CSV's one table is named after its file
        source = f"Imported from {filename}" + (f", sheet \u2018{sheet}\u2019" if sheet != filename else "")
        if f"{source}, row {total['row']}" in kept:
            continue
        proposals = [
            unchanged_proposals[where] if kind == "unchanged" else written[kind][where]
            for kind, where in total["proposal_keys"]
        ]
        by_source.setdefault(source, []).append({
            "label": total["label"], "row": total["row"], "proposals": proposals,
            "figures": {int(year): k for year, k in total["figures"].items()},
        })
    for source, totals in by_source.items():
        record_totals(plan=plan, user=user, source=source, totals=totals)


def imported_message(filename, created, changed):
    """What the person who imported is told once the changes are applied."""
    return (f"Imported {filename}: {created} proposal{'s' if created != 1 else ''} created and {changed} changed. "
            "Each change is recorded in the proposal's history with you as its author.")


def apply_import(*, plan: BudgetPlan, plan_of_changes: dict[str, Any], user: Any) -> tuple[int, int]:
    """Apply a preview's ``plan_of_changes`` in one transaction, as ``user``. Returns
    (created, changed) counts. Raises ImportFailed (nothing changed) if a proposal moved
    on since the preview."""
    can_import(user, plan).require()
    if plan_of_changes.get("plan") != plan.pk:
        raise ImportFailed("This preview is for a different plan. Upload the file again.")
    council = plan.council
    outcomes: dict[Any, Any] = {o.pk: o for o in Outcome.objects.filter(council=council)}
    themes: dict[Any, Any] = {t.pk: t for t in Theme.objects.filter(council=council)}
    budgets: dict[Any, Any] = {b.pk: b for b in ServiceBudget.objects.filter(council=council)}
    plan_years = list(plan.years.all())  # read once, not once per proposal
    years = {year.pk: year for year in plan_years}
    note = f"Imported from {plan_of_changes.get('filename') or 'a spreadsheet'}"[:300]
    created_structure: dict[str, list[Any]] = {}

    def record(kind: str, known: dict[Any, Any], key: Any) -> Any:
        if key is None:
            return None
        if isinstance(key, dict):
            return created_structure[kind][key["new"]]
        return known[key]

    def fields_of(item: dict[str, Any]) -> dict[str, Any]:
        f = item["fields"]
        out = {
            "reference": f["reference"], "title": f["title"], "kind": f["kind"],
            "outcome": record("outcomes", outcomes, f["outcome"]), "theme": record("themes", themes, f["theme"]),
        }
        if "description" in f:
            out["description"] = f["description"]
        return out

    def lines_of(item: dict[str, Any]) -> list[LineInput]:
        return [
            LineInput(service_budget=record("service_budgets", budgets, budget),
                      figures={years[int(y)]: k for y, k in figures.items()})
            for budget, figures in item["lines"]
        ]

    try:
        with transaction.atomic():
            if plan_of_changes.get("structure"):
                created_structure = _create_structure(plan, plan_of_changes["structure"], user)
            if plan_of_changes.get("kind_words"):
                remember_kind_words(plan=plan, words=plan_of_changes["kind_words"], user=user)
            written: dict[str, list[Proposal]] = {"created": [], "changed": []}
            # In one batch: a fixed number of queries however many rows the sheet has.
            written["created"] = create_proposals(
                plan=plan, user=user, items=[(fields_of(item), lines_of(item)) for item in plan_of_changes["created"]],
                status=Status.DRAFT, action=ChangeSet.Action.IMPORT, note=note, plan_years=plan_years,
            )
            for item in plan_of_changes["changed"]:
                proposal = Proposal.objects.get(pk=item["id"], plan=plan)
                save_proposal(
                    proposal=proposal, user=user, fields=fields_of(item), lines=lines_of(item),
                    expected_version=item["version"], action=ChangeSet.Action.IMPORT, note=note,
                    plan_years=plan_years,
                )
                written["changed"].append(proposal)
            if plan_of_changes.get("totals"):
                _record_sheet_totals(plan, plan_of_changes, written, user)
    except ConflictError as error:
        raise ImportFailed(
            f"{error.proposal.display_reference} {error.proposal.title} was changed in the portal after the preview. "
            "Nothing has been imported; upload the file again to see the changes now."
        ) from None
    except ValidationError as error:
        raise ImportFailed(
            "An outcome, theme or service budget could not be created: " + " ".join(error.messages)
            + " Nothing has been imported; upload the file again."
        ) from None
    except PublishedTotalError as error:
        raise ImportFailed(f"The sheet\u2019s totals could not be kept: {error} Nothing has been imported.") from None
    except ReferenceInUse as error:
        raise ImportFailed(f"{error}. Nothing has been imported; upload the file again.") from None
    except (ReadOnlyError, Proposal.DoesNotExist, KeyError, IndexError):
        raise ImportFailed(
            "The plan changed after the preview (a proposal was approved or removed). Nothing has been "
            "imported; upload the file again."
        ) from None
    return len(plan_of_changes["created"]), len(plan_of_changes["changed"])
