"""A deterministic synthetic dataset for demos and benchmarks, up to national size.

    python manage.py generate_demo --councils 317 --outcomes 10 --proposals 40 \\
        --lines 2 --years 5 --seed 1

``--proposals`` is per outcome, so the line above makes 317 × 10 × 40 = 126,800
proposals, 253,600 impact lines and 1,268,000 yearly figures. The same arguments give
the same data (names, statuses, figures) in any database: every council draws from its
own random stream, seeded by ``--seed`` and its position, so council 1 of a run with
``--councils 317`` is council 1 of a run with ``--councils 1``.

Figures are cumulative variations to the base year, in whole £ thousands, shaped the
way budget books show them: an ongoing saving stays once made, a demand pressure grows,
a one-off item falls back to nothing. The derived values ``proposals.services`` keeps
(each figure's ``increment_k`` and the proposal's ``net_k``) are computed here with the
same function, ``services.increments``, so they agree with what a save would store; each
proposal gets one "seed" entry in its history, recorded as the published document (no
user), as ``permissions.SYSTEM`` writes, and chained with ``history.digest`` as
``history.append`` would chain it. It writes new councils only, in bulk, without the
services' per-proposal checks: there is nobody's work in them to check.

Speed: rows are written in bulk, a batch of councils at a time, by PostgreSQL's COPY
(with ids taken from the tables' sequences up front) or by ``bulk_create`` elsewhere.
The seed councils and anything already in the database are left alone: a council the
run would create that already exists stops the run before anything is written.
"""
import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from councils.models import Council
from delivery.models import DeliveryReturn, MonitoringPeriod, Rating
from delivery.services import SAVING_KINDS, target_and_principal
from outcomes.models import Outcome
from proposals import years as fy
from proposals.history import digest
from proposals.models import (
    BudgetPlan,
    ChangeSet,
    EiaStatus,
    GapFigure,
    GapLine,
    ImpactLine,
    Kind,
    Needed,
    PlanYear,
    Proposal,
    ServiceBudget,
    Snapshot,
    SnapshotFigure,
    SnapshotGapFigure,
    SnapshotGapLine,
    SnapshotLine,
    SnapshotProposal,
    Status,
    Theme,
    Variation,
    YesNo,
)
from proposals.services import increments

LIMITS = {  # argument: (smallest, largest)
    "councils": (1, 1000),
    "outcomes": (1, 50),
    "proposals": (1, 1000),
    "lines": (1, 10),
    "years": (1, 10),
    "base_year": (1990, 2090),
}
COUNCILS_PER_BATCH = 16

PLACE_STEMS = [
    "Ash", "Bar", "Black", "Brad", "Bridge", "Brom", "Burn", "Cam", "Carl", "Chel", "Clay", "Cole", "Dar",
    "Dor", "Dun", "Eden", "Elm", "Fair", "Fal", "Glen", "Gran", "Hal", "Har", "Hart", "Hol", "Ips", "Kings",
    "Lang", "Lich", "Marl", "Mel", "Mill", "New", "Nor", "Oak", "Pen", "Red", "Rother", "Salt", "Sand",
    "Sel", "Stan", "Stock", "Sun", "Thorn", "Wake", "Wal", "Wel", "Whit", "Wood",
]
PLACE_ENDINGS = [
    "ford", "ham", "ton", "field", "bury", "ley", "worth", "by", "mouth", "wich", "stead", "bridge", "dale", "well",
]
COUNCIL_TYPES = [
    "District Council", "Borough Council", "City Council", "County Council", "Metropolitan Borough Council",
]

OUTCOME_TITLES = [
    "Our local communities are strong and supportive",
    "Cheshire-style economy: a thriving and sustainable place",
    "People have the life skills and education they need to thrive",
    "Our borough is a green and sustainable place",
    "People live well and for longer",
    "A responsible, effective and efficient organisation",
    "Children and young people get the best start in life",
    "Vulnerable adults are safe and independent",
    "Good jobs and a growing economy",
    "Safe, clean and attractive neighbourhoods",
    "Homes people can afford in places they want to live",
    "Well connected by road, rail, bus and broadband",
    "Residents are healthy and active",
    "A council that listens and is open",
]
THEMES = [
    "Changing the way we work", "Income generation", "Investment in services", "Looking after young children",
    "Reducing subsidy", "Demand management", "Digital by default", "Working with partners",
    "Commercial opportunities", "Prevention and early help",
]
SERVICE_BUDGETS = [
    "Adult Social Care – External Care Costs", "Adult Social Care – Day Opportunities", "Reablement",
    "Learning Disabilities", "Mental Health Services", "Children's Social Care", "Cared for Children and Care Leavers",
    "Early Help and Prevention", "Home to School Transport", "Special Educational Needs", "Schools Improvement",
    "Public Health", "Leisure Services", "Libraries", "Parks and Green Spaces", "Waste Collection",
    "Waste Disposal", "Street Cleansing", "Highways Maintenance", "Parking Services", "Planning and Building Control",
    "Regulatory Services", "Housing and Homelessness", "Economic Development", "Customer Services", "ICT Services",
    "Human Resources", "Finance and Procurement", "Legal and Democratic Services", "Facilities Management",
    "Bereavement Services", "Culture and Tourism",
]
FUNDING_LINES = [
    "Additional Ringfenced Grant Funding", "Better Care Fund", "Public Health Grant", "Client Contributions",
    "Fees and Charges Income", "New Homes Bonus",
]
SUBJECTS = [
    "Home to School Transport", "Day Opportunities", "Library Services", "Leisure Centres", "Waste Collection Rounds",
    "Residential Care Placements", "Domiciliary Care", "Highways Maintenance", "Street Lighting", "Parking Charges",
    "Garden Waste Service", "Customer Contact", "Back Office Functions", "Office Accommodation", "Children's Centres",
    "Care Leavers Support", "Supported Housing", "Bus Subsidies", "Community Grants", "Fleet Management",
    "Procurement Contracts", "Agency Staffing", "Telecare", "Reablement Service", "Learning Disability Placements",
    "Public Conveniences", "Bereavement Services", "Trading Standards", "Planning Fees", "Commercial Property",
]
TITLE_FORMS = {
    Kind.REVENUE_SAVINGS: [
        "Review of {s}", "Redesign of {s}", "Efficiencies in {s}", "Reduce subsidy to {s}", "Recommission {s}",
    ],
    Kind.REVENUE_INVESTMENT: ["Investment in {s}", "Additional capacity for {s}", "Improve {s}"],
    Kind.INCOME_GENERATION: ["Increase charges for {s}", "Trading income from {s}", "Full cost recovery for {s}"],
    Kind.PRESSURE: ["Growth in demand for {s}", "Inflation in {s}", "Contract price increases in {s}"],
    Kind.CAPITAL: ["Revenue cost of capital investment in {s}", "Borrowing costs for {s}"],
    Kind.ONE_OFF_REVERSAL: ["Reversal of one-off funding for {s}", "One-off support for {s}"],
}
# Every generated plan's gap before proposals is built from these lines (name, sign).
GAP_LINES = (("Net budget requirement", 1), ("Council tax", -1), ("Business rates and grants", -1))
# Its two snapshots: (name, month, day, years after the base year's start).
SNAPSHOTS = {
    "draft": ("Cabinet draft budget, 3 December {year}", 12, 3, 0),
    "final": ("Cabinet final budget, 4 February {year}", 2, 4, 1),
}

# Monitoring the first year: each quarter's end (month, day, years after the base year's start).
QUARTER_ENDS = ((6, 30, 1), (9, 30, 1), (12, 31, 1), (3, 31, 2))
# A monitored proposal's course over its first year's four quarters: (weight, ratings).
COURSES = (
    (55, (Rating.GREEN, Rating.GREEN, Rating.BLUE, Rating.BLUE)),
    (25, (Rating.GREEN, Rating.AMBER, Rating.AMBER, Rating.AMBER)),
    (12, (Rating.AMBER, Rating.AMBER, Rating.RED, Rating.RED)),
    (8, (Rating.RED, Rating.RED, Rating.RED, Rating.RED)),
)
COMMENTARY = {
    Rating.BLUE: "Delivered: the saving is now in the base budget.",
    Rating.GREEN: "On track to deliver the full saving this year.",
    Rating.AMBER: "At risk: part of the saving is slipping.",
    Rating.RED: "Will not be delivered this year as planned.",
}
MITIGATION = "Alternative savings within the service are being identified (generated for demonstration)."

KIND_WEIGHTS = {
    Kind.REVENUE_SAVINGS: 40, Kind.REVENUE_INVESTMENT: 12, Kind.INCOME_GENERATION: 14,
    Kind.PRESSURE: 16, Kind.CAPITAL: 6, Kind.ONE_OFF_REVERSAL: 12,
}
# Mostly counted: about one in ten is rejected or withdrawn.
STATUS_WEIGHTS = {
    Status.DRAFT: 15, Status.SUBMITTED: 10, Status.CONSULTATION: 30, Status.APPROVED: 35,
    Status.REJECTED: 5, Status.WITHDRAWN: 5,
}
# Full-year size of a proposal in £ thousands: mostly tens to hundreds, a few millions.
SIZES_K = [15, 25, 40, 50, 75, 100, 120, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2500, 4000]
SIZE_WEIGHTS = [6, 8, 8, 10, 8, 10, 6, 8, 7, 6, 5, 4, 4, 3, 3, 2, 1, 1]


@dataclass
class CouncilData:
    council: Council
    plan: BudgetPlan = None
    years: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    budgets: list = field(default_factory=list)
    funding: list = field(default_factory=list)


def council_names(seed, count):
    """``count`` distinct plausible council names, the same for the same seed."""
    places = [stem + ending for stem in PLACE_STEMS for ending in PLACE_ENDINGS]
    names = [f"{place} {kind}" for place in places for kind in COUNCIL_TYPES]
    rng = random.Random(f"councils:{seed}")  # nosec B311 # deterministic demo data, not a secret
    rng.shuffle(names)
    chosen, used_places = [], set()
    for name in names:  # one council per place, as in England
        place = name.split(" ", 1)[0]
        if place not in used_places:
            used_places.add(place)
            chosen.append(name)
        if len(chosen) == count:
            break
    return chosen


def profile(rng, kind, n_years):
    """Cumulative full-period figures (£k) for one proposal, before splitting into lines."""
    size = rng.choices(SIZES_K, SIZE_WEIGHTS)[0]
    start = 0 if n_years == 1 else rng.choice([0, 0, 0, 0, 1, 1, 2]) % n_years
    if kind == Kind.PRESSURE:  # demand grows: a step each year
        step = max(5, size // rng.choice([2, 3, 4]))
        return [0 if y < start else step * (y - start + 1) for y in range(n_years)]
    if kind == Kind.ONE_OFF_REVERSAL:  # one-off: in for a year, then falls back
        sign = rng.choice([1, -1])
        return [sign * size if y == start else 0 for y in range(n_years)]
    sign = 1 if kind in (Kind.REVENUE_INVESTMENT, Kind.CAPITAL) else -1
    phasing = rng.choice([1, 1, 2, 3])  # years to reach the full-year effect
    figures = []
    for y in range(n_years):
        reached = min(y - start + 1, phasing)
        figures.append(0 if y < start else sign * size * reached // phasing)
    if kind == Kind.INCOME_GENERATION and rng.random() < 0.5:  # charges rise with inflation
        figures = [f * (100 + 3 * y) // 100 for y, f in enumerate(figures)]
    return figures


def split_lines(rng, figures, n_lines):
    """Split a proposal's figures over ``n_lines`` lines; sometimes the last line is a
    funding line that offsets the spend (a grant), so the proposal nets to less."""
    if n_lines == 1:
        return [figures], False
    offset_by_funding = n_lines >= 2 and rng.random() < 0.1
    spend_lines = n_lines - 1 if offset_by_funding else n_lines
    shares = [rng.randint(1, 4) for _ in range(spend_lines)]
    total_share = sum(shares)
    lines = []
    for i in range(spend_lines):
        if i == spend_lines - 1:
            lines.append([f - sum(line[y] for line in lines) for y, f in enumerate(figures)])
        else:
            lines.append([f * shares[i] // total_share for f in figures])
    if offset_by_funding:
        funded = rng.choice([2, 3, 4])  # a half, a third or a quarter funded by grant
        grant = [-(f // funded) for f in figures]
        lines[0] = [a - g for a, g in zip(lines[0], grant, strict=True)]  # gross spend rises by the grant
        lines.append(grant)
    return lines, offset_by_funding


# Generated governance, from each proposal's size and status (no random draws, so every
# other generated value stays as it was): a key decision from £0.5m over the period (a
# common threshold), consulted on if so; its equality impact assessment completed once
# approved, in progress out to consultation, otherwise not started.
DEMO_GOVERNANCE = ("key_decision", "consultation_needed", "eia_needed", "eia_status")
EIA_BY_STATUS = {Status.APPROVED: EiaStatus.COMPLETED, Status.CONSULTATION: EiaStatus.IN_PROGRESS}


def demo_governance(net_k, status):
    key = YesNo.YES if abs(net_k) >= 500 else YesNo.NO
    return (key.value, Needed.YES.value if key == YesNo.YES else Needed.NO.value, Needed.YES.value,
            EIA_BY_STATUS.get(status, EiaStatus.NOT_STARTED).value)


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic dataset: --councils N, each with --outcomes outcomes of "
        "--proposals proposals (per outcome), --lines impact lines each, over --years years."
    )

    def add_arguments(self, parser):
        parser.add_argument("--councils", type=int, default=1)
        parser.add_argument("--outcomes", type=int, default=10)
        parser.add_argument("--proposals", type=int, default=40, help="Proposals per outcome.")
        parser.add_argument("--lines", type=int, default=2, help="Impact lines per proposal.")
        parser.add_argument("--years", type=int, default=5, help="Financial years in each plan.")
        parser.add_argument("--base-year", type=int, default=2024,
                            help="Start year of the base year (2024 for 2024/25).")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        for name, (low, high) in LIMITS.items():
            value = options[name]
            if not low <= value <= high:
                flag = "--" + name.replace("_", "-")
                raise CommandError(f"{flag} must be between {low} and {high}; {value} was given. Nothing was changed.")
        if options["base_year"] + options["years"] > 2100:
            raise CommandError("The plan's last year would be after 2100. Nothing was changed.")
        if options["seed"] < 0:
            raise CommandError(f"--seed must be zero or more; {options['seed']} was given. Nothing was changed.")

        names = council_names(options["seed"], options["councils"])
        if len(names) < options["councils"]:  # pragma: no cover - LIMITS keeps this from happening
            raise CommandError("Not enough distinct council names for that many councils.")
        existing = list(Council.objects.filter(slug__in=[slugify(n) for n in names]).values_list("name", flat=True)[:3])
        if existing:
            raise CommandError(
                f"Generated councils already exist ({', '.join(existing)}…): this dataset, or one overlapping it, "
                "has been generated before. Nothing was changed. Use a fresh database or another --seed."
            )

        started = timezone.now()
        totals = {"proposals": 0, "lines": 0, "figures": 0, "returns": 0}
        with transaction.atomic():
            for first in range(0, len(names), COUNCILS_PER_BATCH):
                batch = list(enumerate(names))[first:first + COUNCILS_PER_BATCH]
                written = self._generate_batch(batch, options)
                for key in totals:
                    totals[key] += written[key]
                if options["verbosity"] >= 2:
                    self.stdout.write(f"  {first + len(batch)} of {len(names)} councils")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Fresh statistics, so plans suit the new size; and, outside a transaction
                # (VACUUM cannot run in one), the visibility map set as autovacuum would
                # leave a settled database: without it no index-only scan pays off
                # (README, Performance).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(self.style.SUCCESS(
            f"Generated {len(names)} councils, {totals['proposals']:,} proposals, {totals['lines']:,} impact lines "
            f"and {totals['figures']:,} yearly figures, with {totals['returns']:,} delivery returns "
            f"(seed {options['seed']}) in {seconds:.1f} s."
        ))

    def _generate_batch(self, batch, options):
        """Write the councils in ``batch`` ([(index, name)]) and everything under them."""
        now = timezone.now()
        n_years, base_year = options["years"], options["base_year"]
        councils = Council.objects.bulk_create(Council(slug=slugify(name), name=name) for _, name in batch)
        plan_label = f"{fy.label(base_year + 1)} to {fy.label(base_year + n_years)}"
        plans = BudgetPlan.objects.bulk_create(
            BudgetPlan(
                council=c, slug=f"mtfs-{base_year + 1}", name=f"Medium Term Financial Strategy {plan_label}",
                base_year=base_year, source=f"Generated by generate_demo (seed {options['seed']}).",
            )
            for c in councils
        )
        data = [CouncilData(council=c, plan=p) for c, p in zip(councils, plans, strict=True)]
        years = PlanYear.objects.bulk_create(
            PlanYear(plan=d.plan, start_year=base_year + 1 + y) for d in data for y in range(n_years)
        )
        rngs = [random.Random(f"council:{options['seed']}:{index}") for index, _ in batch]  # nosec B311 # deterministic demo data
        outcomes, themes, budgets = [], [], []
        for d, rng in zip(data, rngs, strict=True):
            titles = rng.sample(OUTCOME_TITLES, min(len(OUTCOME_TITLES), options["outcomes"]))
            titles += [f"Priority {i + 1}" for i in range(len(titles), options["outcomes"])]
            outcomes += [Outcome(council=d.council, code=str(i + 1), title=t, position=i) for i, t in enumerate(titles)]
            themes += [
                Theme(council=d.council, name=t, position=i)
                for i, t in enumerate(rng.sample(THEMES, rng.randint(5, 7)))
            ]
            n_budgets = max(options["lines"], rng.randint(18, 26))
            names = rng.sample(SERVICE_BUDGETS, min(n_budgets, len(SERVICE_BUDGETS)))
            budgets += [ServiceBudget(council=d.council, name=n, kind=ServiceBudget.Kind.SERVICE) for n in names]
            budgets += [
                ServiceBudget(council=d.council, name=n, kind=ServiceBudget.Kind.FUNDING) for n in FUNDING_LINES
            ]
        Outcome.objects.bulk_create(outcomes)
        Theme.objects.bulk_create(themes)
        ServiceBudget.objects.bulk_create(budgets)
        by_council = {d.council.pk: d for d in data}
        by_plan = {d.plan.pk: d for d in data}
        for year in years:
            by_plan[year.plan_id].years.append(year)
        for o in outcomes:
            by_council[o.council_id].outcomes.append(o)
        for t in themes:
            by_council[t.council_id].themes.append(t)
        for b in budgets:
            data_of = by_council[b.council_id]
            (data_of.funding if b.kind == ServiceBudget.Kind.FUNDING else data_of.budgets).append(b)

        proposals, lines, figures = [], [], []  # plain tuples; lines/figures point at list positions
        kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        for d, rng in zip(data, rngs, strict=True):
            start_years = [y.start_year for y in d.years]
            reference = 0
            for outcome in d.outcomes:
                for _ in range(options["proposals"]):
                    reference += 1
                    kind = rng.choices(kinds, kind_weights)[0]
                    theme = rng.choice(d.themes) if rng.random() < 0.9 else None
                    title = rng.choice(TITLE_FORMS[kind]).format(s=rng.choice(SUBJECTS))
                    status = rng.choices(statuses, status_weights)[0]
                    split, funded = split_lines(rng, profile(rng, kind, n_years), options["lines"])
                    spend_budgets = rng.sample(d.budgets, len(split) - (1 if funded else 0))
                    line_budgets = spend_budgets + ([rng.choice(d.funding)] if funded else [])
                    net = sum(sum(line) for line in split)
                    proposal_index = len(proposals)
                    proposals.append((
                        d.plan.pk, outcome.pk, theme.pk if theme else None, str(reference), title, kind,
                        f"{title}: generated for demonstration; not a real proposal.", status, reference, net,
                        *demo_governance(net, status),
                    ))
                    for position, (budget, amounts) in enumerate(zip(line_budgets, split, strict=True)):
                        line_index = len(lines)
                        lines.append((proposal_index, budget.pk, position))
                        cumulative = dict(zip(start_years, amounts, strict=True))
                        steps = increments(cumulative)
                        for year in d.years:
                            figures.append((line_index, year.pk, cumulative[year.start_year], steps[year.start_year]))

        proposal_ids = self._write_proposals(proposals, now)
        line_ids = self._write_lines(lines, proposal_ids)
        self._write_figures(figures, line_ids)
        self._write_history(proposals, proposal_ids, data, now, options["seed"])
        self._write_gaps_and_snapshots(batch, data, proposals, proposal_ids, lines, figures, options, now)
        returns = self._write_monitoring(batch, data, proposals, proposal_ids, lines, figures, options, now)
        return {"proposals": len(proposals), "lines": len(lines), "figures": len(figures), "returns": returns}

    def _write_gaps_and_snapshots(self, batch, data, proposals, proposal_ids, lines, figures, options, now):
        """Every plan's gap before proposals (three lines: the budget requirement, less
        council tax, less business rates and grants, leaving a gap about the size of its
        proposals' savings) and two snapshots: the final budget (as the plan stands) and,
        before it, the draft budget, when some proposals were not yet in, some approved
        ones were still out to consultation and some figures were 20% smaller. Drawn
        from a stream of their own, so the proposals are the same as without them."""
        base_year = options["base_year"]
        start_of = {year.pk: year.start_year for d in data for year in d.years}
        savings = {}  # (plan id, year id) -> the savings (positive £k) of its counted proposals
        for line_index, year_id, amount, _step in figures:
            row = proposals[lines[line_index][0]]
            if amount < 0 and row[7] not in ("rejected", "withdrawn"):
                savings[(row[0], year_id)] = savings.get((row[0], year_id), 0) - amount
        rngs = {d.plan.pk: random.Random(f"gap:{options['seed']}:{index}")  # nosec B311 # deterministic demo data
                for (index, _name), d in zip(batch, data, strict=True)}
        gap_lines, gap_figures = [], []  # (plan, name, sign, source, position); (line index, year, £k)
        for d in data:
            rng = rngs[d.plan.pk]
            requirement = rng.randint(150_000, 600_000)
            for position, (name, sign) in enumerate(GAP_LINES):
                gap_lines.append((d.plan.pk, name, sign, "Generated by generate_demo: not a real budget.", position))
            first = len(gap_lines) - len(GAP_LINES)
            for i, year in enumerate(d.years):
                need = requirement * (103 ** i) // (100 ** i)
                tax = need // 2
                gap = savings.get((d.plan.pk, year.pk), 0) * rng.randint(90, 120) // 100
                for offset, amount in enumerate((need, tax, need - tax - gap)):
                    gap_figures.append((first + offset, year.pk, amount))
        gap_ids = _write(GapLine, ["plan_id", "name", "sign", "source", "position", "version"],
                         [(*line, 1) for line in gap_lines])
        _write(GapFigure, ["line_id", "year_id", "amount_k"],
               [(gap_ids[line], year, amount) for line, year, amount in gap_figures], ids=False)

        snapshot_rows, which = [], {}
        for d in data:
            for key, (name, month, day, year_offset) in SNAPSHOTS.items():
                which[(d.plan.pk, key)] = len(snapshot_rows)
                taken = dt.date(base_year + year_offset, month, day)
                snapshot_rows.append((d.plan.pk, name.format(year=base_year + year_offset), slugify(
                    name.format(year=base_year + year_offset)), taken, now))
        snapshot_ids = _write(Snapshot, ["plan_id", "name", "slug", "taken_on", "taken_at"], snapshot_rows)
        # The draft: which proposals were in it, with what status and how big (per plan's stream).
        draft = {}
        for index, row in enumerate(proposals):
            rng = rngs[row[0]]
            roll = rng.random()
            if roll < 0.05:
                continue  # added since the draft budget
            status = "consultation" if row[7] == "approved" and rng.random() < 0.5 else row[7]
            draft[index] = (status, roll < 0.15)  # 10%: figures 20% smaller then
        copies, copy_lines, copy_figures = [], [], []
        lines_of = {}
        for line_index, (proposal_index, budget, position) in enumerate(lines):
            lines_of.setdefault(proposal_index, []).append((line_index, budget, position))
        figures_of = {}
        for line_index, year_id, amount, step in figures:
            figures_of.setdefault(line_index, []).append((year_id, amount, step))
        for key in SNAPSHOTS:
            for index, row in enumerate(proposals):
                if key == "draft" and index not in draft:
                    continue
                status, smaller = draft[index] if key == "draft" else (row[7], False)
                scaled = {}
                for line_index, _budget, _position in lines_of.get(index, []):
                    values = figures_of.get(line_index, [])
                    if smaller:
                        cumulative = [(y, a * 4 // 5) for y, a, _s in values]
                        steps = increments({start_of[y]: a for y, a in cumulative})
                        values = [(y, a, steps[start_of[y]]) for y, a in cumulative]
                    scaled[line_index] = values
                net = sum(a for values in scaled.values() for _y, a, _s in values)
                copy_index = len(copies)
                copies.append((snapshot_ids[which[(row[0], key)]], proposal_ids[index], row[0], row[1], row[2],
                               row[3], row[4], row[5], row[6], status, row[8], net, 1))
                for line_index, budget, position in lines_of.get(index, []):
                    copy_lines.append((copy_index, budget, position))
                    for year_id, amount, step in scaled[line_index]:
                        copy_figures.append((len(copy_lines) - 1, year_id, amount, step))
        copy_ids = _write(SnapshotProposal, ["snapshot_id", "proposal_id", "plan_id", "outcome_id", "theme_id",
                                             "reference", "title", "kind", "description", "status", "position",
                                             "net_k", "version"], copies)
        copy_line_ids = _write(SnapshotLine, ["proposal_id", "service_budget_id", "position"],
                               [(copy_ids[p], budget, position) for p, budget, position in copy_lines])
        _write(SnapshotFigure, ["line_id", "year_id", "amount_k", "increment_k"],
               [(copy_line_ids[line], year, amount, step) for line, year, amount, step in copy_figures], ids=False)
        snapshot_gap_lines, snapshot_gap_figures = [], []
        gap_line_index = {}
        for key in SNAPSHOTS:
            for index, (plan, name, sign, source, position) in enumerate(gap_lines):
                gap_line_index[(key, index)] = len(snapshot_gap_lines)
                snapshot_gap_lines.append((snapshot_ids[which[(plan, key)]], name, sign, source, position))
            for line, year, amount in gap_figures:
                earlier = key == "draft" and gap_lines[line][1] == GAP_LINES[0][0]
                snapshot_gap_figures.append((gap_line_index[(key, line)], year, amount * 98 // 100 if earlier
                                             else amount))
        snapshot_gap_ids = _write(SnapshotGapLine, ["snapshot_id", "name", "sign", "source", "position"],
                                  snapshot_gap_lines)
        _write(SnapshotGapFigure, ["line_id", "year_id", "amount_k"],
               [(snapshot_gap_ids[line], year, amount) for line, year, amount in snapshot_gap_figures], ids=False)

    def _write_monitoring(self, batch, data, proposals, proposal_ids, lines, figures, options, now):
        """Every plan's monitoring of its first year: its four quarters (Q1 to Q3 closed,
        Q4 open for returns) and, in each, a return for every approved saving and income
        proposal with a change that year, as ``delivery.services`` would accept it: the
        target and principal service budget by ``target_and_principal``, Blue and Green
        forecasting the full target, Amber and Red short of it with a mitigation. Each
        proposal follows a course over the year (delivered; at risk; slipping to Red;
        Red from the start), drawn from a stream of its own. Returns the number written."""
        base_year = options["base_year"]
        first_year = {d.plan.pk: d.years[0] for d in data}
        by_line = {}
        for line_index, year_id, _amount, step in figures:
            by_line.setdefault(line_index, {})[year_id] = step
        lines_of = {}
        for line_index, (proposal_index, budget, _position) in enumerate(lines):
            lines_of.setdefault(proposal_index, []).append((budget, by_line.get(line_index, {})))
        budget_names = {b.pk: b.name for d in data for b in d.budgets + d.funding}
        period_rows, period_index = [], {}
        for d in data:
            for quarter, (month, day, years_on) in enumerate(QUARTER_ENDS, start=1):
                period_index[(d.plan.pk, quarter)] = len(period_rows)
                period_rows.append((d.plan.pk, first_year[d.plan.pk].pk, quarter,
                                    dt.date(base_year + years_on, month, day), quarter == 4, False))
        period_ids = _write(MonitoringPeriod, ["plan_id", "year_id", "quarter", "reporting_date", "is_open",
                                               "includes_investments"], period_rows)
        council_index = {d.plan.pk: index for (index, _name), d in zip(batch, data, strict=True)}
        rows = []
        for index, row in enumerate(proposals):
            plan_id, kind, status = row[0], row[5], row[7]
            if status != Status.APPROVED or kind not in SAVING_KINDS:
                continue
            year_id = first_year[plan_id].pk
            target, principal = target_and_principal(
                (budget, steps.get(year_id, 0)) for budget, steps in lines_of.get(index, []))
            if target == 0:
                continue
            rng = random.Random(  # nosec B311 # deterministic demo data
                f"delivery:{options['seed']}:{council_index[plan_id]}:{row[3]}")
            course = rng.choices(COURSES, [weight for weight, _ratings in COURSES])[0][1]
            shares = {Rating.AMBER: rng.randint(60, 95), Rating.RED: rng.randint(0, 50)}
            officer = f"Head of {budget_names.get(principal, 'Service')}"
            for quarter, rating in enumerate(course, start=1):
                share = 100 if rating in (Rating.BLUE, Rating.GREEN) else shares[rating]
                forecast = -(-target * share // 100) if target < 0 else target * share // 100
                rows.append((
                    period_ids[period_index[(plan_id, quarter)]], proposal_ids[index], target, 0, forecast,
                    rating.value, COMMENTARY[rating], officer,
                    MITIGATION if rating in (Rating.AMBER, Rating.RED) else "", None, False, principal, 1, None, now,
                ))
        _write(DeliveryReturn, ["period_id", "proposal_id", "target_k", "slippage_in_k", "forecast_k", "rating",
                                "commentary", "lead_officer", "mitigation", "replacement_id", "delivered_next_year",
                                "service_budget_id", "version", "updated_by_id", "updated_at"], rows, ids=False)
        return len(rows)

    # Writing: COPY on PostgreSQL (ids reserved from the sequence first), bulk_create elsewhere.

    def _write_proposals(self, rows, now):
        if connection.vendor == "postgresql":
            ids = _reserve_ids(Proposal, len(rows))
            _copy(
                Proposal,
                ["id", "plan_id", "outcome_id", "theme_id", "reference", "title", "kind", "description", "status",
                 "position", "net_k", *DEMO_GOVERNANCE, "version", "created_at", "updated_at"],
                ((pk, *row, 1, now, now) for pk, row in zip(ids, rows, strict=True)),
            )
            return ids
        created = Proposal.objects.bulk_create(
            (
                Proposal(plan_id=plan, outcome_id=outcome, theme_id=theme, reference=ref, title=title, kind=kind,
                         description=desc, status=status, position=position, net_k=net, version=1,
                         **dict(zip(DEMO_GOVERNANCE, governance, strict=True)))
                for plan, outcome, theme, ref, title, kind, desc, status, position, net, *governance in rows
            ),
            batch_size=2000,
        )
        return [p.pk for p in created]

    def _write_lines(self, rows, proposal_ids):
        if connection.vendor == "postgresql":
            ids = _reserve_ids(ImpactLine, len(rows))
            _copy(
                ImpactLine, ["id", "proposal_id", "service_budget_id", "position"],
                ((pk, proposal_ids[p], budget, position) for pk, (p, budget, position) in zip(ids, rows, strict=True)),
            )
            return ids
        created = ImpactLine.objects.bulk_create(
            (ImpactLine(proposal_id=proposal_ids[p], service_budget_id=b, position=pos) for p, b, pos in rows),
            batch_size=5000,
        )
        return [line.pk for line in created]

    def _write_figures(self, rows, line_ids):
        if connection.vendor == "postgresql":
            _copy(
                Variation, ["line_id", "year_id", "amount_k", "increment_k"],
                ((line_ids[line], year, amount, step) for line, year, amount, step in rows),
            )
            return
        Variation.objects.bulk_create(
            (Variation(line_id=line_ids[line], year_id=year, amount_k=a, increment_k=s) for line, year, a, s in rows),
            batch_size=5000,
        )

    def _write_history(self, proposals, proposal_ids, data, now, seed):
        """One "seed" change set per proposal, each council's chained in the order written
        (the order of their ids), with the hashes computed here in one pass."""
        council_of_plan = {d.plan.pk: d.council.pk for d in data}
        note = f"Generated by generate_demo (seed {seed})."
        heads = {}  # the councils are new, so every chain starts here
        rows = []
        for pk, row in zip(proposal_ids, proposals, strict=True):
            council = council_of_plan[row[0]]
            previous = heads.get(council, "")
            heads[council] = digest(
                previous_hash=previous, council_id=council, proposal_id=pk, subject_type=None, subject_id=None,
                subject_label="", user_id=None, at=now, action=ChangeSet.Action.SEED.value, version=1, note=note,
                changes=[],
            )
            rows.append((pk, council, now, ChangeSet.Action.SEED.value, 1, note, "", previous, heads[council]))
        columns = [
            "proposal_id", "council_id", "at", "action", "version", "note", "subject_label", "previous_hash", "hash",
        ]
        if connection.vendor == "postgresql":
            _copy(ChangeSet, columns, rows)  # ids from the sequence, in row order: the chain's order
            return
        ChangeSet.objects.bulk_create(
            (ChangeSet(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=5000
        )


def _write(model, columns, rows, *, ids=True):
    """Write ``rows`` (tuples in ``columns`` order) into ``model``'s table, by COPY on
    PostgreSQL (ids reserved first) or bulk_create elsewhere; their ids in order if ``ids``."""
    rows = list(rows)
    if connection.vendor == "postgresql":
        if not ids:
            _copy(model, columns, rows)
            return []
        reserved = _reserve_ids(model, len(rows)) if rows else []
        _copy(model, ["id", *columns], ((pk, *row) for pk, row in zip(reserved, rows, strict=True)))
        return reserved
    created = model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows),
                                        batch_size=2000)
    return [obj.pk for obj in created] if ids else []


def _reserve_ids(model, count):
    """Take ``count`` ids from the table's sequence, so COPY can write rows that refer to each other."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model, columns, rows):
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table, in text format."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
        )


def _copy_value(value):
    if value is None:
        return "\\N"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text
