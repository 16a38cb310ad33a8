"""A proposal's governance: what a Cabinet paper evidences for it (``models.Governance``),
checked here once for every path that writes it (the edit form, ``services``, the
import), and shown here once for every page and document that prints it.

Blank is "not recorded", which is not "No". Consultation dates belong to a consultation
that is needed, and it ends on or after the day it starts. An EIA link is a web address
(http or https only: a link the page offers must not run script).
"""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.formats import date_format

from .models import (
    EIA_URL_LENGTH,
    EIA_URL_MESSAGE,
    GOVERNANCE_FIELDS,
    GOVERNANCE_NAME_LENGTH,
    EiaStatus,
    Needed,
    YesNo,
)

NOT_RECORDED = "Not recorded"
# The consultation outcome is a text field: bounded here, as proposals.structure bounds its texts.
OUTCOME_LENGTH = 5000

LABELS = {
    "key_decision": "Key decision",
    "consultation_needed": "Consultation needed",
    "consultation_start": "Consultation start",
    "consultation_end": "Consultation end",
    "consultation_outcome": "Consultation outcome",
    "eia_needed": "Equality impact assessment needed",
    "eia_status": "Equality impact assessment status",
    "eia_url": "Equality impact assessment link",
    "portfolio_holder": "Portfolio holder",
    "lead_officer": "Lead officer",
}
CHOICES = {"key_decision": YesNo, "consultation_needed": Needed, "eia_needed": Needed, "eia_status": EiaStatus}
LENGTHS = {"portfolio_holder": GOVERNANCE_NAME_LENGTH, "lead_officer": GOVERNANCE_NAME_LENGTH,
           "eia_url": EIA_URL_LENGTH, "consultation_outcome": OUTCOME_LENGTH}
DATES = ("consultation_start", "consultation_end")
# Each choice's label by its value, read once: an enum's ``.values`` and ``(value).label``
# are worked out anew on every call (the cabinet workbook asks for five per proposal).
CHOICE_LABELS = {name: dict(choices.choices) for name, choices in CHOICES.items()}
APPROVABLE_EIA = (EiaStatus.COMPLETED, EiaStatus.NOT_NEEDED)


def day_text(day):
    return date_format(day, "j F Y")


def choices_text(choices):
    """ "yes, no or not_known": the values a spreadsheet or an address may use."""
    values = list(choices.values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def check(values):
    """{field: message} of what is wrong with governance ``values`` (a proposal's whole
    governance, {field name: value}; "" or None for not recorded); {} when all is well."""
    errors = {}
    for name, choices in CHOICES.items():
        value = values.get(name) or ""
        if value and value not in choices.values:
            errors[name] = (f"\u201c{value}\u201d is not a choice for {LABELS[name].lower()}: "
                            f"use {choices_text(choices)}.")
    for name, limit in LENGTHS.items():
        value = values.get(name) or ""
        if len(value) > limit:
            errors[name] = f"{LABELS[name]} is {len(value):,} characters long; it can be at most {limit:,}."
    url = values.get("eia_url") or ""
    if url and "eia_url" not in errors and not _is_web_address(url):
        errors["eia_url"] = EIA_URL_MESSAGE + "."
    for name in DATES:
        value = values.get(name)
        if value is not None and not isinstance(value, dt.date):
            errors[name] = f"Enter the {LABELS[name].lower()} as a date, for example 5 February 2019."
    start, end = values.get("consultation_start"), values.get("consultation_end")
    if any(name in errors for name in DATES):
        return errors
    if (start or end) and (values.get("consultation_needed") or "") != Needed.YES:
        shown = Needed(values["consultation_needed"]).label.lower() if values.get("consultation_needed") in \
            Needed.values else "not recorded"
        errors["consultation_start"] = (
            f"Consultation dates are kept only for a proposal that needs consultation, and this one\u2019s is "
            f"{shown}: set \u201cConsultation needed\u201d to Yes, or clear the dates."
        )
    elif start and end and end < start:
        errors["consultation_end"] = (
            f"The consultation ends ({day_text(end)}) before it starts ({day_text(start)}): enter an end date "
            "on or after the start date."
        )
    return errors


def _is_web_address(url):
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


def values_of(record):
    """{field name: value} of a proposal's (or a snapshot copy's) governance."""
    return {name: getattr(record, name) for name in GOVERNANCE_FIELDS}


def require_valid(values):
    """Raise ValidationError({field: message}) unless ``values`` pass ``check``."""
    errors = check(values)
    if errors:
        raise ValidationError(errors)


def display(record, name):
    """One governance field as people read it: a choice by its label, a date as
    "5 February 2019", "" for not recorded."""
    value = getattr(record, name)
    if value in (None, ""):
        return ""
    labels = CHOICE_LABELS.get(name)
    if labels is not None:
        return labels[value] if value in labels else str(value)
    if name in DATES:
        return day_text(value)
    return str(value)


@dataclass(frozen=True)
class Row:
    label: str
    text: str  # "" when not recorded
    url: str = ""  # the EIA's link

    @property
    def shown(self):
        return self.text or NOT_RECORDED


def consultation_dates(record):
    start, end = record.consultation_start, record.consultation_end
    if start and end:
        return f"{day_text(start)} to {day_text(end)}"
    if start:
        return f"from {day_text(start)}"
    if end:
        return f"until {day_text(end)}"
    return ""


def rows(record):
    """The proposal page's Governance summary list, in the order a paper gives it."""
    return [
        Row("Key decision", display(record, "key_decision")),
        Row("Consultation needed", display(record, "consultation_needed")),
        Row("Consultation dates", consultation_dates(record)),
        Row("Consultation outcome", display(record, "consultation_outcome")),
        Row("Equality impact assessment needed", display(record, "eia_needed")),
        Row("Equality impact assessment status", display(record, "eia_status")),
        Row("Equality impact assessment", record.eia_url, url=record.eia_url),
        Row("Portfolio holder", display(record, "portfolio_holder")),
        Row("Lead officer", display(record, "lead_officer")),
    ]


def recorded(record):
    return any(getattr(record, name) not in (None, "") for name in GOVERNANCE_FIELDS)


def compact(record):
    """The budget book's one line under a proposal (its .docx too): "Key decision: Yes ·
    Consultation: Yes, 5 November 2018 to 2 January 2019 · Equality impact assessment:
    Completed · Portfolio holder: … · Lead officer: …", "Not recorded" for what is not."""
    consultation = display(record, "consultation_needed")
    dates = consultation_dates(record)
    if dates:
        consultation = f"{consultation}, {dates}" if consultation else dates
    eia = display(record, "eia_status")
    if not eia and record.eia_needed:
        eia = f"needed: {display(record, 'eia_needed').lower()}"
    parts = [
        ("Key decision", display(record, "key_decision")),
        ("Consultation", consultation),
        ("Equality impact assessment", eia),
        ("Portfolio holder", display(record, "portfolio_holder")),
        ("Lead officer", display(record, "lead_officer")),
    ]
    return [(label, text or NOT_RECORDED) for label, text in parts]


def approval_refusal(proposal, council):
    """Why ``council``'s rule refuses approving ``proposal`` ("" when it does not): with
    the rule on, its EIA must be completed, or marked not needed (a screening that found
    no full assessment is needed is itself a completed assessment)."""
    if not council.require_completed_eia or proposal.eia_status in APPROVABLE_EIA:
        return ""
    status = EiaStatus(proposal.eia_status).label.lower() if proposal.eia_status else "not recorded"
    return (
        f"{proposal.display_reference} cannot be approved: its equality impact assessment is not completed "
        f"(status: {status}). {council.name} requires a completed assessment, or one marked not needed, "
        "before approval."
    )
