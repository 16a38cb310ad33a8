"""Hostile workbooks, built part by part (no tests here): each is small to upload and
breaks one limit of workbooks/uploads.py when read. Used by tests/test_import_hostile.py
and the bench's refusal row.

Parts are written to the zip in chunks, so building a file that unpacks to 100 MB never
holds 100 MB. ``HOSTILE`` maps a name to (builder, words the refusal must contain).
"""
import io
import random
import struct
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CHUNK = 1 << 20


def content_types(sheets=1, shared_strings=False):
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>' for n in range(1, sheets + 1)
    )
    if shared_strings:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    ).encode()


def workbook(sheets=1, same_id=False):
    entries = "".join(f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{1 if same_id else n}"/>'
                      for n in range(1, sheets + 1))
    return f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>'.encode()


def workbook_rels(sheets=1, shared_strings=False):
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    if shared_strings:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    return f'<Relationships xmlns="{PACKAGE_REL}">{rels}</Relationships>'.encode()


ROOT_RELS = (
    f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
).encode()


def sheet(rows_xml, before=b""):
    """A worksheet part around ``rows_xml`` (bytes, or an iterable of byte chunks)."""
    yield f'<worksheet xmlns="{MAIN}">'.encode() + before + b"<sheetData>"
    if isinstance(rows_xml, bytes):
        yield rows_xml
    else:
        yield from rows_xml
    yield b"</sheetData></worksheet>"


def repeated(piece, times, start=b"", end=b""):
    """``start``, then ``piece`` ``times`` times, then ``end``, in chunks of about 1 MB."""
    yield start
    per_chunk = max(1, CHUNK // len(piece))
    block = piece * per_chunk
    whole, rest = divmod(times, per_chunk)
    for _ in range(whole):
        yield block
    yield piece * rest
    yield end


def package(parts, *, sheets=1, shared_strings=False, compression=zipfile.ZIP_DEFLATED):
    """An .xlsx of the standard parts plus ``parts`` ({name: bytes or chunks}), which
    replace a standard part of the same name."""
    standard = {
        "[Content_Types].xml": content_types(sheets, shared_strings),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook(sheets),
        "xl/_rels/workbook.xml.rels": workbook_rels(sheets, shared_strings),
    }
    for n in range(1, sheets + 1):
        standard[f"xl/worksheets/sheet{n}.xml"] = sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, content in {**standard, **parts}.items():
            with z.open(name, "w") as member:
                for chunk in [content] if isinstance(content, bytes) else content:
                    member.write(chunk)
    return out.getvalue()


def hex_text(n):
    """``n`` bytes of text that compresses about 2:1, as real text does at best."""
    return random.Random(n).randbytes(n // 2).hex().encode()


def numbered(template, times, start=b"", end=b""):
    """``start``, ``template % i`` for i in 1..times (so it compresses as figures do), ``end``."""
    yield start
    for first in range(1, times + 1, 10_000):
        yield b"".join(template % (i * 7919 % 1_000_003) for i in range(first, min(first + 10_000, times + 1)))
    yield end


def rows_of(cells_per_row, rows):
    """``rows`` rows of ``cells_per_row`` different numbers, in chunks of 1,000 rows."""
    cells = [b"".join(b"<c><v>%d</v></c>" % (r * 104729 + c) for c in range(cells_per_row)) for r in range(1000)]
    for first in range(1, rows + 1, 1000):
        last = min(first + 1000, rows + 1)
        yield b"".join(b'<row r="%d">%s</row>' % (r, cells[r % 1000]) for r in range(first, last))


# ---------------------------------------------------------------- the hostile files


def one_row_of_six_million_cells():
    """The issue's file: 172 KB, 96 MB unpacked, one row of 6,000,000 cells."""
    row = repeated(b"<c><v>1</v></c>", 6_000_000, b'<row r="1">', b"</row>")
    return package({"xl/worksheets/sheet1.xml": sheet(row)})


def a_hundred_thousand_rows():
    """The issue's other file: 4.2 MB, 100,000 rows of ten different numbers each."""
    return package({"xl/worksheets/sheet1.xml": sheet(rows_of(10, 100_000))})


def one_row_of_a_thousand_cells():
    return package({"xl/worksheets/sheet1.xml": sheet(rows_of(1000, 1))})


def too_many_rows():
    return package({"xl/worksheets/sheet1.xml": sheet(rows_of(1, 20_001))})


def a_row_far_down_a_sheet_that_lies_about_its_size():
    return package({"xl/worksheets/sheet1.xml": sheet(
        b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', before=b'<dimension ref="A1:A2"/>')})


def too_many_cells():
    return package({"xl/worksheets/sheet1.xml": sheet(rows_of(80, 650))})


def a_huge_shared_strings_table():
    sst = numbered(b"<si><t>%d</t></si>", 110_000, f'<sst xmlns="{MAIN}">'.encode(), b"</sst>")
    return package({"xl/sharedStrings.xml": sst}, shared_strings=True)


def a_huge_styles_part():
    styles = numbered(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>', 30_000,
                      f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode(), b"</cellXfs></styleSheet>")
    return package({"xl/styles.xml": styles})


def many_sheets():
    return package({}, sheets=3000)


def many_tiny_members():
    return package({f"xl/media/image{n}.png": b"" for n in range(20_000)})


def deeply_nested_xml():
    return package({"xl/worksheets/sheet1.xml": sheet(b"", before=b"<extLst>" * 60 + b"</extLst>" * 60)})


def entity_expansion():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(b'<!ENTITY %s "%s">' % (b"a" * (n + 1), (b"&" + b"a" * n + b";") * 10) for n in range(1, 8))
              + b"]>")
    body = b"".join(sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&aaaaaaaa;</t></is></c></row>'))
    return package({"xl/worksheets/sheet1.xml": laughs + body})


def a_very_long_cell_string():
    return package({"xl/worksheets/sheet1.xml": sheet(
        [b'<row r="1"><c r="A1" t="inlineStr"><is><t>', hex_text(3 * 1024 * 1024), b"</t></is></c></row>"])})


def one_huge_tag_without_newlines():
    return package({"xl/worksheets/sheet1.xml": sheet(
        [b'<row r="1"><c r="A1" s="', hex_text(3 * 1024 * 1024), b'"><v>1</v></c></row>'])})


def a_part_that_unpacks_beyond_the_limit():
    return package({"xl/worksheets/sheet1.xml": sheet(repeated(b" ", 120_000_000))})


def a_part_that_compresses_too_well():
    return package({"xl/worksheets/sheet1.xml": sheet(repeated(b" ", 10_000_000))})


def a_zip_bomb_whose_header_understates_its_size():
    """A part that unpacks to 60 MB though both its headers say 1 KB."""
    data = package({"xl/worksheets/sheet1.xml": sheet(repeated(b" ", 60_000_000))})
    return _set_sizes(data, "xl/worksheets/sheet1.xml", 1024)


def a_zip_bomb_whose_header_declares_a_huge_size():
    data = package({"xl/worksheets/sheet1.xml": sheet(b"")})
    return _set_sizes(data, "xl/worksheets/sheet1.xml", 0xFFFFFFF0)


def styles_in_disguise():
    """A styles part in UTF-32, which the scan's parser cannot read (and lxml can)."""
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/></cellXfs></styleSheet>'
    return package({"xl/styles.xml": b"\x00\x00\xfe\xff" + styles.encode("utf-32-be")})


def a_csv_row_of_a_million_cells():
    return b"Reference,Title" + b"," * 1_000_000 + b"\n"


def a_csv_of_too_many_cells():
    return b"".join(b"[%d],Title %d" % (n, n) + b",1" * 14 + b"\n" for n in range(1, 3500))


def a_sheet_listed_twice():
    """One sheet of 600 rows of 80 cells, which the workbook lists 30 times."""
    rels = f'<Relationships xmlns="{PACKAGE_REL}">' + "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="{"/xl/" if n % 2 else ""}worksheets/sheet1.xml"/>'
        for n in range(1, 31)) + "</Relationships>"
    return package({"xl/workbook.xml": workbook(30), "xl/_rels/workbook.xml.rels": rels.encode(),
                    "xl/worksheets/sheet1.xml": sheet(rows_of(80, 600))})


def a_sheet_id_listed_twice():
    return package({"xl/workbook.xml": workbook(30, same_id=True), "xl/worksheets/sheet1.xml": sheet(rows_of(80, 600))})


def a_part_whose_compressed_data_is_corrupt():
    data = bytearray(package({}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start:start + 8] = b"\xff" * 8
    return bytes(data)


def _set_sizes(data, name, size):
    """Rewrite the uncompressed size of ``name`` in its local and its central header."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(encoded)] != encoded:
        at = data.find(b"PK\x01\x02", at + 1)
    struct.pack_into("<I", data, at + 24, size)
    return bytes(data)


HOSTILE = {  # name: (builder, upload name, words the refusal contains)
    "one row of 6,000,000 cells (the issue's)": (one_row_of_six_million_cells, "book.xlsx",
                                                 "unpacks to more than 20 MB"),
    "100,000 rows (the issue's)": (a_hundred_thousand_rows, "book.xlsx", "unpacks to more than 20 MB"),
    "one row of 1,000 cells": (one_row_of_a_thousand_cells, "book.xlsx", "more than 80 cells"),
    "20,001 rows": (too_many_rows, "book.xlsx", "more than 20,000 rows"),
    "a row far down a sheet whose dimension lies": (a_row_far_down_a_sheet_that_lies_about_its_size, "book.xlsx",
                                                    "more than 20,000 rows"),
    "52,000 cells": (too_many_cells, "book.xlsx", "more than 50,000 cells"),
    "a huge shared strings table": (a_huge_shared_strings_table, "book.xlsx", "more than 200,000 XML elements"),
    "a huge styles part": (a_huge_styles_part, "book.xlsx", "more than 20,000 XML elements besides its rows"),
    "3,000 sheets": (many_sheets, "book.xlsx", "more than 500 parts"),
    "a sheet listed twice": (a_sheet_listed_twice, "book.xlsx", "lists the same sheet twice"),
    "a sheet's id listed twice": (a_sheet_id_listed_twice, "book.xlsx", "lists the same sheet twice"),
    "20,000 tiny members": (many_tiny_members, "book.xlsx", "more than 500 parts"),
    "deeply nested XML": (deeply_nested_xml, "book.xlsx", "nested more than 50 levels"),
    "entity expansion": (entity_expansion, "book.xlsx", "document type declaration, an entity"),
    "a very long cell string": (a_very_long_cell_string, "book.xlsx", "single tag or text of more than 256 KB"),
    "one huge tag, no newlines": (one_huge_tag_without_newlines, "book.xlsx", "single tag or text of more than 256 KB"),
    "a part that unpacks beyond the limit": (a_part_that_unpacks_beyond_the_limit, "book.xlsx",
                                             "unpacks to more than 20 MB"),
    "a part that compresses too well": (a_part_that_compresses_too_well, "book.xlsx", "compressed more than 100:1"),
    "a zip bomb whose header understates its size": (a_zip_bomb_whose_header_understates_its_size, "book.xlsx",
                                                     "damaged"),
    "a zip bomb whose header declares a huge size": (a_zip_bomb_whose_header_declares_a_huge_size, "book.xlsx",
                                                     "unpacks to more than 20 MB"),
    "a part whose compressed data is corrupt": (a_part_whose_compressed_data_is_corrupt, "book.xlsx", "damaged"),
    "a styles part in an encoding the scan cannot read": (styles_in_disguise, "book.xlsx", "not well-formed XML"),
    "a CSV row of 1,000,000 cells": (a_csv_row_of_a_million_cells, "list.csv", "more than 80 cells"),
    "a CSV of 56,000 cells": (a_csv_of_too_many_cells, "list.csv", "more than 50,000 cells"),
}


# ---------------------------------------------------------------- the largest files within the limits


def the_most_cells():
    """49,920 cells: 624 rows of 80 different numbers."""
    return package({"xl/worksheets/sheet1.xml": sheet(rows_of(80, 624))})


def the_most_shared_strings():
    """48,000 cells, each its own shared string: 192,000 elements."""
    sst = numbered(b"<si><t>Title %d</t></si>", 48_000, f'<sst xmlns="{MAIN}">'.encode(), b"</sst>")
    cells = (b'<row r="%d">' % r + b"".join(b'<c t="s"><v>%d</v></c>' % ((r - 1) * 80 + c) for c in range(80))
             + b"</row>" for r in range(1, 601))
    return package({"xl/sharedStrings.xml": sst, "xl/worksheets/sheet1.xml": sheet(cells)}, shared_strings=True)


def the_biggest_styles_part():
    """19,900 elements of cell formats."""
    styles = numbered(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>', 19_900,
                      f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode(), b"</cellXfs></styleSheet>")
    return package({"xl/styles.xml": styles})


def the_longest_texts():
    """70 cells of 250 KB of text each: 17.5 MB unpacked."""
    text = bytes(random.Random(1).choices(b"ab", k=250 * 1024))
    cells = (b'<row r="%d"><c t="inlineStr"><is><t>%s</t></is></c></row>' % (r, text) for r in range(1, 71))
    return package({"xl/worksheets/sheet1.xml": sheet(cells)})


WITHIN_LIMITS = {
    "49,920 cells": the_most_cells,
    "48,000 shared strings": the_most_shared_strings,
    "19,900 style elements": the_biggest_styles_part,
    "70 texts of 250 KB": the_longest_texts,
}
