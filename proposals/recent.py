"""Recent changes to a council's record, filtered by date, person and proposal.

The filters are a GET form, so a filtered view can be bookmarked. A bad value (a date
that is not one, "from" after "to", a person not of this council) is a 400 with its
message and no rows; every value is bounded (dates, a choice, 100 characters)."""
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from councils.access import display_name

from .models import ChangeSet
from .references import display_reference

SYSTEM_CHOICE = "published"  # the changes nobody made: the published document's


class RecentChangesFilter(forms.Form):
    since = forms.DateField(label="From", required=False, help_text="A date, such as 2019-02-05.",
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "Enter the “From” date as a date, such as 2019-02-05."})
    until = forms.DateField(label="To", required=False, help_text="A date, such as 2019-02-28.",
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "Enter the “To” date as a date, such as 2019-02-28."})
    person = forms.ChoiceField(label="Who", required=False)
    proposal = forms.CharField(label="Proposal", required=False, max_length=100,
                               help_text="Its reference ([45] or 45) or words of its title.",
                               error_messages={"max_length": "Type at most 100 characters to find a proposal."})

    def __init__(self, data, *, council):
        super().__init__(data)
        self.council = council
        people = get_user_model().objects.filter(
            Q(memberships__council=council) | Q(pk__in=ChangeSet.objects.filter(council=council).values("user_id"))
        ).distinct().order_by("last_name", "first_name", "username")
        self.fields["person"].choices = (
            [("", "Anyone"), (SYSTEM_CHOICE, "The published document")]
            + [(str(person.pk), display_name(person)) for person in people]
        )
        self.fields["person"].error_messages["invalid_choice"] = (
            f"“%(value)s” is not someone who works on {council.name}’s record."
        )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The “To” date is before the “From” date.")
        return cleaned

    def apply(self, changesets):
        """``changesets`` narrowed by the valid filters (call after is_valid())."""
        data = self.cleaned_data
        if data.get("since"):
            changesets = changesets.filter(at__date__gte=data["since"])
        if data.get("until"):
            changesets = changesets.filter(at__date__lte=data["until"])
        if data.get("person") == SYSTEM_CHOICE:
            changesets = changesets.filter(user__isnull=True)
        elif data.get("person"):
            changesets = changesets.filter(user_id=int(data["person"]))
        text = (data.get("proposal") or "").strip()
        if text:
            reference = text.strip("[]").strip()
            changesets = changesets.filter(
                Q(proposal__reference__iexact=reference) | Q(proposal__title__icontains=text)
            )
        return changesets

    @property
    def active(self):
        """[(label, value)] of the filters in force, for the page to say what it shows."""
        if not self.is_bound or not self.is_valid():
            return []
        out = []
        for name in ("since", "until", "person", "proposal"):
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if name == "person":
                value = dict(self.fields["person"].choices)[value]
            elif name == "proposal":
                value = display_reference(value.strip("[]").strip()) if value.strip("[]").strip().isdigit() else value
            out.append((self.fields[name].label, str(value)))
        return out
