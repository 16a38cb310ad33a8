"""The plain version of the app's remaining speed trick, for the bench only (issue 16,
"undo speed tricks"): it does the same job through public APIs, so ``bench.run`` can
measure the trick against what it replaced and the README can say whether it still earns
its keep. (The roll-up's cells built as HTML strings in Python saved 9% against a
template and were undone: see README, "Speed tricks".)

- ``PlainCells``: ``workbooks.xlsx.Cells``' interface through openpyxl's public cell API
  (``WriteOnlyCell`` and its ``font``/``fill``/``alignment``/``number_format``
  attributes, a new cell for every value), instead of style arrays resolved once and
  shared cells.

Nothing here ships in the app: ``bench.run`` swaps it in for the measured calls only.
"""

from workbooks import xlsx


class PlainCells:
    """``workbooks.xlsx.Cells`` through openpyxl's public API: every cell new, its style
    set attribute by attribute (``xlsx.text_cell`` and friends)."""

    def __init__(self, ws, arrays=None):
        self.ws = ws

    def text(self, value, style=xlsx.PLAIN):
        return xlsx.text_cell(self.ws, value, **style.attributes)

    def number(self, amount_k, style=xlsx.PLAIN):
        return xlsx.number_cell(self.ws, amount_k, **style.attributes)

    def formula(self, formula, style=xlsx.PLAIN):
        return xlsx.formula_cell(self.ws, formula, **style.attributes)

    def plain(self, value, style=xlsx.PLAIN):
        return xlsx._plain(self.ws, value, **style.attributes)
