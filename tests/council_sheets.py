"""Driving the import of a council's own sheet through the pages: upload, the mapping page
(its form posted as shown, with changes), the preview and the confirmation."""
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.urls import reverse

from proposals import years as fy

LAYOUTS = Path("/work/shared/layouts")


def layout(name):
    """(the .xlsx bytes, the transcription) of a council's published table in the shared layouts."""
    return (LAYOUTS / f"{name}.xlsx").read_bytes(), json.loads((LAYOUTS / f"{name}.json").read_text())


def expected_k(figures, *, unit, incremental=False):
    """{year label: £k} from printed figures {label: amount}: added up year by year when
    incremental, then whole pounds rounded to the nearest £1,000, half away from zero."""
    out, running = {}, Decimal(0)
    for label in sorted(figures, key=fy.parse_label):
        value = Decimal(figures[label])
        running = running + value if incremental else value
        scaled = running / 1000 if unit == "pounds" else running
        out[label] = int(scaled.to_integral_value(rounding=ROUND_HALF_UP))
    return out


def upload(client, plan, data, name):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("workbooks:import", args=[plan.council.slug, plan.slug]), {"file": file})


def map_url(plan):
    return reverse("workbooks:import_map", args=[plan.council.slug, plan.slug])


def form_data(form, **changes):
    """The mapping form's fields as the page shows them (initial values), with ``changes``."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "create_missing":
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def mapping(client, plan):
    response = client.get(map_url(plan))
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def preview_through_mapping(client, plan, **changes):
    form = mapping(client, plan).context["form"]
    return client.post(map_url(plan), form_data(form, action="preview", **changes))


def confirm(client, plan, preview_response):
    token = preview_response.context["token"]
    assert token, [str(p) for p in preview_response.context["preview"].problems]
    return client.post(reverse("workbooks:import_confirm", args=[plan.council.slug, plan.slug]), {"token": token},
                       follow=True)
