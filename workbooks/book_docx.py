"""The budget book as a Word document (python-docx), from ``reports.book.budget_book``:
landscape A4, named styles a council can restyle ("Budget Outcome", "Budget Theme",
"Budget Proposal", "Budget Governance", "Budget Impact"), real Word tables whose header row repeats on every
page, the document's language and title set, headings as Word headings (so the document
has an outline a screen reader can move through)."""
from copy import deepcopy

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports.book import book_figure as _figure

STYLES = {
    # name: (based on, size, bold, italic)
    "Budget Theme Note": ("Normal", 10, False, True),
    "Budget Proposal": ("Normal", 11, True, False),
    "Budget Description": ("Normal", 9, False, False),
    "Budget Governance": ("Normal", 8, False, False),
    "Budget Line": ("Normal", 10, False, False),
    "Budget Figure": ("Normal", 10, False, False),
    "Budget Note": ("Normal", 9, False, True),
}


def _styles(document):
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(2)
    for level in (1, 2):
        heading = styles[f"Heading {level}"]
        heading.font.size = Pt(14 if level == 1 else 12)
        heading.paragraph_format.space_before = Pt(8 if level == 1 else 6)
        heading.paragraph_format.space_after = Pt(2)
    for name, (base, size, bold, italic) in STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = italic
        style.paragraph_format.space_after = Pt(1)
        style.paragraph_format.space_before = Pt(0)
    styles["Budget Figure"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    styles["Budget Proposal"].paragraph_format.keep_with_next = True
    styles["Budget Description"].paragraph_format.keep_with_next = True
    styles["Budget Governance"].paragraph_format.keep_with_next = True


def _language(document, tag="en-GB"):
    """The document's language, for screen readers and spelling: on its default run style."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run.append(lang)
    lang.set(qn("w:val"), tag)


def _repeat_header(row):
    properties = row._tr.get_or_add_trPr()  # python-docx has no public switch for this
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _no_split(row):
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _style_ids(document):
    """{style name: its id} of the styles the book uses, looked up once. Setting a
    paragraph's or table's style by name (python-docx's public setters) searches every
    style of the document each time: most of a national-size book's time (the bench's
    budget book row)."""
    return {name: document.styles[name].style_id for name in (
        "Budget Figure", "Budget Line", "Budget Proposal", "Budget Description", "Budget Governance",
        "Budget Theme Note", "Budget Note", "Heading 1", "Heading 2", "Table Grid")}


def _properties(style_id):
    """A paragraph's properties naming the style ``style_id``: made once per style and
    copied into each new paragraph, as python-docx's setter looks for where to insert
    them among some thirty possible siblings every time."""
    properties = OxmlElement("w:pPr")
    style = OxmlElement("w:pStyle")
    style.set(qn("w:val"), style_id)
    properties.append(style)
    return properties


def _templates(ids):
    """{(style name, bold): an empty paragraph of that style holding one run}, the cells'
    paragraphs (_cell), made once per document."""
    out = {}
    for name in ("Budget Figure", "Budget Line", "Budget Proposal"):
        for bold in (False, True):
            paragraph = OxmlElement("w:p")
            paragraph.append(_properties(ids[name]))
            run = OxmlElement("w:r")
            if bold:
                run_properties = OxmlElement("w:rPr")
                run_properties.append(OxmlElement("w:b"))
                run.append(run_properties)
            text = OxmlElement("w:t")
            text.set(XML_SPACE, "preserve")
            run.append(text)
            paragraph.append(run)
            out[name, bold] = paragraph
    return out


XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Text a run's text setter turns into elements (a tab, a line break): such a cell's text
# takes python-docx's own path.
SPECIAL = frozenset("\t\n\r")


def _paragraph(container, text, style_id):
    """A new paragraph of ``text`` at the end of ``container`` (the document or a cell), in
    the style whose id is ``style_id`` (_style_ids)."""
    paragraph = container.add_paragraph(text)
    paragraph._p.insert(0, _properties(style_id))  # a new paragraph has no properties yet
    return paragraph


def _span(row):
    """``row`` as one cell across the table (w:gridSpan), its first cell kept: what
    python-docx's ``merge`` makes, without its search of the whole table for each merge."""
    cells = row._tr.tc_lst  # python-docx has no public way to span a row without merge()
    for tc in cells[1:]:
        row._tr.remove(tc)
    cells[0].grid_span = len(cells)
    return row.cells[0]


def _cell(cell, text, templates, name, *, bold=False):
    """``text`` as ``cell``'s paragraph (a new cell's empty one is replaced), in the style
    ``name``: a copy of its template (_templates), whose style says the alignment, so a
    figure cell sets nothing else (README, Performance)."""
    tc = cell._tc  # python-docx has no public way to give a cell a ready-made paragraph
    if SPECIAL.isdisjoint(text):
        paragraph = deepcopy(templates[name, bold])
        paragraph[-1][-1].text = text  # the run's w:t
        tc.replace(tc.p_lst[0], paragraph)
        return
    paragraph = cell.paragraphs[0]
    paragraph._p.insert(0, deepcopy(templates[name, bold][0]))
    run = paragraph.add_run(text)
    if bold:
        run.bold = True


def _sized(row, widths):
    """``row``'s cells, each given its column's width (Word reads the cell's, not the grid's)."""
    cells = row.cells
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width
    return cells


def _rows_of(theme):
    """The table rows ``theme`` needs: the header, per proposal its heading row and a row
    per line, the total."""
    return 2 + sum(1 + len(proposal.lines) for proposal in theme.proposals)


def write_book_docx(book, out):
    """Write ``book`` (reports.book.Book) as .docx to the binary file ``out``."""
    plan, unit = book.plan, book.plan.unit
    document = Document()
    _styles(document)
    ids = _style_ids(document)
    cells_like = _templates(ids)
    _language(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    section.top_margin = section.bottom_margin = Cm(1.2)
    properties = document.core_properties
    properties.title = f"{plan.council.name}: {plan.name} – budget book"
    properties.language = "en-GB"
    properties.author = plan.council.name
    header = section.header.paragraphs[0]
    header.text = f"{plan.council.name}: {plan.name} – {book.source.label}"
    header.style = "Budget Note"

    document.add_heading(f"{plan.council.name}: {plan.name}", level=0)
    document.add_paragraph(f"Budget proposals {book.source.label}, {plan.unit_label}. {book.note}",
                           style="Budget Note")
    years = [year.label for year in book.years]
    widths = [Cm(26.7 - 2.6 * len(years))] + [Cm(2.6)] * len(years)
    table_width = sum(widths, Cm(0))
    for outcome in book.outcomes:
        _paragraph(document, f"Outcome {outcome.code} – {outcome.title}", ids["Heading 1"])
        if outcome.what_this_means:
            _paragraph(document, outcome.what_this_means, ids["Budget Description"])
        for theme in outcome.themes:
            _paragraph(document, theme.name, ids["Heading 2"])
            if theme.description:
                _paragraph(document, theme.description, ids["Budget Theme Note"])
            table = document.add_table(rows=_rows_of(theme), cols=1 + len(years))
            table._tbl.tblStyle_val = ids["Table Grid"]  # by id, looked up once (_style_ids)
            table.alignment = WD_TABLE_ALIGNMENT.LEFT
            table.autofit = False
            for column, width in zip(table.columns, widths, strict=True):
                column.width = width
            rows = iter(table.rows)
            head = next(rows)
            _repeat_header(head)
            cells = _sized(head, widths)
            _cell(cells[0], "Proposal", cells_like, "Budget Line", bold=True)
            for cell, label in zip(cells[1:], years, strict=True):
                _cell(cell, f"{label} {plan.unit_label}*", cells_like, "Budget Figure", bold=True)
            for proposal in theme.proposals:
                row = next(rows)
                _no_split(row)
                merged = _span(row)
                merged.width = table_width  # a proposal's heading row: one cell the table's width
                _cell(merged, proposal.heading, cells_like, "Budget Proposal")
                if proposal.description:
                    _paragraph(merged, proposal.description, ids["Budget Description"])
                if proposal.governance:
                    _paragraph(merged, proposal.governance_text, ids["Budget Governance"])
                for line in proposal.lines:
                    row = next(rows)
                    _no_split(row)
                    cells = _sized(row, widths)
                    _cell(cells[0], line.words, cells_like, "Budget Line")
                    for cell, amount in zip(cells[1:], line.figures, strict=True):
                        _cell(cell, _figure(amount, unit), cells_like, "Budget Figure")
            cells = _sized(next(rows), widths)
            _cell(cells[0], f"Total – {theme.name}", cells_like, "Budget Line", bold=True)
            for cell, amount in zip(cells[1:], theme.totals, strict=True):
                _cell(cell, _figure(amount, unit), cells_like, "Budget Figure", bold=True)
            _paragraph(document, book.note, ids["Budget Note"])
        totals = "; ".join(f"{label} {_figure(amount, unit)}"
                           for label, amount in zip(years, outcome.totals, strict=True))
        _paragraph(document, f"Total – Outcome {outcome.code}: {totals}", ids["Budget Proposal"])
    document.save(out)
