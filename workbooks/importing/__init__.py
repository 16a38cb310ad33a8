"""Reading proposals in from spreadsheets: the portal's own export and councils' own layouts.

``table``: what was read from a council's sheet (the interface between detection and the rest).
``detect``: finds the table in a sheet's cells and reads it (no database), with ``figures``
(printed figures and units) and ``formulas`` (the SUM totals a workbook holds as formulas).
"""
