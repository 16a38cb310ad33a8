"""A bar chart of a roll-up, drawn on the server as inline SVG (no script, CSP-safe).

For each group and year: investment as a solid bar up from zero, saving as a hatched
bar down from zero, and the net as a black tick. The roll-up table under it is its
accessible equivalent; the SVG carries a title and description saying so.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from proposals.money import MILLIONS, format_in

WIDTH = 960
HEIGHT = 360
LEFT = 70
RIGHT = 10
TOP = 20
BOTTOM = 60


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str

    def __post_init__(self):
        self.x, self.y, self.width, self.height = (round(v, 1) for v in (self.x, self.y, self.width, self.height))


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    zero_y: float = 0
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    bars: list = field(default_factory=list)
    ticks: list = field(default_factory=list)  # (y, label)
    year_labels: list = field(default_factory=list)  # (x, label)
    group_labels: list = field(default_factory=list)  # (x, label)
    separators: list = field(default_factory=list)  # x
    value_labels: list = field(default_factory=list)  # (x, y, label)
    empty: bool = True
    too_many: bool = False


def _nice_step(largest_k):
    """A round tick step in £ thousands giving about four ticks up to ``largest_k``."""
    if largest_k <= 0:
        return 1000
    raw = Decimal(largest_k) / 4
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1)
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return int(multiple * magnitude)
    return int(10 * magnitude)  # pragma: no cover


MAX_GROUPS = 8


def build_chart(result, unit=MILLIONS):
    """Geometry for a Rollup: every coordinate is computed here, the template only draws.

    Figures are labelled in ``unit`` (the plan's). Up to MAX_GROUPS groups; beyond that
    the bars would be too thin to read, and the chart is left out (``too_many``) in
    favour of the table."""
    chart = Chart()
    if len(result.rows) > MAX_GROUPS:
        chart.too_many = True
        return chart
    cells = [(row, year) for row in result.rows for year in result.year_labels]
    largest_up = max([row.years[y].increase for row, y in cells] + [row.years[y].net for row, y in cells] + [0])
    largest_down = max([-row.years[y].decrease for row, y in cells] + [-row.years[y].net for row, y in cells] + [0])
    if not cells or (largest_up == 0 and largest_down == 0):
        return chart
    chart.empty = False
    step = _nice_step(max(largest_up, largest_down))
    top_k = -(-largest_up // step) * step
    bottom_k = -(-largest_down // step) * step
    plot_height = HEIGHT - TOP - BOTTOM
    span = top_k + bottom_k or step
    scale = Decimal(plot_height) / span

    def y_of(amount_k):
        """Whole pixels from exact money: the Decimal never becomes a float."""
        return int((TOP + (top_k - amount_k) * scale).to_integral_value())

    chart.zero_y = round(y_of(0), 1)
    tick = -bottom_k
    while tick <= top_k:
        chart.ticks.append((round(y_of(tick), 1), format_in(tick, unit)))
        tick += step

    plot_width = WIDTH - LEFT - RIGHT
    slots = len(cells) + max(len(result.rows) - 1, 0)  # a gap slot between groups
    slot = plot_width / slots
    bar_width = slot * 0.6
    index = 0
    for group_number, row in enumerate(result.rows):
        if group_number:
            chart.separators.append(round(LEFT + (index + 0.5) * slot, 1))
            index += 1
        group_start = index
        for year in result.year_labels:
            cell = row.years[year]
            x = LEFT + index * slot + (slot - bar_width) / 2
            centre = LEFT + (index + 0.5) * slot
            chart.year_labels.append((round(centre, 1), year))
            name = f"{row.key if result.by == 'outcome' else row.label}, {year}"
            if cell.increase:
                chart.bars.append(Bar(x, y_of(cell.increase), bar_width, y_of(0) - y_of(cell.increase),
                                      "bar-increase", f"{name}: investment {format_in(cell.increase, unit)}"))
            if cell.decrease:
                chart.bars.append(Bar(x, y_of(0), bar_width, y_of(cell.decrease) - y_of(0),
                                      "bar-decrease", f"{name}: saving {format_in(cell.decrease, unit)}"))
            if cell.profiled:
                chart.bars.append(Bar(x - 2, y_of(cell.net) - 1.5, bar_width + 4, 3,
                                      "bar-net", f"{name}: net {format_in(cell.net, unit)}"))
            index += 1
        middle = LEFT + (group_start + (index - group_start) / 2) * slot
        short = f"Outcome {row.key}" if result.by == "outcome" else row.label
        chart.group_labels.append((round(middle, 1), short if len(short) <= 28 else short[:27] + "…"))
    return chart


@dataclass
class Step:
    """One bar of a bridge: ``label`` moves the running total from ``start`` to ``end`` (£k);
    a total bar (``total``) stands on zero."""

    label: str
    start: int
    end: int
    total: bool = False


def build_bridge(steps, unit=MILLIONS):
    """Geometry of a bridge (waterfall) chart of ``steps``: totals as solid bars from zero,
    each change as a floating bar from the running total before it to after, a widening
    (positive) solid and a closing (negative) hatched, so the direction is never told by
    colour alone. The table beside it is its accessible equivalent."""
    chart = Chart()
    if not steps:
        return chart
    values = [0] + [step.start for step in steps] + [step.end for step in steps]
    largest_up, largest_down = max(max(values), 0), max(-min(values), 0)
    if largest_up == 0 and largest_down == 0:
        return chart
    chart.empty = False
    step_k = _nice_step(max(largest_up, largest_down))
    top_k = -(-largest_up // step_k) * step_k
    bottom_k = -(-largest_down // step_k) * step_k
    scale = Decimal(HEIGHT - TOP - BOTTOM) / (top_k + bottom_k or step_k)

    def y_of(amount_k):
        return int((TOP + (top_k - amount_k) * scale).to_integral_value())

    chart.zero_y = y_of(0)
    tick = -bottom_k
    while tick <= top_k:
        chart.ticks.append((y_of(tick), format_in(tick, unit)))
        tick += step_k
    slot = (WIDTH - LEFT - RIGHT) / len(steps)
    bar_width = slot * 0.6
    for index, step in enumerate(steps):
        x = LEFT + index * slot + (slot - bar_width) / 2
        low, high = sorted((step.start, step.end))
        if step.total:
            css, words = "bar-total", f"{step.label}: {format_in(step.end, unit)}"
        elif step.end >= step.start:
            css, words = "bar-increase", f"{step.label}: widens the gap by {format_in(step.end - step.start, unit)}"
        else:
            css, words = "bar-decrease", f"{step.label}: closes the gap by {format_in(step.start - step.end, unit)}"
        height = max(y_of(low) - y_of(high), 1)
        chart.bars.append(Bar(x, y_of(high), bar_width, height, css, words))
        short = step.label if len(step.label) <= 22 else step.label[:21] + "…"
        chart.group_labels.append((round(LEFT + (index + 0.5) * slot, 1), short))
    return chart


TREND_HEIGHT = 240


def build_percent_bars(points):
    """Geometry of a bar chart of percentages, one bar per ``points`` item (label, Decimal
    percentage or None: no bar), on a 0–100% scale (more if a bar exceeds it), each bar
    labelled with its value in words so no reader needs its height. Delivery's trend."""
    chart = Chart(height=TREND_HEIGHT)
    values = [value for _label, value in points if value is not None]
    if not values:
        return chart
    chart.empty = False
    top = max(Decimal(100), -(-max(values) // 25) * 25)
    bottom = min(Decimal(0), (min(values) // 25) * 25)
    plot = Decimal(TREND_HEIGHT - TOP - 40)

    def y_of(value):
        return int((TOP + (top - value) * plot / (top - bottom)).to_integral_value())

    chart.zero_y = y_of(0)
    tick = bottom
    while tick <= top:
        chart.ticks.append((y_of(tick), f"{tick}%"))
        tick += 25
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    bar_width = min(slot * 0.6, 80)
    for index, (label, value) in enumerate(points):
        centre = round(LEFT + (index + 0.5) * slot, 1)
        chart.group_labels.append((centre, label))
        if value is None:
            chart.value_labels.append((centre, chart.zero_y - 6, "no returns"))
            continue
        low, high = sorted((Decimal(0), value))
        chart.bars.append(Bar(centre - bar_width / 2, y_of(high), bar_width, max(y_of(low) - y_of(high), 1),
                              "bar-total", f"{label}: {value}% of the target forecast"))
        chart.value_labels.append((centre, y_of(high) - 6, f"{value}%"))
    return chart
