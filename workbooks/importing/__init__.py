"""Reading proposals in from spreadsheets: the portal's own export and councils' own layouts.

``table``: what was read from a council's sheet (the interface between detection and the rest).
``detect``: finds the table in a sheet's cells and reads it (no database), with ``figures``
(printed figures and units) and ``formulas`` (the SUM totals a workbook holds as formulas).
``portal``: the portal's own export (cabinet-paper workbook, flat list) -> a preview.
``council``: a detected table, the officer's choices and the plan -> a preview.
``preview``: what an import would do, compared with the database (shared by both).
``apply``: applying a preview's plan of changes through the one write path.
"""
