from django import forms
from django.conf import settings

from .uploads import MAX_CELLS, MB


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Workbook (.xlsx) or CSV file",
        help_text=(
            "An exported cabinet-paper workbook or flat proposal list with your changes, "
            f"at most {settings.UPLOAD_MAX_BYTES // MB} MB, {settings.UPLOAD_MAX_ROWS:,} rows and {MAX_CELLS:,} cells."
        ),
        error_messages={"required": "Choose a workbook (.xlsx) or CSV file to upload.",
                        "empty": "The file you chose is empty."},
    )
