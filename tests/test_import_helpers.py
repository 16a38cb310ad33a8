"""Helpers for import tests (no tests here): exported files, edited with openpyxl or at the XML level."""
import io
import zipfile

from django.urls import reverse
from openpyxl import load_workbook


def exported_workbook(client, plan, query=""):
    url = reverse("workbooks:export", args=[plan.council.slug, plan.slug]) + (f"?{query}" if query else "")
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def exported_flat(client, plan, fmt):
    response = client.get(reverse("workbooks:export_flat", args=[plan.council.slug, plan.slug, fmt]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def edit_workbook(data, edit):
    """Open ``data`` with openpyxl, call ``edit(wb)``, return the saved bytes."""
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def find_cell(ws, reference, year, budget=None, header_row=7):
    """The cell of ``year`` on the line of the proposal ``reference`` ("[33]")."""
    cols = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for row in range(header_row + 1, ws.max_row + 1):
        if ws.cell(row, cols["Reference"]).value == reference and (
            budget is None or ws.cell(row, cols["Service budget"]).value == budget
        ):
            return ws.cell(row, cols[year])
    raise AssertionError(f"No row for {reference}")


def replace_part(data, name, transform):
    """Rewrite one part of the zip package: ``transform(bytes) -> bytes``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = transform(content)
            target.writestr(info, content)
    return out.getvalue()


def add_part(data, name, content):
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as target:
        target.writestr(name, content)
    return out.getvalue()


def upload(client, plan, data, name="proposals.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("workbooks:import", args=[plan.council.slug, plan.slug])
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def confirm(client, plan, response):
    token = response.context["token"]
    assert token
    url = reverse("workbooks:import_confirm", args=[plan.council.slug, plan.slug])
    return client.post(url, {"token": token})
