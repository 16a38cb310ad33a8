"""The budget record: plans, proposals, their impact lines and yearly figures, and
the audit trail of every change to them.

Money is stored as whole £ thousands (``*_k`` fields) and converted to £m only by
``proposals.money``. A figure is a ``Variation``: the cumulative variation to the
plan's approved base-year budget for one line and one financial year. A year with no
Variation row is *unprofiled*; a row with 0 is "No change". They are different.
"""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from councils.models import Council, CouncilFixedOnceUsed

from . import money
from . import years as fy
from .money import MAX_ABS_K, format_m
from .references import display_reference


class BudgetPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The plans of the councils ``user`` may see (with their council)."""
        return self.select_related("council").filter(council__in=Council.objects.visible_to(user))

    def newest_first(self):
        """The latest round first: the one a council's pages and commands open by default."""
        return self.order_by("-base_year", "slug")


class BudgetPlan(CouncilFixedOnceUsed, models.Model):
    """A council's budget round (MTFS): financial years varying an approved base year.

    ``unit`` is the unit the council works in, for the figures its pages show and take
    (figures are stored in whole £k whatever it is). A closed plan is read-only: its
    proposals cannot change (``proposals.permissions``) until a council administrator
    reopens it."""

    class Unit(models.TextChoices):
        MILLIONS = money.MILLIONS, "£m, to three decimal places"
        THOUSANDS = money.THOUSANDS, "£000 (whole thousands)"

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="plans")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    base_year = models.PositiveSmallIntegerField(
        help_text="Start year of the approved base-year budget the figures vary (2018 for 2018/19)."
    )
    source = models.TextField(blank=True, help_text="Where the figures come from.")
    note = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.MILLIONS,
                            help_text="The unit the council's figures are shown and typed in.")
    is_closed = models.BooleanField("closed", default=False,
                                    help_text="A closed plan is read-only: its proposals cannot change.")

    objects = BudgetPlanQuerySet.as_manager()

    council_used_by = [("proposals", None), ("published_totals", None)]

    class Meta:
        ordering = ["council", "-base_year", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["council", "slug"], name="plan_slug_unique_per_council"),
            models.CheckConstraint(condition=Q(base_year__gte=1990, base_year__lte=2100), name="plan_base_year_sane"),
            models.CheckConstraint(condition=Q(unit__in=money.UNITS), name="plan_unit_valid"),
        ]

    def __str__(self):
        return f"{self.council.name}: {self.name}"

    def council_record_name(self):
        return f"Budget plan \u201c{self.name}\u201d"

    @property
    def base_year_label(self):
        return fy.label(self.base_year)

    @property
    def unit_label(self):
        """ "£m" or "£000", as headings name the unit."""
        return money.unit_label(self.unit)

    @property
    def zero_text(self):
        """A zero ("No change") as the plan's pages show it: "0.000" in £m, "0" in £000."""
        return money.format_in(0, self.unit)


class PlanYear(models.Model):
    """One financial year of a plan. Variations point here, so a figure is always in
    a year the plan has (and a database trigger checks it is this proposal's plan)."""

    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="years")
    start_year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["plan", "start_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "start_year"], name="plan_year_unique"),
            models.CheckConstraint(condition=Q(start_year__gte=1990, start_year__lte=2100), name="plan_year_sane"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """ "2019/20"; empty for a year not given yet (an admin form's blank row)."""
        return "" if self.start_year is None else fy.label(self.start_year)

    def clean(self):
        """A plan's years come after its base year, and a year with figures stays the year
        they are for."""
        super().clean()
        if self.start_year is None:
            return
        try:
            base_year = self.plan.base_year
        except BudgetPlan.DoesNotExist:
            base_year = None
        if base_year is not None and self.start_year <= base_year:
            raise ValidationError({"start_year": (
                f"{self.label} is not after the plan\u2019s base year, {fy.label(base_year)}: "
                "a plan\u2019s years vary its approved base-year budget."
            )})
        if self.pk is not None:
            stored = PlanYear.objects.filter(pk=self.pk).values_list("start_year", flat=True).first()
            if stored is not None and stored != self.start_year and self.variations.exists():
                raise ValidationError({"start_year": (
                    f"{fy.label(stored)} has figures, so it cannot become {self.label}; "
                    "add the new year as another row."
                )})


class Theme(CouncilFixedOnceUsed, models.Model):
    """The heading a proposal sits under in the budget book ("Reducing subsidy")."""

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    council_used_by = [("proposals", "plan"), ("published_totals", "plan"), ("snapshot_copies", "plan")]

    class Meta:
        ordering = ["council", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="theme_name_unique_per_council")]

    def __str__(self):
        return self.name


class ServiceBudget(CouncilFixedOnceUsed, models.Model):
    """A budget an impact line varies: a service budget, or a funding line such as a grant."""

    class Kind(models.TextChoices):
        SERVICE = "service", "Service budget"
        FUNDING = "funding", "Funding line"

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="service_budgets")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SERVICE)

    council_used_by = [("lines", "proposal__plan"), ("published_totals", "plan"),
                       ("snapshot_lines", "proposal__plan")]

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="service_budget_unique_per_council"),
            models.CheckConstraint(condition=Q(kind__in=["service", "funding"]), name="service_budget_kind_valid"),
        ]

    def __str__(self):
        return self.name


class Kind(models.TextChoices):
    REVENUE_SAVINGS = "revenue_savings", "Revenue Savings"
    REVENUE_INVESTMENT = "revenue_investment", "Revenue Investment"
    INCOME_GENERATION = "income_generation", "Income Generation"
    PRESSURE = "pressure", "Pressure"
    CAPITAL = "capital", "Capital"
    ONE_OFF_REVERSAL = "one_off_reversal", "Reversal of one-off item"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CONSULTATION = "consultation", "Out to consultation"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Needed(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not yet known"


class EiaStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    NOT_NEEDED = "not_needed", "Not needed"


# How long a name or a link may be (a text field's limit is proposals.governance's).
GOVERNANCE_NAME_LENGTH = 200
EIA_URL_LENGTH = 500
# A governance text not recorded: blank in Python and in the database's own default.
NOT_RECORDED_TEXT = {"blank": True, "default": "", "db_default": ""}
EIA_URL_MESSAGE = "Enter the link to the equality impact assessment as a web address starting http:// or https://"


class Governance(models.Model):
    """What a Cabinet or Council paper evidences for a proposal: whether it is a key
    decision, its consultation, its equality impact assessment (EIA), and who answers
    for it. Every field may be blank: not recorded (shown as such), which is not "No". The
    database's default is blank too, so a bulk writer that names only the other columns
    (generate_demo's COPY) still writes a row.
    Checked by ``proposals.governance.check``; kept on a proposal and on its snapshot copy."""

    key_decision = models.CharField("key decision", max_length=10, choices=YesNo.choices, **NOT_RECORDED_TEXT)
    consultation_needed = models.CharField("consultation needed", max_length=10, choices=Needed.choices,
                                           **NOT_RECORDED_TEXT)
    consultation_start = models.DateField("consultation start", null=True, blank=True)
    consultation_end = models.DateField("consultation end", null=True, blank=True)
    consultation_outcome = models.TextField("consultation outcome", **NOT_RECORDED_TEXT)
    eia_needed = models.CharField("equality impact assessment needed", max_length=10, choices=Needed.choices,
                                  **NOT_RECORDED_TEXT)
    eia_status = models.CharField("equality impact assessment status", max_length=20, choices=EiaStatus.choices,
                                  **NOT_RECORDED_TEXT)
    eia_url = models.URLField(
        "link to the equality impact assessment", max_length=EIA_URL_LENGTH, **NOT_RECORDED_TEXT,
        validators=[URLValidator(schemes=["http", "https"], message=EIA_URL_MESSAGE)],
    )
    portfolio_holder = models.CharField("portfolio holder", max_length=GOVERNANCE_NAME_LENGTH, **NOT_RECORDED_TEXT)
    lead_officer = models.CharField("lead officer", max_length=GOVERNANCE_NAME_LENGTH, **NOT_RECORDED_TEXT)

    class Meta:
        abstract = True


GOVERNANCE_FIELDS = (
    "key_decision", "consultation_needed", "consultation_start", "consultation_end", "consultation_outcome",
    "eia_needed", "eia_status", "eia_url", "portfolio_holder", "lead_officer",
)


# What every report counts unless asked otherwise.
NOT_COUNTED = (Status.REJECTED, Status.WITHDRAWN)
COUNTED_STATUSES = tuple(s for s in Status.values if s not in NOT_COUNTED)


# The budget book's order: by outcome, then theme (proposals without one last, on every
# database), then the proposal's place within its theme.
BUDGET_BOOK_ORDER = (
    F("outcome__position").asc(), "outcome__code", F("theme__position").asc(nulls_last=True),
    F("theme__name").asc(nulls_last=True), "theme_id", "position", "pk",
)


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.is_active and user.is_superuser:
            return self.all()  # every council: no subquery for the planner to carry
        return self.filter(plan__council__in=Council.objects.visible_to(user))

    def for_plan(self, plan):
        return self.filter(plan=plan)

    def counted(self):
        """Everything but rejected and withdrawn proposals: what reports count by default."""
        return self.exclude(status__in=NOT_COUNTED)

    def in_budget_book_order(self, *lead):
        """As the budget book prints them (``lead``: orderings to put first)."""
        return self.order_by(*lead, *BUDGET_BOOK_ORDER)


class Proposal(Governance):
    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="proposals")
    outcome = models.ForeignKey("outcomes.Outcome", on_delete=models.PROTECT, related_name="proposals")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="proposals", null=True, blank=True)
    reference = models.CharField(  # noqa: DJ001 - NULL, not "", so unnumbered ones pass the unique (plan, reference)
        max_length=20, null=True, blank=True,
        help_text='As published, without brackets ("33"). Empty for a new proposal not yet numbered ([NEW]).',
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    position = models.PositiveIntegerField(default=0, help_text="Order within its theme in the budget book.")

    # Kept by proposals.services on every save and import, for sorting large lists:
    # the sum of all the proposal's figures over the plan (cash over the period), £k.
    net_k = models.BigIntegerField(default=0)

    # Optimistic locking: every save must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who last changed the content (not the status).",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.PositiveIntegerField(
        null=True, blank=True, editable=False,
        help_text="The version it was last approved at, kept when it returns to draft: whoever changes its "
                  "content after this may not approve it.",
    )
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to", editable=False,
        help_text="The proposal of the previous round this one was rolled forward from.",
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            # NULL references ([NEW]) may repeat; a number may not.
            models.UniqueConstraint(
                fields=["plan", "reference"], condition=Q(reference__isnull=False),
                name="proposal_reference_unique_per_plan",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="proposal_reference_not_blank"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="proposal_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="proposal_status_valid"),
            # The author does not approve: neither who created it nor who last changed it
            # (nor anyone who changed its content since the last approval: a trigger, 0003).
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (
                    (Q(created_by__isnull=True) | ~Q(approved_by=F("created_by")))
                    & (Q(updated_by__isnull=True) | ~Q(approved_by=F("updated_by")))
                ),
                name="proposal_approver_is_not_author",
            ),
            models.CheckConstraint(condition=Q(key_decision__in=["", *YesNo.values]),
                                   name="proposal_key_decision_valid"),
            models.CheckConstraint(condition=Q(consultation_needed__in=["", *Needed.values]),
                                   name="proposal_consultation_needed_valid"),
            models.CheckConstraint(condition=Q(eia_needed__in=["", *Needed.values]), name="proposal_eia_needed_valid"),
            models.CheckConstraint(condition=Q(eia_status__in=["", *EiaStatus.values]),
                                   name="proposal_eia_status_valid"),
            # Consultation dates only for a consultation that is needed, and it ends after it starts.
            models.CheckConstraint(
                condition=Q(consultation_needed=Needed.YES)
                | Q(consultation_start__isnull=True, consultation_end__isnull=True),
                name="proposal_consultation_dates_if_needed",
            ),
            models.CheckConstraint(
                condition=Q(consultation_start__isnull=True) | Q(consultation_end__isnull=True)
                | Q(consultation_end__gte=F("consultation_start")),
                name="proposal_consultation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"], name="proposal_plan_status"),
            models.Index(fields=["net_k", "id"], name="proposal_net"),
        ]

    def __str__(self):
        return f"{self.display_reference} {self.title}"

    @property
    def display_reference(self):
        return display_reference(self.reference)

    @property
    def is_read_only(self):
        return self.status == Status.APPROVED

    @property
    def proposal_pk(self):
        """The proposal's id, as a snapshot's copy of it also answers (its pages' address)."""
        return self.pk


class ImpactLine(models.Model):
    """ "Impact on External Care Costs Service Budget = …": one budget a proposal varies."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    service_budget = models.ForeignKey(ServiceBudget, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "service_budget"], name="one_line_per_budget_per_proposal"),
        ]

    def __str__(self):
        return f"Impact on {self.service_budget.name}"


class Variation(models.Model):
    """The figure for one line in one financial year: cumulative variation to the base
    year (``amount_k``), and the change from the line's previous profiled year
    (``increment_k``, the incremental view), both in whole £ thousands."""

    line = models.ForeignKey(ImpactLine, on_delete=models.CASCADE, related_name="variations")
    year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="variations")
    amount_k = models.BigIntegerField(help_text="Variation to the base-year budget, whole £ thousands.")
    increment_k = models.BigIntegerField(
        help_text="Change from the line's previous profiled year (or from the base year), £ thousands."
    )

    class Meta:
        ordering = ["line", "year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["line", "year"], name="one_variation_per_line_and_year"),
            models.CheckConstraint(
                condition=Q(amount_k__gte=-MAX_ABS_K, amount_k__lte=MAX_ABS_K), name="variation_amount_in_range"
            ),
        ]
        indexes = [models.Index(fields=["year", "line"], name="variation_year_line")]

    def __str__(self):
        return f"{self.year.label}: {format_m(self.amount_k)}"


class ChangeSet(models.Model):
    """One save: who changed what, when (stored in UTC), and how.

    What was changed is a proposal (``proposal``, with its version after the save) or a
    structural record (``subject``: a plan, outcome, theme, service budget, membership
    or council, named by ``subject_label`` as it was then). Rows are only ever added,
    through ``proposals.history``: the database refuses UPDATE and DELETE (and
    TRUNCATE on PostgreSQL). Each council's change sets form a hash chain, in id order:
    ``hash`` covers this change set's content and its changes, and ``previous_hash``
    is the hash of the council's change set before it, so ``manage.py verify_history``
    finds a row altered or removed by anyone who got past the database's refusal."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        EDIT = "edit", "Edited"
        STATUS = "status", "Status changed"
        IMPORT = "import", "Imported from a spreadsheet"
        SEED = "seed", "Loaded from the published document"
        DELETE = "delete", "Deleted"

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="changesets")
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(max_length=300, blank=True, help_text="The record, as it was named then.")
    council = models.ForeignKey("councils.Council", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The proposal's version after this save.")
    note = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True, help_text="The council's previous change set's hash.")
    hash = models.CharField(max_length=64, help_text="SHA-256 over this change set, its changes and previous_hash.")

    # The Change rows written with it, kept on the object proposals.history.append returns.
    recorded_changes: list["Change"]

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["proposal", "version"], name="changeset_proposal_version"),
            models.Index(fields=["council", "-at"], name="changeset_council_recent"),
            models.Index(fields=["council", "id"], name="changeset_council_chain"),
        ]
        constraints = [
            # Two saves cannot chain onto the same predecessor: the chain never forks.
            models.UniqueConstraint(fields=["council", "previous_hash"], name="changeset_chain_does_not_fork"),
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, version__isnull=False, subject_type__isnull=True,
                            subject_id__isnull=True)
                | Q(proposal__isnull=True, subject_type__isnull=False, subject_id__isnull=False),
                name="changeset_is_of_a_proposal_or_a_subject",
            ),
        ]

    def __str__(self):
        if self.proposal_id is None:
            return f"{self.get_action_display()} {self.subject_label}"
        return f"{self.get_action_display()} {self.proposal_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("History is kept as it was written; it cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("History cannot be deleted.")


class Change(models.Model):
    """One changed value within a save: a header field, a line, or a yearly figure."""

    class Kind(models.TextChoices):
        FIELD = "field", "Field"
        FIGURE = "figure", "Figure"
        LINE = "line", "Impact line"
        STATUS = "status", "Status"

    changeset = models.ForeignKey(ChangeSet, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    field = models.CharField(max_length=100, help_text='Field name, or the line\'s budget for a figure.')
    year_label = models.CharField(max_length=7, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    old_k = models.BigIntegerField(null=True, blank=True)
    new_k = models.BigIntegerField(null=True, blank=True)
    # The same change as keys, for the three-way merge (proposals.forms): a header field
    # by its model field name with its values as stored (a related record by its id), a
    # line or figure by its service budget's id, a figure's year by its PlanYear's id, a
    # line's values as its figures {PlanYear id: £k} in JSON ("" where there is no line).
    # Plain ids rather than foreign keys: the history is append-only, so it can neither
    # hold up a deletion nor follow one.
    field_name = models.CharField(max_length=40, blank=True)
    service_budget_id = models.PositiveBigIntegerField(null=True, blank=True)
    plan_year_id = models.PositiveBigIntegerField(null=True, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["changeset", "id"]

    def __str__(self):
        return self.describe()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("History is kept as it was written; it cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("History cannot be deleted.")

    def describe(self):
        """ "2020/21 External Care Costs: +8.000 → +8.500" """
        subject = f"{self.year_label} {self.field}" if self.year_label else self.field
        old = self.old if self.old != "" else "(none)"
        new = self.new if self.new != "" else "(none)"
        return f"{subject}: {old} \u2192 {new}"


# A printed total may add up many lines: ten times the largest figure of one line (£100bn).
MAX_TOTAL_K = 10 * MAX_ABS_K


class TotalScope(models.TextChoices):
    """What a published total adds up."""

    PLAN = "plan", "The whole plan"
    OUTCOME = "outcome", "An outcome"
    THEME = "theme", "A theme"
    SERVICE_BUDGET = "service_budget", "A service budget"
    PROPOSALS = "proposals", "The proposals it lists"


class Measure(models.TextChoices):
    """Which sum of the lines a published total is (DOMAIN.md "Net, investment and saving")."""
    NET = "net", "Net"
    INVESTMENT = "investment", "Investment (sum of the increases)"
    SAVING = "saving", "Saving (sum of the decreases)"


class PublishedTotal(models.Model):
    """A total as the council printed it ("Outcome 01 TOTAL", a sheet's "Total" row), kept
    beside the proposals so that ``proposals.published.reconcile`` can compare it with
    the sum of its lines, year by year, whenever anyone asks.

    What it totals is its ``scope``: the whole plan, an outcome, a theme, a service budget,
    or the proposals it lists (an imported sheet's total row covers the rows above it);
    counted as every report counts (all but rejected and withdrawn). Its ``measure`` is
    net, investment (the sum of the increases) or saving (the sum of the decreases),
    line by line. Its figures are ``PublishedFigure`` rows."""

    Scope = TotalScope
    Measure = Measure

    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="published_totals")
    label = models.CharField(max_length=200, help_text='As printed: "Outcome 01 TOTAL".')
    source = models.CharField(max_length=300, help_text='Where it was printed: "Budget book p.12".')
    measure = models.CharField(max_length=12, choices=Measure.choices, default=Measure.NET)
    scope = models.CharField(max_length=20, choices=Scope.choices)
    outcome = models.ForeignKey(
        "outcomes.Outcome", on_delete=models.PROTECT, null=True, blank=True, related_name="published_totals"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="published_totals")
    service_budget = models.ForeignKey(
        ServiceBudget, on_delete=models.PROTECT, null=True, blank=True, related_name="published_totals"
    )
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="published_totals")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(measure__in=Measure.values), name="published_total_measure_valid"),
            models.CheckConstraint(
                condition=Q(scope=TotalScope.OUTCOME, outcome__isnull=False, theme__isnull=True,
                            service_budget__isnull=True)
                | Q(scope=TotalScope.THEME, outcome__isnull=True, theme__isnull=False, service_budget__isnull=True)
                | Q(scope=TotalScope.SERVICE_BUDGET, outcome__isnull=True, theme__isnull=True,
                    service_budget__isnull=False)
                | Q(scope__in=[TotalScope.PLAN, TotalScope.PROPOSALS], outcome__isnull=True, theme__isnull=True,
                    service_budget__isnull=True),
                name="published_total_scope_names_one_record",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_measure_display().split(' (')[0].lower()})"


class PublishedFigure(models.Model):
    """One printed figure of a published total, in whole £ thousands: the change in its
    lines' variation over ``first_year``..``last_year``, that is the variation to the
    base-year budget in ``last_year`` less the variation in the year before
    ``first_year`` (none before the plan's first year). A sheet's year column ("2020/21")
    is a figure from the plan's first year to that year; Cheshire West's "2017-2020"
    profile is the change from 2017/18 to 2019/20. ``printed_period`` is the period as
    the council printed it."""

    total = models.ForeignKey(PublishedTotal, on_delete=models.CASCADE, related_name="figures")
    first_year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="+")
    last_year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="+")
    printed_period = models.CharField(max_length=40, blank=True, help_text='As printed: "2017-2020", "2019/20".')
    amount_k = models.BigIntegerField(help_text="As printed, whole £ thousands.")

    class Meta:
        ordering = ["total", "last_year__start_year", "first_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["total", "first_year", "last_year"], name="published_figure_once"),
            models.CheckConstraint(
                condition=Q(amount_k__gte=-MAX_TOTAL_K, amount_k__lte=MAX_TOTAL_K),
                name="published_figure_amount_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.printed_period}: {format_m(self.amount_k)}"


# The gap ledger: the gap before a plan's proposals, built from lines the council names.


class GapLine(models.Model):
    """One line of the budget build-up the gap before the proposals is made of ("Net
    budget requirement", "Council tax", …), with a figure per plan year (``figures``).

    The gap before proposals in a year is the sum over the lines with a figure that
    year of ``sign`` × figure: a positive gap is a shortfall. ``sign`` is +1 for a line
    that adds to the gap (spending, pressures) and -1 for one that reduces it (funding).
    A year where no line has a figure has no gap entered (never 0)."""

    class Sign(models.IntegerChoices):
        ADDS = 1, "Adds to the gap (spending)"
        REDUCES = -1, "Reduces the gap (funding)"

    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="gap_lines")
    name = models.CharField(max_length=200)
    sign = models.SmallIntegerField(choices=Sign.choices, default=Sign.ADDS)
    source = models.CharField(max_length=300, blank=True, help_text="Where the figures come from.")
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text="Goes up with every save: an edit of an older "
                                                                "version is refused (proposals.gap).")

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="gap_line_name_unique_per_plan"),
            models.CheckConstraint(condition=Q(sign__in=[1, -1]), name="gap_line_sign_valid"),
        ]

    def __str__(self):
        return self.name


class GapFigure(models.Model):
    """A gap line's figure for one plan year, whole £ thousands (cumulative, as the plan's
    figures: the year's amount against the base year)."""

    line = models.ForeignKey(GapLine, on_delete=models.CASCADE, related_name="figures")
    year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="gap_figures")
    amount_k = models.BigIntegerField()

    class Meta:
        ordering = ["line", "year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["line", "year"], name="one_gap_figure_per_line_and_year"),
            models.CheckConstraint(
                condition=Q(amount_k__gte=-MAX_ABS_K, amount_k__lte=MAX_ABS_K), name="gap_figure_amount_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.year.label}: {format_m(self.amount_k)}"


# Snapshots "as at" a Cabinet date: a frozen copy of a plan's proposals, lines, figures
# and gap lines. Every Snapshot* model has the field names of the live model it copies
# (SnapshotProposal: outcome, theme, kind, status, net_k, lines; SnapshotLine:
# service_budget, variations; SnapshotFigure: year, amount_k, increment_k), so a report's
# query over ``Proposal.objects`` runs unchanged over ``SnapshotProposal.objects``
# (proposals.snapshots.Source gives a report the one it asks for). The database refuses
# UPDATE and DELETE on them (migration 0009), like the audit trail.


class Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A snapshot is kept as it was taken; it cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A snapshot cannot be deleted.")


class Snapshot(Immutable):
    """A plan as it stood at a moment ("Cabinet 5 February 2019"), taken by
    ``proposals.snapshots.take_snapshot``. ``slug`` is what ``?as_at=`` and ``--as-at`` name."""

    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="snapshots")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    taken_on = models.DateField(help_text="The date it is as at (the Cabinet's).")
    taken_at = models.DateTimeField(default=timezone.now, editable=False)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["plan", "-taken_on", "-taken_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="snapshot_slug_unique_per_plan"),
            models.UniqueConstraint(fields=["plan", "name"], name="snapshot_name_unique_per_plan"),
        ]

    def __str__(self):
        return self.name


class SnapshotProposalQuerySet(ProposalQuerySet):
    def for_snapshot(self, snapshot):
        return self.filter(snapshot=snapshot)


class SnapshotProposal(Governance, Immutable):
    """A proposal's header and status as they were when ``snapshot`` was taken. ``proposal``
    is the live proposal's id (no foreign key constraint: the copy outlives it)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="proposals")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey("outcomes.Outcome", on_delete=models.PROTECT, related_name="snapshot_copies")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="snapshot_copies", null=True, blank=True)
    reference = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 - as Proposal.reference
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    position = models.PositiveIntegerField(default=0)
    net_k = models.BigIntegerField(default=0)
    version = models.PositiveIntegerField()

    objects = SnapshotProposalQuerySet.as_manager()

    class Meta:
        ordering = ["snapshot", "position", "id"]
        verbose_name = "proposal in a snapshot"
        verbose_name_plural = "proposals in snapshots"
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "proposal"], name="snapshot_proposal_once"),
        ]
        indexes = [models.Index(fields=["snapshot", "status"], name="snapshot_proposal_status")]

    def __str__(self):
        return f"{self.display_reference} {self.title}"

    @property
    def display_reference(self):
        return display_reference(self.reference)

    @property
    def is_read_only(self):
        return True

    @property
    def proposal_pk(self):
        return self.proposal_id


class SnapshotLine(Immutable):
    proposal = models.ForeignKey(SnapshotProposal, on_delete=models.PROTECT, related_name="lines")
    service_budget = models.ForeignKey(ServiceBudget, on_delete=models.PROTECT, related_name="snapshot_lines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "position", "id"]
        verbose_name = "impact line in a snapshot"
        verbose_name_plural = "impact lines in snapshots"

    def __str__(self):
        return f"Impact on {self.service_budget.name}"


class SnapshotFigure(Immutable):
    line = models.ForeignKey(SnapshotLine, on_delete=models.PROTECT, related_name="variations")
    year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="+")
    amount_k = models.BigIntegerField()
    increment_k = models.BigIntegerField()

    class Meta:
        ordering = ["line", "year__start_year"]
        indexes = [models.Index(fields=["year", "line"], name="snapshot_figure_year_line")]

    def __str__(self):
        return f"{self.year.label}: {format_m(self.amount_k)}"


class SnapshotGapLine(Immutable):
    """A gap line as it was when ``snapshot`` was taken (figures in ``figures``)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="gap_lines")
    name = models.CharField(max_length=200)
    sign = models.SmallIntegerField(choices=GapLine.Sign.choices)
    source = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["snapshot", "position", "id"]

    def __str__(self):
        return self.name


class SnapshotGapFigure(Immutable):
    line = models.ForeignKey(SnapshotGapLine, on_delete=models.PROTECT, related_name="figures")
    year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="+")
    amount_k = models.BigIntegerField()

    class Meta:
        ordering = ["line", "year__start_year"]

    def __str__(self):
        return f"{self.year.label}: {format_m(self.amount_k)}"
