import hashlib

from django import forms
from django.conf import settings
from openpyxl.utils import get_column_letter

from proposals import years as fy
from proposals.models import Kind

from .importing.table import FIELD_LABELS, FIELDS, Basis, Signs, Unit
from .uploads import MAX_CELLS, MB


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Workbook (.xlsx) or CSV file",
        help_text=(
            "An exported cabinet-paper workbook or flat proposal list with your changes, or your council's own "
            "table of proposals, "
            f"at most {settings.UPLOAD_MAX_BYTES // MB} MB, {settings.UPLOAD_MAX_ROWS:,} rows and {MAX_CELLS:,} cells."
        ),
        error_messages={"required": "Choose a workbook (.xlsx) or CSV file to upload.",
                        "empty": "The file you chose is empty."},
    )


def used_width(table):
    """The columns up to the last one headed or read: the rest of a padded row is left out."""
    used = [i for i, heading in enumerate(table.headings) if heading]
    used += list(table.columns) + [year.column for year in table.years]
    return max(used, default=-1) + 1


def word_field_name(word):
    """The mapping form's field for a kind word: named by a digest, so any text is safe."""
    return "word_" + hashlib.sha256(word.encode()).hexdigest()[:12]


class MappingForm(forms.Form):
    """The officer's choices for reading a council's own sheet, built around what was
    detected (``table``): sheet, header row, a field per column, unit, sign convention,
    basis, one outcome, kind and service budget for the sheet, the council's words for
    kinds and "create what is missing"."""

    token = forms.CharField(widget=forms.HiddenInput)
    layout = forms.CharField(widget=forms.HiddenInput, required=False)
    sheet = forms.ChoiceField(label="Sheet")
    header_row = forms.IntegerField(
        label="Header row", min_value=1,
        help_text="The row number of the column headings, as the spreadsheet numbers it.",
        error_messages={"required": "Give the row number of the column headings.",
                        "invalid": "The header row is a row number, such as 3."},
    )
    unit = forms.ChoiceField(
        label="Unit of the figures", choices=Unit.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the unit the sheet's figures are in: £, £000 or £m. "
                                    "The portal never guesses it."},
    )
    signs = forms.ChoiceField(label="How the sheet signs its figures", choices=Signs.choices, widget=forms.RadioSelect)
    basis = forms.ChoiceField(label="What each year's figure is", choices=Basis.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        label="One outcome for the whole sheet", required=False, max_length=300,
        help_text="For rows without an outcome column: the outcome's code or name.",
    )
    kind = forms.ChoiceField(label="One kind for the whole sheet", required=False,
                             help_text="For rows whose kind neither a column nor a section heading gives.")
    service_budget = forms.CharField(
        label="One service budget for the whole sheet", required=False, max_length=200,
        help_text="For rows without a service budget column: the budget's name.",
    )
    create_missing = forms.BooleanField(label="Create the outcomes, themes and service budgets that are missing",
                                        required=False)

    def __init__(self, *args, table, plan, words, may_create, sheet_rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.sheet_rows = sheet_rows  # {sheet name: how many rows it has}
        self.fields["sheet"].choices = [(name, name) for name in table.sheets]
        self.fields["kind"].choices = [("", "None chosen"), *Kind.choices]
        self.column_choices = [("", "Not imported"), *((name, FIELD_LABELS[name]) for name in FIELDS)]
        years = [year.label for year in plan.years.all()]
        years += [fy.label(year.start_year) for year in table.years if fy.label(year.start_year) not in years]
        self.column_choices += [(label, f"Year {label}") for label in years]
        self.column_fields = []
        for index, heading in enumerate(table.headings[:used_width(table)]):
            name = f"col_{index}"
            letter = get_column_letter(index + 1)
            self.fields[name] = forms.ChoiceField(
                label=f"Column {letter}" + (f": \u201c{heading}\u201d" if heading else " (no heading)"),
                choices=self.column_choices, required=False,
            )
            self.column_fields.append(name)
        self.word_fields = []
        for word, kind in words:
            name = word_field_name(word)
            self.fields[name] = forms.ChoiceField(label=f"\u201c{word}\u201d means", required=False,
                                                  choices=[("", "Not mapped"), *Kind.choices], initial=kind or "")
            self.fields[name].word = word
            self.word_fields.append(name)
        if not may_create:
            field = self.fields["create_missing"]
            field.disabled = True
            field.help_text = ("Only the council's administrators can create outcomes, themes and service budgets; "
                               "ask one to add what is missing.")
        else:
            self.fields["create_missing"].help_text = "They are listed in the preview, and created when you confirm."
        if self.is_bound:
            width = len(self.column_fields)
            for key in self.data:
                if key.startswith("col_") and (not key[4:].isdigit() or int(key[4:]) >= width):
                    self.unknown_column = key
                    break
            else:
                self.unknown_column = None

    def columns(self):
        """The bound fields of the columns, for the template."""
        return [self[name] for name in self.column_fields]

    def words(self):
        return [self[name] for name in self.word_fields]

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "unknown_column", None):
            raise forms.ValidationError(
                f"{self.unknown_column} is not a column of the header row of sheet \u2018{self.table.sheet}\u2019."
            )
        sheet, header_row = cleaned.get("sheet"), cleaned.get("header_row")
        if sheet and header_row and header_row > self.sheet_rows.get(sheet, 0):
            self.add_error("header_row", f"Sheet \u2018{sheet}\u2019 has {self.sheet_rows.get(sheet, 0):,} rows; "
                                         f"row {header_row:,} is beyond its end.")
        used = {}
        for name in self.column_fields:
            value = cleaned.get(name)
            if not value:
                continue
            if value in used:
                first = self.fields[used[value]].label
                what = dict(self.column_choices)[value]
                self.add_error(name, f"{what} is already mapped to {first}; map each field to one column.")
            else:
                used[value] = name
        return cleaned

    def columns_chosen(self):
        return {int(name[4:]): self.cleaned_data.get(name) or "" for name in self.column_fields}

    def kind_words_chosen(self):
        return {self.fields[name].word: self.cleaned_data[name] for name in self.word_fields
                if self.cleaned_data.get(name)}


class MonitoringImportForm(forms.Form):
    file = forms.FileField(
        label="Monitoring workbook (.xlsx)",
        help_text=(
            "The period's monitoring workbook with your returns filled in on its Returns sheet, "
            f"at most {settings.UPLOAD_MAX_BYTES // MB} MB."
        ),
        error_messages={"required": "Choose the monitoring workbook (.xlsx) to upload.",
                        "empty": "The file you chose is empty."},
    )


class MeasuresImportForm(forms.Form):
    file = forms.FileField(
        label="Measures workbook (.xlsx) or CSV",
        help_text=(
            "The measures workbook with values filled in on its Measure values sheet, or a CSV with the same "
            f"columns, at most {settings.UPLOAD_MAX_BYTES // MB} MB."
        ),
        error_messages={"required": "Choose the measures workbook (.xlsx) or CSV to upload.",
                        "empty": "The file you chose is empty."},
    )
