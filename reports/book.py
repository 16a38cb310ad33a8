"""The budget book of a plan, now or as at a snapshot, as seed 000 prints it: outcome by
outcome and theme by theme, each proposal with its title, kind and reference ("Independent
Living Fund - Attrition Factor Reductions (Revenue Savings) [33]"), its description, and
an "Impact on … Service Budget =" line per budget it varies with a figure per year; each
theme's and outcome's net per year; and the note that the values vary the approved
base-year budget; under each proposal with any governance recorded, one line of it (key
decision, consultation, equality impact assessment, portfolio holder, lead officer, "Not
recorded" for what is not; a proposal with none recorded prints no line, so a book of
unrecorded proposals keeps its pages). Counted as every report counts (all but rejected and withdrawn).

Three queries whatever the size (proposals with their outcomes and themes, their lines
with their budgets, the figures), all in whole £k; the HTML page and the .docx both read
``budget_book`` and nothing else."""
from dataclasses import dataclass, field

from proposals import governance
from proposals.models import Kind
from proposals.money import format_in
from proposals.snapshots import LINE_MODEL

KIND_LABELS = dict(Kind.choices)


def book_figure(amount_k, unit):
    """A figure as the book prints it: "No change" for 0, "–" for a year not profiled."""
    if amount_k is None:
        return "\u2013"
    return "No change" if amount_k == 0 else format_in(amount_k, unit)


@dataclass
class BookLine:
    budget: str
    figures: list  # £k or None (not profiled), one per plan year

    @property
    def words(self):
        return f"Impact on {self.budget} Service Budget ="


@dataclass
class BookProposal:
    pk: int
    reference: str  # "[33]" or "[NEW]"
    title: str
    kind: str  # "Revenue Savings"
    status: str
    description: str
    lines: list = field(default_factory=list)
    governance: list = field(default_factory=list)  # [(label, text)], or [] when none is recorded

    @property
    def governance_text(self):
        """ "Key decision: Yes · Consultation: … · Lead officer: Not recorded" """
        return " \u00b7 ".join(f"{label}: {text}" for label, text in self.governance)

    @property
    def heading(self):
        """ "Independent Living Fund - Attrition Factor Reductions (Revenue Savings) [33]" """
        return f"{self.title} ({self.kind}) {self.reference}"


def _add(totals, figures):
    return [t if f is None else (t or 0) + f for t, f in zip(totals, figures, strict=True)]


@dataclass
class BookTheme:
    name: str
    description: str
    proposals: list = field(default_factory=list)
    totals: list = field(default_factory=list)  # net per year, None where nothing is profiled


@dataclass
class BookOutcome:
    code: str
    title: str
    what_this_means: str
    themes: list = field(default_factory=list)
    totals: list = field(default_factory=list)


@dataclass
class Book:
    plan: object
    source: object
    years: list
    outcomes: list
    totals: list

    @property
    def note(self):
        return (f"*Values represent a +/- variation to the {self.plan.council.name} approved budget for "
                f"{self.plan.base_year_label}.")

    @property
    def proposal_count(self):
        return sum(len(theme.proposals) for outcome in self.outcomes for theme in outcome.themes)


def shown(book):
    """``book`` with each total and figure as the page prints it (``shown_totals``,
    ``line.shown``: book_figure in the plan's unit). Returns the book."""
    unit = book.plan.unit
    for outcome in book.outcomes:
        outcome.shown_totals = [book_figure(v, unit) for v in outcome.totals]
        for theme in outcome.themes:
            theme.shown_totals = [book_figure(v, unit) for v in theme.totals]
            for proposal in theme.proposals:
                for line in proposal.lines:
                    line.shown = [book_figure(v, unit) for v in line.figures]
    return book


def budget_book(source, years=None):
    """The Book of ``source`` (a proposals.snapshots.Source)."""
    plan = source.plan
    years = list(plan.years.all()) if years is None else years
    proposals = list(source.proposals().counted().select_related("outcome", "theme").in_budget_book_order())
    line_model = LINE_MODEL[source.proposals().model]
    lines = {}
    for line in (line_model.objects.filter(proposal__in=[p.pk for p in proposals])
                 .select_related("service_budget").order_by("proposal_id", "position", "pk")):
        lines.setdefault(line.proposal_id, []).append(line)
    figures = {}
    for line_id, year_id, amount in (source.figures().filter(line__proposal__in=[p.pk for p in proposals])
                                     .values_list("line_id", "year_id", "amount_k")):
        figures[(line_id, year_id)] = amount
    empty = [None] * len(years)
    outcomes, grand = [], list(empty)
    for proposal in proposals:
        if not outcomes or outcomes[-1].code != proposal.outcome.code:
            outcomes.append(BookOutcome(proposal.outcome.code, proposal.outcome.title,
                                        proposal.outcome.what_this_means, totals=list(empty)))
        outcome = outcomes[-1]
        theme_name = proposal.theme.name if proposal.theme else "No theme"
        if not outcome.themes or outcome.themes[-1].name != theme_name:
            outcome.themes.append(BookTheme(theme_name, proposal.theme.description if proposal.theme else "",
                                            totals=list(empty)))
        theme = outcome.themes[-1]
        entry = BookProposal(proposal.proposal_pk, proposal.display_reference, proposal.title,
                             KIND_LABELS.get(proposal.kind, proposal.kind), proposal.get_status_display(),
                             proposal.description,
                             governance=governance.compact(proposal) if governance.recorded(proposal) else [])
        for line in lines.get(proposal.pk, []):
            values = [figures.get((line.pk, year.pk)) for year in years]
            entry.lines.append(BookLine(line.service_budget.name, values))
            theme.totals = _add(theme.totals, values)
            outcome.totals = _add(outcome.totals, values)
            grand = _add(grand, values)
        theme.proposals.append(entry)
    return Book(plan, source, years, outcomes, grand)
