"""Reading an uploaded workbook or CSV within fixed bounds: every limit in one place,
each checked while the file is read, stopping at the first one broken.

``read_upload`` refuses what is not a spreadsheet we can trust before anything else
reads it: over the size limit, macro-enabled, an old binary .xls, a damaged zip, and
then, for a workbook, anything past the limits below. An .xlsx is a zip of XML parts:
the zip's directory is checked first (how many parts, their declared sizes and
compression ratios), then every part is read once, in chunks, through expat with
defusedxml's refusals (no document type declaration, entity or external reference),
counting bytes, elements, nesting depth, the longest stretch of XML without a tag, rows,
cells in a row and cells in all. Nothing is parsed whole or kept, so a hostile file costs at most what
was read up to the limit it breaks; only a file within every limit reaches openpyxl,
and openpyxl reads such a file in bounded time and memory.

The upload size and the row limit are settings (``UPLOAD_MAX_BYTES``, ``UPLOAD_MAX_ROWS``);
the rest are fixed here. Every message states the limit it names.
"""
import csv
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reports.spreadsheet_text import from_formula_safe

MB = 1024 * 1024
MAX_COLUMNS = 80  # cells in one row
MAX_CELLS = 50_000  # cells in all the sheets
MAX_PARTS = 500  # members of the zip
MAX_UNPACKED_BYTES = 20 * MB  # all the parts, unpacked
MAX_COMPRESSION_RATIO = 100  # unpacked size of a part : its compressed size
RATIO_CHECKED_FROM = 64 * 1024  # unpacked bytes: a smaller part may compress as it likes
MAX_XML_ELEMENTS = 200_000  # in all the parts
MAX_STRUCTURE_ELEMENTS = 20_000  # outside rows and shared strings: styles, sheet lists, relationships
MAX_XML_DEPTH = 50  # elements inside elements
MAX_XML_RUN_BYTES = 256 * 1024  # XML read without a tag starting or ending: one tag or text
CHUNK_BYTES = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlsb", ".xlam")
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"  # as expat names a tag
ROW_TAG, CELL_TAG, STRING_TAG, SHEET_TAG = SHEET_NS + "row", SHEET_NS + "c", SHEET_NS + "si", SHEET_NS + "sheet"
RELATIONSHIP_TAG = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
BINARY_SUFFIXES = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp")
# How an XML document can begin, in any encoding a parser detects (XML 1.0, appendix F).
XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe", b"\x00\x00", b"\x00<", b"\x4c\x6f\xa7\x94")

SPLIT_IT = "Split it, or export only the outcomes you have changed."
NOT_A_SPREADSHEET = (
    "This file is not a spreadsheet the portal can read. Upload an Excel workbook (.xlsx) "
    "or a CSV file of the flat proposal list."
)
MACRO_REFUSED = (
    "This is a macro-enabled workbook, which is not accepted. Save it as an ordinary "
    "Excel workbook (.xlsx) and upload that."
)
HOSTILE_XML = (
    "This workbook contains XML the portal does not accept (a document type declaration, "
    "an entity or an external reference), so it has been refused. Save it again from "
    "your spreadsheet program as an ordinary .xlsx workbook."
)
DAMAGED_ZIP = "This workbook is damaged (its zip container cannot be read)."
NOT_A_PROPOSALS_WORKBOOK = "far more than a proposals workbook holds, so it has been refused."


class Refused(Exception):
    """The whole file is refused before any row is read; the message is for users."""


@dataclass
class Table:
    name: str
    rows: list  # (row number, [values])


def read_upload(file, filename):
    """The tables (sheets, or the CSV) of the binary ``file``, or Refused with the reason."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size > settings.UPLOAD_MAX_BYTES:
        raise Refused(f"The file is {_size(size)}, which is over the limit of {_size(settings.UPLOAD_MAX_BYTES)}. "
                      + SPLIT_IT)
    data = file.read()
    name = (filename or "").lower()
    if name.endswith(MACRO_EXTENSIONS):
        raise Refused(MACRO_REFUSED)
    if data.startswith(OLE_MAGIC):
        raise Refused(
            "This is an old-format Excel file (.xls) or an encrypted workbook, which the portal cannot read. "
            "Save it as an Excel workbook (.xlsx) without a password and upload that."
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_workbook(data)
    if name.endswith(".csv"):
        return [_read_csv(data, filename)]
    raise Refused(NOT_A_SPREADSHEET)


def _size(n):
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(1, n // 1024)} KB"


def too_many_rows():
    return Refused(
        f"The file has more than {settings.UPLOAD_MAX_ROWS:,} rows, the most the portal imports at once. " + SPLIT_IT
    )


def too_many_cells():
    return Refused(f"The file has more than {MAX_CELLS:,} cells, the most the portal imports at once. " + SPLIT_IT)


def too_many_cells_in_a_row(where):
    return Refused(
        f"{where} has more than {MAX_COLUMNS} cells, the most the portal reads in one row. Remove the cells "
        "beyond the proposal columns and upload the file again."
    )


# ---------------------------------------------------------------- a workbook


def _read_workbook(data):
    archive = _open_zip(data)
    _scan_parts(archive)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds on a broken package
        raise Refused(NOT_A_SPREADSHEET) from None
    tables = []
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()  # never trust a declared size: a hostile one pads every row
            rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            tables.append(Table(name=ws.title, rows=[(n, [_text(value) if isinstance(value, str) else value
                                                          for value in values])
                                                     for n, values in enumerate(rows, start=1)]))
    except Exception:
        raise Refused(NOT_A_SPREADSHEET) from None
    finally:
        wb.close()
    return tables


# OOXML's escapes in text: "_x000D_" is a carriage return, and "_x005F_" before
# something that looks like an escape makes it literal ("_x005F_x000D_" is "_x000D_").
OOXML_ESCAPE = re.compile(r"_x005[Ff](_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def _unescaped(match):
    return match.group(1) or chr(int(match.group(2), 16))


def _text(value):
    """A text cell's value as its writer meant it: Excel and XlsxWriter (the portal's own
    workbooks) write a control character as "_x000D_" and a literal "_x000D_" as
    "_x005F_x000D_"; openpyxl reads them as written. Characters a cell cannot hold (NUL
    and the other XML-forbidden controls) are dropped."""
    if "_x" not in value:
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", OOXML_ESCAPE.sub(_unescaped, value))


def _open_zip(data):
    """The zip, its directory within the limits: parts, declared sizes, compression."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise Refused(NOT_A_SPREADSHEET) from None
    names = {info.filename for info in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused(MACRO_REFUSED)
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise Refused(NOT_A_SPREADSHEET)
    if len(infos) > MAX_PARTS:
        raise Refused(f"This workbook has more than {MAX_PARTS:,} parts (sheets, styles and the other files "
                      f"inside it), {NOT_A_PROPOSALS_WORKBOOK}")
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise _unpacks_too_far()
    for info in infos:
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
            raise Refused(
                f"The part \u201c{info.filename}\u201d of this workbook is compressed more than "
                f"{MAX_COMPRESSION_RATIO}:1, far more than a spreadsheet's contents compress, so it has been refused."
            )
    return archive


def _unpacks_too_far():
    return Refused(f"This workbook unpacks to more than {MAX_UNPACKED_BYTES // MB} MB, {NOT_A_PROPOSALS_WORKBOOK}")


def _scan_parts(archive):
    """Read every part once, in chunks: each XML one through the counting parser."""
    budget = _Budget()
    for info in archive.infolist():
        try:
            with archive.open(info) as part:
                _scan_part(part, info.filename, budget)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
            raise Refused(DAMAGED_ZIP) from None  # RuntimeError: zipfile's word for an encrypted part
    content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    if "macroEnabled" in content_types:
        raise Refused(MACRO_REFUSED)


class _Budget:
    """What all the parts together may still hold."""

    def __init__(self):
        self.bytes = MAX_UNPACKED_BYTES
        self.elements = MAX_XML_ELEMENTS
        self.structure = MAX_STRUCTURE_ELEMENTS
        self.cells = MAX_CELLS
        self.rows = settings.UPLOAD_MAX_ROWS


def _forbid_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed_entity(name, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _defused_expat(counter):
    """An expat parser refusing what defusedxml's parsers refuse (a document type
    declaration, an entity declaration, an external reference), with the raising
    handlers defusedxml sets, reporting elements straight to ``counter``: expat
    without ElementTree's layer, as this reads every element of every part and keeps
    none, and at a third of the cost per element."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.ordered_attributes = True
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity
    parser.ExternalEntityRefHandler = _forbid_external
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    return parser


def _scan_part(part, name, budget):
    """One part through the counting parser, unless it is an image or other binary part
    (named so, and not beginning as XML can): openpyxl reads none of those as XML."""
    counter = _Counter(name, budget)
    parser = _defused_expat(counter)
    first, quiet = True, 0
    try:
        while chunk := part.read(CHUNK_BYTES):
            if first and name.lower().endswith(BINARY_SUFFIXES) and not _begins_as_xml(chunk):
                return
            budget.bytes -= len(chunk)
            if budget.bytes < 0:
                raise _unpacks_too_far()
            events = counter.events
            parser.Parse(chunk, False)
            first = False
            quiet = 0 if counter.events != events else quiet + len(chunk)
            if quiet > MAX_XML_RUN_BYTES:
                raise Refused(
                    f"The part \u201c{name}\u201d of this workbook has a single tag or text of more than "
                    f"{MAX_XML_RUN_BYTES // 1024} KB (a cell holds at most 32,767 characters), so it has been refused."
                )
        if not first:
            parser.Parse(b"", True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise Refused(HOSTILE_XML) from None
    except expat.ExpatError:
        raise Refused(
            f"This workbook is damaged: its part \u201c{name}\u201d is not well-formed XML. "
            "Open it in your spreadsheet program, save it again as .xlsx and upload that."
        ) from None
    counter.finish()


class _Counter:
    """The parser's target: counts as the elements arrive and refuses at the first limit.

    Rows and shared strings are what openpyxl reads one at a time; everything else
    (styles, the list of sheets, relationships) it reads whole, as objects, which costs
    far more per element, so those elements have a budget of their own. A row or a
    shared string is recognised by its tag, wherever it is: one put inside a styles part
    is skipped by openpyxl, which reads a part by the tags it expects there."""

    def __init__(self, name, budget):
        self.name, self.budget = name, budget
        self.events = self.depth = self.inside = 0  # inside: the depth of the row or string being read
        self.row = self.rows = self.row_cells = 0
        self.sheets = set()  # the sheets this part lists, by relationship id or by part

    def start(self, tag, attributes):
        budget = self.budget
        self.events += 1
        self.depth += 1
        if self.inside:
            budget.elements -= 1
            if tag == CELL_TAG:
                self.row_cells += 1
                budget.cells -= 1
                if self.row_cells > MAX_COLUMNS:
                    raise too_many_cells_in_a_row(f"Row {self.row:,} of the part \u201c{self.name}\u201d")
                if budget.cells < 0:
                    raise too_many_cells()
        elif tag == ROW_TAG:
            self.inside = self.depth
            budget.elements -= 1
            self.row_cells = 0
            number = _attribute(attributes, "r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.rows = max(self.rows + 1, self.row)
            if self.rows > budget.rows:
                raise too_many_rows()
        elif tag == STRING_TAG:
            self.inside = self.depth
            budget.elements -= 1
        else:
            budget.structure -= 1
            if budget.structure < 0:
                raise Refused(
                    f"This workbook holds more than {MAX_STRUCTURE_ELEMENTS:,} XML elements besides its rows and "
                    f"strings (styles, the list of sheets, relationships), {NOT_A_PROPOSALS_WORKBOOK}"
                )
            if tag == SHEET_TAG or tag == RELATIONSHIP_TAG:
                self.listed_once(tag, attributes)
        if budget.elements < 0:
            raise Refused(f"This workbook holds more than {MAX_XML_ELEMENTS:,} XML elements, "
                          + NOT_A_PROPOSALS_WORKBOOK)
        if self.depth > MAX_XML_DEPTH:
            raise Refused(f"The part \u201c{self.name}\u201d of this workbook has XML nested more than "
                          f"{MAX_XML_DEPTH} levels deep, {NOT_A_PROPOSALS_WORKBOOK}")

    def listed_once(self, tag, attributes):
        """A sheet listed twice would be read twice by openpyxl, past what was counted here."""
        if tag == SHEET_TAG:
            sheet = _attribute(attributes, RELATIONSHIP_ID)
        elif (_attribute(attributes, "Type") or "").endswith(("/worksheet", "/chartsheet")):
            sheet = _part_path(self.name, _attribute(attributes, "Target") or "")
        else:
            return
        if sheet in self.sheets:
            raise Refused(f"The part \u201c{self.name}\u201d of this workbook lists the same sheet twice, so it has "
                          "been refused.")
        self.sheets.add(sheet)

    def end(self, tag):
        self.events += 1
        if self.depth == self.inside:
            self.inside = 0
        self.depth -= 1

    def finish(self):
        """The part's rows count against the file's (openpyxl reads every sheet's rows)."""
        self.budget.rows -= self.rows


def _begins_as_xml(data):
    return data.lstrip(b" \t\r\n").startswith(XML_STARTS)


def _part_path(rels_name, target):
    """The part a relationship in ``rels_name`` ("xl/_rels/workbook.xml.rels") points to."""
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(posixpath.dirname(rels_name)), target))


def _attribute(attributes, name):
    """The value of ``name`` in expat's ordered [name, value, name, value …] list."""
    for i in range(0, len(attributes), 2):
        if attributes[i] == name:
            return attributes[i + 1]
    return None


# ---------------------------------------------------------------- a CSV


def _read_csv(data, filename):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(
            "This CSV file is not UTF-8 text. Save it from your spreadsheet program as "
            "\u201cCSV UTF-8\u201d, or upload the workbook (.xlsx) instead."
        ) from None
    if "\x00" in text:
        raise Refused(NOT_A_SPREADSHEET)
    rows, cells = [], 0
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells += len(values)
            if number > settings.UPLOAD_MAX_ROWS:
                raise too_many_rows()
            if len(values) > MAX_COLUMNS:
                raise too_many_cells_in_a_row(f"Row {number:,}")
            if cells > MAX_CELLS:
                raise too_many_cells()
            rows.append((number, [_uncsv(v) for v in values]))
    except csv.Error:
        raise Refused(NOT_A_SPREADSHEET) from None
    return Table(name=filename or "CSV", rows=rows)


def _uncsv(value):
    """Undo the export's guard: "'=Title" was written for the text "=Title"."""
    return from_formula_safe(value)
