"""The forms of the structure pages. They only collect what was typed: the values are
checked by ``proposals.structure`` (required, unique in the council, lengths), whose
messages the page shows against each field."""
from django import forms
from django.utils.text import capfirst

from outcomes.models import Outcome
from proposals import structure
from proposals.models import ServiceBudget, Theme

from .structure_lists import MAX_CHARACTERS, MAX_LINES

HELP = {
    (Outcome, "title"): "As the council publishes it, without the number: \u201cPeople live well and for longer\u201d.",
    (Outcome, "what_this_means"): "What the outcome means for residents, shown with its proposals.",
    (Theme, "name"): "The heading proposals sit under in the budget book, such as \u201cReducing subsidy\u201d.",
    (ServiceBudget, "name"): "As the budget book names it, such as \u201cExternal Care Costs\u201d.",
}
KIND_LABEL = "Service budget or funding line"


def _field(model, name):
    label = capfirst(structure.field_label(model, name))
    required = name in structure.REQUIRED[model]
    if name == "kind":
        return forms.ChoiceField(
            label=KIND_LABEL, choices=ServiceBudget.Kind.choices, widget=forms.RadioSelect,
            help_text="A funding line is income, such as a grant.",
            error_messages={"required": structure.KIND_MESSAGE, "invalid_choice": structure.KIND_MESSAGE},
        )
    is_text = model._meta.get_field(name).get_internal_type() == "TextField"
    return forms.CharField(
        label=label, required=required, strip=True,
        help_text=HELP.get((model, name), model._meta.get_field(name).help_text),
        widget=forms.Textarea(attrs={"rows": 4}) if is_text else forms.TextInput(attrs={"class": "input-full"}),
        error_messages={"required": structure.required_message(model, name)} if required else {},
    )


def record_form(model):
    """The add and edit form of ``model``: its settable fields, in order."""
    return type(f"{model.__name__}Form", (forms.Form,), {name: _field(model, name) for name in structure.FIELDS[model]})


class ListForm(forms.Form):
    """A pasted list or an uploaded file (one of them)."""

    text = forms.CharField(
        label="Paste the list", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 12}),
        help_text=(
            f"Copy the cells from your spreadsheet and paste them here, one a line. At most {MAX_LINES:,} lines "
            f"and {MAX_CHARACTERS:,} characters."
        ),
    )
    file = forms.FileField(
        label="Or upload a file (.csv or .xlsx)", required=False,
        help_text="The first sheet with anything in it is read, one a row.",
        error_messages={"empty": "The file you chose is empty."},
    )

    def clean(self):
        data = super().clean()
        if data.get("text", "").strip() and data.get("file"):
            raise forms.ValidationError({"text": "Paste a list or upload a file, not both."})
        if not data.get("text", "").strip() and not data.get("file") and not self.errors:
            raise forms.ValidationError({"text": "Paste a list, or choose a .csv or .xlsx file to upload."})
        return data
