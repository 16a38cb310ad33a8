"""Delivery monitoring's one write path: setting up a plan's monitoring periods, and
saving a period's returns, from the portal's grid and from the monitoring workbook alike.

Every write checks ``proposals.permissions`` inside, refuses a return saved from an old
version (``ReturnsConflict``), refuses figures and ratings that contradict each other
(``ReturnsInvalid``, with a message per proposal and field), writes nothing when any row
is refused, and records every change in the audit trail as the period's.

The rules of a return (``check_return``):
- the forecast has the target's sign (a saving's forecast is negative, like its target);
- Blue (delivered) and Green (on track) forecast the full target; Red (will not be
  delivered this year) forecasts less than it; Amber (at risk) may forecast either;
- Amber and Red say how the shortfall is mitigated; only they name a replacement, a
  proposal of the same plan other than this one;
- "delivered next year" needs a shortfall, and a next year in the plan: the shortfall
  (target − forecast) is then **slippage** into the proposal's target next year.
"""
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F

from proposals import history
from proposals import years as fy
from proposals.models import BudgetPlan, Change, ChangeSet, Kind, PlanYear, Proposal, Status, Variation
from proposals.money import MAX_ABS_K, format_in
from proposals.permissions import can_make_returns, can_manage_monitoring, recorded_user

from .models import QUARTERS, DeliveryReturn, MonitoringPeriod, Rating

SAVING_KINDS = (Kind.REVENUE_SAVINGS, Kind.INCOME_GENERATION)
INVESTMENT_KINDS = (Kind.REVENUE_INVESTMENT, Kind.PRESSURE)
COMMENTARY_LENGTH = 2000
MITIGATION_LENGTH = 2000
LEAD_OFFICER_LENGTH = 200  # DeliveryReturn.lead_officer


class MonitoringInvalid(Exception):
    """Bad values for a monitoring period: ``errors`` maps a field to its message."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class ReturnsInvalid(Exception):
    """Rows refused: ``errors`` maps (proposal id, field) to a message for users. Nothing was saved."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class ReturnsConflict(Exception):
    """Someone saved some of these returns after this edit started: nothing was saved.
    ``proposals`` lists the proposals whose returns changed."""

    def __init__(self, proposals):
        self.proposals = proposals
        names = ", ".join(f"{p.display_reference} {p.title}" for p in proposals[:5])
        more = f" and {len(proposals) - 5} more" if len(proposals) > 5 else ""
        super().__init__(
            f"Someone else saved the return for {names}{more} after you opened this page. "
            "Your changes have not been saved: the page now shows theirs."
        )


def _locked(plan):
    list(BudgetPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))


# Periods.

def open_period(*, plan, user, year, quarter, reporting_date, includes_investments=False):
    """Add a monitoring period (a quarter of one of ``plan``'s years), open for returns."""
    can_manage_monitoring(user, plan).require()
    errors = {}
    if not isinstance(year, PlanYear) or year.plan_id != plan.pk:
        errors["year"] = f"Choose one of {plan.name}'s years."
    if quarter not in QUARTERS:
        errors["quarter"] = "A quarter is Q1, Q2, Q3 or Q4."
    if reporting_date is None:
        errors["reporting_date"] = "Give the date the quarter's returns are reported, such as 30/09/2019."
    if not errors and MonitoringPeriod.objects.filter(plan=plan, year=year, quarter=quarter).exists():
        errors["quarter"] = f"{fy.label(year.start_year)} Q{quarter} is already a monitoring period of {plan.name}."
    if errors:
        raise MonitoringInvalid(errors)
    with transaction.atomic():
        _locked(plan)
        period = MonitoringPeriod(plan=plan, year=year, quarter=quarter, reporting_date=reporting_date,
                                  includes_investments=includes_investments)
        try:
            with transaction.atomic():
                period.save(force_insert=True)
        except IntegrityError:
            raise MonitoringInvalid({"quarter": f"{period.label} is already a monitoring period."}) from None
        history.append(
            council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.CREATE, subject=plan,
            note=f"Monitoring period {period.label}",
            changes=[Change(kind=Change.Kind.FIELD, field="Monitoring period", new=period.label),
                     Change(kind=Change.Kind.FIELD, field=f"{period.label}: reporting date",
                            new=reporting_date.isoformat()),
                     Change(kind=Change.Kind.FIELD, field=f"{period.label}: includes investments",
                            new="yes" if includes_investments else "no")],
        )
    return period


def change_period(*, period, user, reporting_date=None, is_open=None, includes_investments=None):
    """Change a period's reporting date, open or close it for returns, or choose whether
    investments are monitored; recorded in the audit trail."""
    plan = period.plan
    can_manage_monitoring(user, plan).require()
    with transaction.atomic():
        _locked(plan)
        period = MonitoringPeriod.objects.select_for_update().select_related("year", "plan").get(pk=period.pk)
        changes = []
        for name, label, new, shown in (
            ("reporting_date", "reporting date", reporting_date, lambda v: v.isoformat()),
            ("is_open", "open for returns", is_open, lambda v: "yes" if v else "no"),
            ("includes_investments", "includes investments", includes_investments, lambda v: "yes" if v else "no"),
        ):
            old = getattr(period, name)
            if new is None or new == old:
                continue
            changes.append(Change(kind=Change.Kind.FIELD, field=f"{period.label}: {label}", old=shown(old),
                                  new=shown(new)))
            setattr(period, name, new)
        if changes:
            period.save()
            history.append(council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.EDIT,
                           subject=plan, note=f"Monitoring period {period.label}", changes=changes)
    return period


# What is due.

@dataclass
class Due:
    """A proposal due a return in a period, with its target as the service sets it, and
    its return if it has one."""

    proposal: Proposal
    target_k: int
    slippage_in_k: int
    service_budget_id: int | None
    current: DeliveryReturn | None = None

    @property
    def full_target_k(self):
        return self.target_k + self.slippage_in_k


def monitored_kinds(period):
    return SAVING_KINDS + (INVESTMENT_KINDS if period.includes_investments else ())


def _targets(period, proposal_ids):
    """{proposal id: (target £k, principal service budget id)} for the period's year: the
    sum of the proposal's lines' increments that year, and the line with the largest
    change (the first such line on a tie). One query."""
    rows = (Variation.objects.filter(year=period.year, line__proposal_id__in=proposal_ids)
            .order_by("line__proposal_id", "line__position", "line_id")
            .values_list("line__proposal_id", "line__service_budget_id", "increment_k"))
    lines: dict[int, list[tuple[int, int]]] = {}
    for proposal_id, service_budget_id, increment in rows:
        lines.setdefault(proposal_id, []).append((service_budget_id, increment))
    return {pk: target_and_principal(found) for pk, found in lines.items()}


def target_and_principal(lines):
    """(target £k, principal service budget id) of a proposal in a year, from its lines
    [(service budget id, that year's increment £k)] in their order: the sum of the
    increments, and the budget of the line with the largest change (the first on a tie).
    The one rule, for the returns and for generated demo data."""
    total, principal, largest = 0, None, -1
    for service_budget_id, increment in lines:
        if abs(increment) > largest:
            principal, largest = service_budget_id, abs(increment)
        total += increment
    return total, principal


def slippage_into(plan, start_year, proposal_ids=None):
    """{proposal id: £k} carried into ``start_year``'s targets: for each proposal whose
    latest return in the year before says "delivered next year", its shortfall then
    (target − forecast: for a saving, the part still to deliver, negative). One query."""
    returns = DeliveryReturn.objects.filter(period__plan=plan, period__year__start_year=start_year - 1)
    if proposal_ids is not None:
        returns = returns.filter(proposal_id__in=proposal_ids)
    latest = {}
    for proposal_id, target, slipped_in, forecast, slips in returns.order_by("period__quarter").values_list(
            "proposal_id", "target_k", "slippage_in_k", "forecast_k", "delivered_next_year"):
        latest[proposal_id] = (target + slipped_in - forecast) if slips else 0
    return {pk: amount for pk, amount in latest.items() if amount}


def due_returns(period):
    """The period's proposals, each a ``Due``, in budget-book order: the plan's approved
    proposals of the monitored kinds with a change in the year or slippage into it, and
    any that already have a return. Four queries, whatever the plan's size."""
    plan = period.plan
    proposals = list(Proposal.objects.filter(plan=plan, status=Status.APPROVED, kind__in=monitored_kinds(period))
                     .select_related("outcome", "theme").in_budget_book_order())
    current = {r.proposal_id: r for r in DeliveryReturn.objects.filter(period=period)
               .select_related("replacement", "updated_by")}
    extra_ids = set(current) - {p.pk for p in proposals}
    if extra_ids:  # returned, then no longer approved: its return is still shown
        proposals += list(Proposal.objects.filter(pk__in=extra_ids).select_related("outcome", "theme")
                          .in_budget_book_order())
    ids = [p.pk for p in proposals]
    targets = _targets(period, ids)
    slipped = slippage_into(plan, period.year.start_year, ids)
    due = []
    for proposal in proposals:
        target, service_budget_id = targets.get(proposal.pk, (0, None))
        slip = slipped.get(proposal.pk, 0)
        if target == 0 and slip == 0 and proposal.pk not in current:
            continue
        due.append(Due(proposal, target, slip, service_budget_id, current.get(proposal.pk)))
    return due


# Returns.

@dataclass
class ReturnInput:
    """One row of a period's returns as typed: ``version`` is the version of the return the
    edit started from (0 for none). ``forecast_k`` None and no rating: nothing to save."""

    proposal_id: int
    version: int = 0
    forecast_k: int | None = None
    rating: str = ""
    commentary: str = ""
    lead_officer: str = ""
    mitigation: str = ""
    replacement_id: int | None = None
    delivered_next_year: bool = False
    errors: dict = field(default_factory=dict)

    @property
    def is_blank(self):
        return (self.forecast_k is None and not self.rating and not self.commentary.strip()
                and not self.mitigation.strip() and self.replacement_id is None and not self.delivered_next_year)


def check_return(row, due, *, plan, has_next_year, replacement_ids):
    """{field: message} for what is wrong with ``row`` against ``due`` (empty if nothing)."""
    unit = plan.unit
    target = due.full_target_k
    errors = {}
    if row.forecast_k is None:
        errors["forecast"] = "Give the forecast for the year (the target is {}).".format(format_in(target, unit))
    elif abs(row.forecast_k) > MAX_ABS_K:
        errors["forecast"] = "The forecast is larger than any budget line can be."
    if row.rating not in Rating.values:
        errors["rating"] = "Choose a rating: Blue, Green, Amber or Red."
    if len(row.commentary) > COMMENTARY_LENGTH:
        errors["commentary"] = f"A commentary is at most {COMMENTARY_LENGTH:,} characters."
    if len(row.mitigation) > MITIGATION_LENGTH:
        errors["mitigation"] = f"A mitigation is at most {MITIGATION_LENGTH:,} characters."
    if len(row.lead_officer) > LEAD_OFFICER_LENGTH:
        errors["lead_officer"] = f"A lead officer's name is at most {LEAD_OFFICER_LENGTH} characters."
    if errors:
        return errors
    forecast = row.forecast_k
    shown_target, shown_forecast = format_in(target, unit), format_in(forecast, unit)
    if target and forecast and (forecast > 0) != (target > 0):
        word = "a saving" if target < 0 else "an increase"
        errors["forecast"] = (
            f"The target is {shown_target}, {word}; the forecast {shown_forecast} has the opposite sign. "
            f"Type the forecast signed as the target (for example {format_in(target // 2 or target, unit)})."
        )
        return errors
    short = abs(forecast) < abs(target)
    if row.rating in (Rating.BLUE, Rating.GREEN) and short:
        errors["rating"] = (
            f"{Rating(row.rating).label} means the full target ({shown_target}) is "
            f"{'delivered' if row.rating == Rating.BLUE else 'on track'}, but the forecast is {shown_forecast}. "
            "Rate it Amber or Red, or forecast the full target."
        )
    elif row.rating == Rating.RED and not short:
        errors["rating"] = (
            f"Red means the saving will not be delivered this year, but the forecast ({shown_forecast}) "
            f"is the full target ({shown_target}). Rate it Green or Amber, or forecast what will be delivered."
        )
    if row.rating in (Rating.AMBER, Rating.RED) and not row.mitigation.strip():
        errors["mitigation"] = f"Say how the shortfall on a{'n' if row.rating == Rating.AMBER else ''} " \
                               f"{Rating(row.rating).label} rating is being mitigated."
    if row.replacement_id is not None:
        if row.rating not in (Rating.AMBER, Rating.RED):
            errors["replacement"] = "Only an Amber or Red return names a replacement proposal."
        elif row.replacement_id == row.proposal_id:
            errors["replacement"] = "A proposal cannot replace itself: choose another proposal."
        elif row.replacement_id not in replacement_ids:
            errors["replacement"] = f"The replacement must be one of {plan.name}'s proposals."
    if row.delivered_next_year:
        if not short:
            errors["delivered_next_year"] = "There is no shortfall to deliver next year: the forecast meets the target."
        elif not has_next_year:
            errors["delivered_next_year"] = (
                f"{plan.name} has no year after this one to slip the shortfall into; "
                "record it as a pressure in the next round instead."
            )
    return errors


def _text(row):
    return {"commentary": row.commentary.strip(), "lead_officer": row.lead_officer.strip(),
            "mitigation": row.mitigation.strip()}


FIELD_LABELS = {
    "forecast_k": "forecast", "rating": "rating", "commentary": "commentary", "lead_officer": "lead officer",
    "mitigation": "mitigation", "replacement_id": "replacement", "delivered_next_year": "delivered next year",
    "target_k": "target", "slippage_in_k": "slippage in",
}


def _shown(name, value, unit, references):
    if name in ("forecast_k", "target_k", "slippage_in_k"):
        return format_in(value, unit)
    if name == "rating":
        return Rating(value).label if value else ""
    if name == "replacement_id":
        return references.get(value, "") if value else ""
    if name == "delivered_next_year":
        return "yes" if value else "no"
    return value or ""


def save_returns(*, period, user, rows):
    """Save ``rows`` (ReturnInput) as ``period``'s returns, all or nothing. Blank rows for
    proposals without a return are skipped; rows that change nothing are not written.
    Returns the saved DeliveryReturn rows. Raises ReturnsInvalid, ReturnsConflict,
    PermissionDenied or WorkflowError, having written nothing."""
    can_make_returns(user, period).require()
    plan = period.plan
    unit = plan.unit
    with transaction.atomic():
        _locked(plan)
        due = {d.proposal.pk: d for d in due_returns(period)}
        replacements = dict(Proposal.objects.filter(plan=plan).values_list("pk", "reference"))
        references = {pk: f"[{ref}]" if ref else "[NEW]" for pk, ref in replacements.items()}
        has_next_year = PlanYear.objects.filter(plan=plan, start_year=period.year.start_year + 1).exists()
        errors, conflicts, seen = {}, [], set()
        for row in rows:
            entry = due.get(row.proposal_id)
            if entry is None:
                errors[(row.proposal_id, "proposal")] = (
                    "That proposal is not due a return this period: only approved savings and income "
                    "(and investments, where the period monitors them) with a target this year are."
                )
                continue
            if row.proposal_id in seen:
                errors[(row.proposal_id, "proposal")] = f"{entry.proposal.display_reference} is given twice."
                continue
            seen.add(row.proposal_id)
            stored_version = entry.current.version if entry.current else 0
            if row.version != stored_version:
                conflicts.append(entry.proposal)
                continue
            if entry.current is None and row.is_blank:
                continue
            for name, message in check_return(row, entry, plan=plan, has_next_year=has_next_year,
                                              replacement_ids=replacements.keys()).items():
                errors[(row.proposal_id, name)] = message
        if conflicts:
            raise ReturnsConflict(conflicts)
        if errors:
            raise ReturnsInvalid(errors)
        saved, changes = [], []
        for row in rows:
            entry = due[row.proposal_id]
            if entry.current is None and row.is_blank:
                continue
            values = {"forecast_k": row.forecast_k, "rating": row.rating, **_text(row),
                      "replacement_id": row.replacement_id, "delivered_next_year": row.delivered_next_year,
                      "target_k": entry.target_k, "slippage_in_k": entry.slippage_in_k}
            current = entry.current
            before = {name: getattr(current, name) for name in values} if current else {}
            changed = [name for name in values if before.get(name) != values[name]]
            if current is not None and not changed:
                continue
            label = f"{period.label} {references[row.proposal_id]}"
            for name in changed:
                changes.append(Change(
                    kind=Change.Kind.FIGURE if name.endswith("_k") else Change.Kind.FIELD,
                    field=f"{label} {FIELD_LABELS[name]}"[:100], year_label=fy.label(period.year.start_year),
                    old=_shown(name, before.get(name), unit, references) if current else "",
                    new=_shown(name, values[name], unit, references),
                    old_k=before.get(name) if name.endswith("_k") and current else None,
                    new_k=values[name] if name.endswith("_k") else None,
                ))
            if current is None:
                current = DeliveryReturn(period=period, proposal_id=row.proposal_id, version=0)
            for name, value in values.items():
                setattr(current, name, value)
            current.service_budget_id = entry.service_budget_id
            current.version += 1
            current.updated_by = recorded_user(user)
            saved.append(current)
        if not saved:
            return []
        for item in saved:
            item.save()
        changes += _carry_slippage(period, [item.proposal_id for item in saved], unit, references)
        history.append(council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.EDIT,
                       subject=plan, note=f"Delivery returns {period.label}"[:300], changes=changes)
    return saved


def _carry_slippage(period, proposal_ids, unit, references):
    """After a save in ``period``'s year, bring next year's returns of those proposals up to
    date with the slippage now carried into them (their target's slippage part): Change
    rows for the audit trail. Two queries and an update per return changed."""
    start = period.year.start_year
    later = list(DeliveryReturn.objects.filter(period__plan=period.plan, period__year__start_year=start + 1,
                                               proposal_id__in=proposal_ids).select_related("period__year"))
    if not later:
        return []
    carried = slippage_into(period.plan, start + 1, proposal_ids)
    changes = []
    for item in later:
        new = carried.get(item.proposal_id, 0)
        if new == item.slippage_in_k:
            continue
        changes.append(Change(
            kind=Change.Kind.FIGURE, field=f"{item.period.label} {references[item.proposal_id]} slippage in"[:100],
            year_label=fy.label(start + 1), old=format_in(item.slippage_in_k, unit), new=format_in(new, unit),
            old_k=item.slippage_in_k, new_k=new,
        ))
        DeliveryReturn.objects.filter(pk=item.pk).update(slippage_in_k=new, version=F("version") + 1)
    return changes
