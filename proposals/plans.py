"""Budget plans (rounds): create, change, close and reopen one, the one write path for
them (the pages under /c/<council>/settings/plans/ and ``manage.py create_plan`` both
call it).

Who may is ``permissions.can_manage_plans`` (a council administrator, a site
administrator, or the system actor for a command) and, to change a plan,
``can_change_plan`` (a closed plan is reopened first). What is valid is ``check_plan``:
every bad value gets a message naming it, and nothing is written while any remains
(``PlanInvalid`` carries them, by field). Every change is recorded in the audit trail
(``history.record_change``): the plan's fields, and its years as rows of it.

A plan's financial years are ``PlanYear`` rows: 1 to ``MAX_YEARS`` consecutive years,
each after the base year. A year with figures is never removed (its figures would lose
their year); the message names how many figures and which proposals hold them.
"""
from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from . import history
from . import years as fy
from .models import BudgetPlan, ChangeSet, GapFigure, PlanYear, Proposal, PublishedFigure, SnapshotFigure, Variation
from .money import UNITS
from .permissions import can_change_plan, can_manage_plans, recorded_user

MAX_YEARS = 10
MAX_NAME: int = BudgetPlan._meta.get_field("name").max_length or 0
MAX_SLUG: int = BudgetPlan._meta.get_field("slug").max_length or 0
MAX_TEXT = 5000  # source and note
YEAR_RANGE = (1990, 2100)  # the database's plan_base_year_sane and plan_year_sane
NAMED_PROPOSALS = 5  # a message names this many proposals, then says how many more
FIELDS = ("name", "slug", "base_year", "years", "unit", "source", "note")
SLUG_CONSTRAINT = "plan_slug_unique_per_council"


class PlanInvalid(Exception):
    """Bad values for a plan: ``errors`` is {field: [messages]} (fields as in ``FIELDS``).
    Nothing was written."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


def _slug_message(slug, council):
    return f"{council.name} already has a budget plan with the address name \u201c{slug}\u201d; choose another."


# A plan's pages live at /c/<council>/<plan>/; these addresses are the council's own pages.
RESERVED_SLUGS = frozenset({"settings", "changes"})


def check_plan(*, council, name, slug, base_year, years, unit, source="", note="", plan=None):
    """{field: [messages]} for every value that is wrong (empty when all are right).

    ``years``: start years (2019 for 2019/20) in the order given. ``plan``: the plan being
    changed, None for a new one. Two queries at most (the slug; figures in years to go)."""
    errors: dict[str, list[str]] = {}

    def bad(field, message):
        errors.setdefault(field, []).append(message)

    if not (name or "").strip():
        bad("name", "Enter the plan\u2019s name, for example \u201cMTFS 2025/26 to 2027/28\u201d.")
    elif len(name) > MAX_NAME:
        bad("name", f"A plan\u2019s name has at most {MAX_NAME} characters.")
    if not slug:
        bad("slug", "Enter the plan\u2019s address name, for example mtfs-2025-28.")
    elif len(slug) > MAX_SLUG or not slug_re.match(slug):
        bad("slug", f"\u201c{slug[:MAX_SLUG]}\u201d is not an address name: use letters, numbers, hyphens and "
                    f"underscores only (at most {MAX_SLUG}), for example mtfs-2025-28.")
    elif slug in RESERVED_SLUGS:
        bad("slug", f"\u201c{slug}\u201d is the address of the council\u2019s own pages; choose another, "
                    "for example mtfs-2025-28.")
    elif BudgetPlan.objects.filter(council=council, slug=slug).exclude(pk=getattr(plan, "pk", None)).exists():
        bad("slug", _slug_message(slug, council))
    if not isinstance(base_year, int) or not YEAR_RANGE[0] <= base_year <= YEAR_RANGE[1]:
        bad("base_year", f"Enter the base year as a financial year between {fy.label(YEAR_RANGE[0])} and "
                         f"{fy.label(YEAR_RANGE[1])}, for example 2024/25.")
        base_year = None
    _check_years(list(years), base_year, bad)
    if unit not in UNITS:
        bad("unit", "Choose the unit the council works in: £m or £000.")
    for field, text in (("source", source), ("note", note)):
        if len(text or "") > MAX_TEXT:
            bad(field, f"The {field} has at most {MAX_TEXT:,} characters.")
    if plan is not None and "years" not in errors:
        for message in _years_with_figures(plan, set(years)):
            bad("years", message)
    return errors


def _check_years(years, base_year, bad):
    if not years:
        bad("years", "Give the plan at least one financial year.")
        return
    if len(years) > MAX_YEARS:
        bad("years", f"A plan has at most {MAX_YEARS} financial years; {len(years)} were given "
                     f"({fy.label(min(years))} to {fy.label(max(years))}).")
        return
    outside = [year for year in years if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]]
    if outside:
        bad("years", f"{fy.label(outside[0])} is not a year the portal holds "
                     f"({fy.label(YEAR_RANGE[0])} to {fy.label(YEAR_RANGE[1])}).")
        return
    for previous, year in zip(years, years[1:], strict=False):
        if year == previous:
            bad("years", f"{fy.label(year)} is given twice.")
            return
        if year != previous + 1:
            bad("years", f"The financial years must follow one another: {fy.label(year)} does not follow "
                         f"{fy.label(previous)}.")
            return
    if base_year is not None and years[0] <= base_year:
        bad("years", f"{fy.label(years[0])} is not after the base year, {fy.label(base_year)}: a plan\u2019s years "
                     "vary its approved base-year budget, so they start after it.")


def _years_with_figures(plan, kept):
    """A message for each of ``plan``'s years not in ``kept`` that has figures: how many,
    in which proposals. One query."""
    going = {year.pk: year for year in plan.years.all() if year.start_year not in kept}
    if not going:
        return []
    rows = (
        Variation.objects.filter(year__in=list(going)).order_by()
        .values("year_id", "line__proposal_id").annotate(figures=Count("pk"))
    )
    by_year: dict[int, dict[int, int]] = {}
    for row in rows:
        by_year.setdefault(row["year_id"], {})[row["line__proposal_id"]] = row["figures"]
    messages = [
        f"{going[year_id].label} cannot be removed: the council\u2019s published totals have figures in it "
        "(see the plan\u2019s Published totals page)."
        for year_id in sorted(_years_in_published_totals(going), key=lambda pk: going[pk].start_year)
    ]
    messages += _years_in_gap_or_snapshots(going)
    if not by_year:
        return messages
    named = {
        p.pk: str(p) for p in Proposal.objects.filter(pk__in={pk for found in by_year.values() for pk in found})
        .only("pk", "reference", "title")
    }
    for year_id, found in sorted(by_year.items(), key=lambda item: going[item[0]].start_year):
        figures = sum(found.values())
        names = sorted(named[pk] for pk in found)
        shown = ", ".join(names[:NAMED_PROPOSALS])
        if len(names) > NAMED_PROPOSALS:
            shown += f" and {len(names) - NAMED_PROPOSALS} more"
        messages.append(
            f"{going[year_id].label} cannot be removed: it has {figures} figure{'s' if figures != 1 else ''} in "
            f"{len(names)} proposal{'s' if len(names) != 1 else ''} ({shown}). Remove those figures first, "
            "or keep the year."
        )
    return messages


def _years_in_gap_or_snapshots(going):
    """Messages for the years among ``going`` that the gap before proposals, or a snapshot
    (which is kept as it was taken), has figures in. Two queries."""
    in_gap = set(GapFigure.objects.filter(year__in=list(going)).values_list("year_id", flat=True).distinct())
    snapshots: dict[int, set[str]] = {}
    for year_id, name in (SnapshotFigure.objects.filter(year__in=list(going)).order_by()
                          .values_list("year_id", "line__proposal__snapshot__name").distinct()):
        snapshots.setdefault(year_id, set()).add(name)
    messages = []
    for year_id in sorted(in_gap | set(snapshots), key=lambda pk: going[pk].start_year):
        if year_id in in_gap:
            messages.append(f"{going[year_id].label} cannot be removed: the gap before proposals has figures in "
                            "it (see the plan\u2019s Budget gap page).")
        if year_id in snapshots:
            found = sorted(snapshots[year_id])
            names = ", ".join(f"\u201c{name}\u201d" for name in found)
            which = f"the snapshots {names} keep" if len(found) > 1 else f"the snapshot {names} keeps"
            messages.append(f"{going[year_id].label} cannot be removed: {which} its figures as they were taken.")
    return messages


def _years_in_published_totals(going):
    """The ids among ``going`` that a published total's figure starts or ends in. One query."""
    rows = PublishedFigure.objects.filter(Q(first_year__in=list(going)) | Q(last_year__in=list(going)))
    return {year_id for pair in rows.values_list("first_year_id", "last_year_id") for year_id in pair} & set(going)


def _year_changes(added, removed):
    changes = []
    for year in removed:
        changes += history.changes_between(history.snapshot(year, without=("plan",)), None, row=year)
    for year in added:
        changes += history.changes_between(None, history.snapshot(year, without=("plan",)), row=year)
    return changes


def _save(plan, write):
    """Run ``write`` in a transaction; a slug taken meanwhile (the unique constraint) is a PlanInvalid."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        if SLUG_CONSTRAINT not in str(error) and "proposals_budgetplan.council_id, proposals_budgetplan.slug" \
                not in str(error):
            raise
        raise PlanInvalid({"slug": [_slug_message(plan.slug, plan.council)]}) from None


def create_plan(*, council, user, name, slug, base_year, years, unit, source="", note=""):
    """A new open plan of ``council`` with its financial ``years`` (start years, in order).
    Returns the plan. Raises PermissionDenied unless ``user`` manages the council's plans,
    PlanInvalid for bad values."""
    can_manage_plans(user, council).require()
    years = list(years)
    values = {"name": name, "slug": slug, "base_year": base_year, "years": years, "unit": unit,
              "source": source, "note": note}
    errors = check_plan(council=council, **values)
    if errors:
        raise PlanInvalid(errors)
    plan = BudgetPlan(council=council, name=name.strip(), slug=slug, base_year=base_year, unit=unit,
                      source=source, note=note)

    def write():
        plan.save(force_insert=True)
        added = PlanYear.objects.bulk_create([PlanYear(plan=plan, start_year=year) for year in years])
        changes = history.changes_between(None, history.snapshot(plan)) + _year_changes(added, [])
        history.record_change(user=recorded_user(user), subject=plan, action=ChangeSet.Action.CREATE,
                              changes=changes)
        return plan

    return _save(plan, write)


def update_plan(*, plan, user, **values):
    """Change ``plan``: any of ``FIELDS`` given in ``values`` (``years``: start years, in
    order), the rest kept. Years given that it lacks are added, years it has that are not
    given are removed (refused while they have figures). Returns the ChangeSet, or None
    if nothing changed. Raises PermissionDenied, WorkflowError (a closed plan), PlanInvalid."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"update_plan() got unexpected fields: {', '.join(sorted(unknown))}")
    can_change_plan(user, plan).require()
    current_years = [year.start_year for year in plan.years.all()]
    wanted = {"name": plan.name, "slug": plan.slug, "base_year": plan.base_year, "years": current_years,
              "unit": plan.unit, "source": plan.source, "note": plan.note, **values}
    wanted["years"] = list(wanted["years"])
    errors = check_plan(council=plan.council, plan=plan, **wanted)
    if errors:
        raise PlanInvalid(errors)

    def write():
        stored = BudgetPlan.objects.select_for_update().get(pk=plan.pk)
        can_change_plan(user, stored).require()  # closed meanwhile
        with_figures = _years_with_figures(stored, set(wanted["years"]))  # figures typed meanwhile
        if with_figures:
            raise PlanInvalid({"years": with_figures})
        before = history.snapshot(stored)
        for field in ("name", "slug", "base_year", "unit", "source", "note"):
            setattr(plan, field, wanted[field].strip() if field == "name" else wanted[field])
        plan.save(update_fields=["name", "slug", "base_year", "unit", "source", "note"])
        years = list(stored.years.all())
        removed = [year for year in years if year.start_year not in wanted["years"]]
        have = {year.start_year for year in years}
        changes = history.changes_between(before, history.snapshot(plan)) + _year_changes([], removed)
        PlanYear.objects.filter(pk__in=[year.pk for year in removed]).delete()
        added = PlanYear.objects.bulk_create(
            [PlanYear(plan=plan, start_year=year) for year in wanted["years"] if year not in have]
        )
        changes += _year_changes(added, [])
        return history.record_change(user=recorded_user(user), subject=plan, action=ChangeSet.Action.EDIT,
                                     changes=changes)

    return _save(plan, write)


def _set_closed(plan, user, closed):
    can_manage_plans(user, plan.council).require()
    with transaction.atomic():
        stored = BudgetPlan.objects.select_for_update().get(pk=plan.pk)
        if stored.is_closed == closed:
            state = "closed" if closed else "open"
            raise PlanInvalid({"is_closed": [f"{stored.name} is already {state}."]})
        before = history.snapshot(stored)
        plan.is_closed = closed
        BudgetPlan.objects.filter(pk=plan.pk).update(is_closed=closed)
        return history.record_change(
            user=recorded_user(user), subject=plan, action=ChangeSet.Action.EDIT,
            changes=history.changes_between(before, history.snapshot(plan)),
            note="Closed: its proposals are read-only" if closed else "Reopened",
        )


def close_plan(*, plan, user):
    """Close ``plan``: its proposals become read-only (``permissions.plan_closed``).
    Returns the ChangeSet. Raises PermissionDenied, PlanInvalid if it is closed already."""
    return _set_closed(plan, user, True)


def reopen_plan(*, plan, user):
    """Reopen a closed ``plan``. Returns the ChangeSet. Raises PermissionDenied, PlanInvalid if it is open."""
    return _set_closed(plan, user, False)
