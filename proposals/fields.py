"""Form fields of the proposals app."""
from django import forms
from django.core.exceptions import ValidationError

from .money import MILLIONS, MoneyError, parse_in


class MoneyField(forms.CharField):
    """A yearly figure in £m (or the plan's ``unit``, £000) as people type it (or a
    workbook cell holds it), cleaned to whole £ thousands by ``proposals.money.parse_in``:
    None for a blank (an unprofiled year), 0 for "No change"; its MoneyError message is
    the field's error.

    ``max_length`` limits the text as typed, before it is read."""

    def __init__(self, *, required=False, max_length=40, unit=MILLIONS, **kwargs):
        self.unit = unit
        super().__init__(required=required, max_length=max_length, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        super().run_validators(text)
        try:
            return parse_in(text, self.unit)
        except MoneyError as error:
            raise ValidationError(str(error), code="invalid") from None

    def has_changed(self, initial, data):
        """Changed if it reads as another figure: "+8.5" is the "+8.500" it was shown as."""
        if self.disabled:
            return False
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True

    def run_validators(self, value):
        """None here: the text's validators run in ``to_python``, before it is read."""
