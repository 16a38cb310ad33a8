"""Hostile uploads, however they are built, are refused with a message naming the limit
they break, and change nothing; the largest files within the limits are read. (How
fast and how small: the bench's "uploads" row.)"""
import io

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import db_snapshot
from tests.hostile_uploads import HOSTILE, WITHIN_LIMITS, package, rows_of, sheet
from tests.test_import_bad_files import refused
from tests.test_import_helpers import add_part, exported_workbook, upload
from workbooks.uploads import read_upload


@pytest.fixture
def client(officer, client_for):
    return client_for(officer)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_upload_is_refused_naming_the_limit(name, ce_plan, client):
    build, filename, words = HOSTILE[name]
    assert words in refused(client, ce_plan, build(), filename)


@pytest.mark.parametrize("name", WITHIN_LIMITS)
@pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # the styles part holds cell formats only
def test_the_largest_files_within_the_limits_are_read(name):
    tables = read_upload(io.BytesIO(WITHIN_LIMITS[name]()), "book.xlsx")
    assert tables and tables[0].rows


def test_the_command_refuses_a_hostile_file_with_the_same_message(seed, tmp_path):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(package({"xl/worksheets/sheet1.xml": sheet(rows_of(81, 1))}))
    before = db_snapshot()
    with pytest.raises(CommandError, match="Row 1 of the part .xl/worksheets/sheet1.xml. has more than 80 cells"):
        call_command("import_workbook", str(path), "--council", "cheshire-east", "--dry-run")
    assert db_snapshot() == before


def test_a_workbook_with_an_image_is_still_imported(ce_plan, client):
    book = add_part(exported_workbook(client, ce_plan), "xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    response = upload(client, ce_plan, book)
    assert response.status_code == 200
    assert response.context["preview"].unchanged == 18


def test_xml_named_as_an_image_is_read_as_xml(ce_plan, client):
    book = add_part(exported_workbook(client, ce_plan), "xl/media/image1.png",
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert "document type declaration, an entity" in refused(client, ce_plan, book)
