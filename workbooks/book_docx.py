"""The budget book as a Word document (python-docx), from ``reports.book.budget_book``:
landscape A4, named styles a council can restyle ("Budget Outcome", "Budget Theme",
"Budget Proposal", "Budget Governance", "Budget Impact"), real Word tables whose header row repeats on every
page, the document's language and title set, headings as Word headings (so the document
has an outline a screen reader can move through)."""
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
    """{style name: its id} of the styles the tables use, looked up once. Setting a
    paragraph's style by name (python-docx's public setter) searches every style of the
    document each time: most of a national-size book's time (the bench's budget book row)."""
    return {name: document.styles[name].style_id for name in ("Budget Figure", "Budget Proposal",
                                                             "Budget Description", "Budget Governance")}


def _span(row):
    """``row`` as one cell across the table (w:gridSpan), its first cell kept: what
    python-docx's ``merge`` makes, without its search of the whole table for each merge."""
    cells = row._tr.tc_lst  # python-docx has no public way to span a row without merge()
    for tc in cells[1:]:
        row._tr.remove(tc)
    cells[0].grid_span = len(cells)
    return row.cells[0]


def _cell(cell, text, *, style="Budget Figure", bold=False, right=False, ids):
    paragraph = cell.paragraphs[0]
    paragraph._p.style = ids[style]  # by id, looked up once (_style_ids)
    run = paragraph.add_run(text)
    run.bold = bold or None
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def write_book_docx(book, out):
    """Write ``book`` (reports.book.Book) as .docx to the binary file ``out``."""
    plan, unit = book.plan, book.plan.unit
    document = Document()
    _styles(document)
    ids = _style_ids(document)
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
    for outcome in book.outcomes:
        document.add_heading(f"Outcome {outcome.code} – {outcome.title}", level=1)
        if outcome.what_this_means:
            document.add_paragraph(outcome.what_this_means, style="Budget Description")
        for theme in outcome.themes:
            document.add_heading(theme.name, level=2)
            if theme.description:
                document.add_paragraph(theme.description, style="Budget Theme Note")
            table = document.add_table(rows=1, cols=1 + len(years))
            spanned = []
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.LEFT
            table.autofit = False
            head = table.rows[0]
            _repeat_header(head)
            _cell(head.cells[0], "Proposal", bold=True, ids=ids)
            for index, label in enumerate(years, start=1):
                _cell(head.cells[index], f"{label} {plan.unit_label}*", bold=True, right=True, ids=ids)
            for proposal in theme.proposals:
                row = table.add_row()
                _no_split(row)
                merged = _span(row)
                spanned.append(merged)
                _cell(merged, proposal.heading, style="Budget Proposal", ids=ids)
                if proposal.description:
                    merged.add_paragraph(proposal.description)._p.style = ids["Budget Description"]
                if proposal.governance:
                    merged.add_paragraph(proposal.governance_text)._p.style = ids["Budget Governance"]
                for line in proposal.lines:
                    row = table.add_row()
                    _no_split(row)
                    _cell(row.cells[0], line.words, ids=ids)
                    for index, amount in enumerate(line.figures, start=1):
                        _cell(row.cells[index], _figure(amount, unit), right=True, ids=ids)
            row = table.add_row()
            _cell(row.cells[0], f"Total – {theme.name}", bold=True, ids=ids)
            for index, amount in enumerate(theme.totals, start=1):
                _cell(row.cells[index], _figure(amount, unit), bold=True, right=True, ids=ids)
            for column, width in zip(table.columns, widths, strict=True):
                column.width = width
            for table_row in table.rows:
                for cell, width in zip(table_row.cells, widths, strict=False):
                    cell.width = width
            for cell in spanned:
                cell.width = sum(widths, Cm(0))  # a proposal's heading row: one cell the table's width
            document.add_paragraph(book.note, style="Budget Note")
        paragraph = document.add_paragraph(style="Budget Proposal")
        paragraph.add_run(f"Total – Outcome {outcome.code}: " + "; ".join(
            f"{label} {_figure(amount, unit)}" for label, amount in zip(years, outcome.totals, strict=True)))
    document.save(out)
