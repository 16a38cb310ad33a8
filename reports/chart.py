"""A bar chart of a roll-up, drawn on the server as inline SVG (no script, CSP-safe).

For each group and year: investment as a solid bar up from zero, saving as a hatched
bar down from zero, and the net as a black tick. The roll-up table under it is its
accessible equivalent; the SVG carries a title and description saying so.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from proposals.money import MILLIONS, format_in

WIDTH = 960
HEIGHT = 360
LEFT = 70
RIGHT = 10
TOP = 20
BOTTOM = 60


class Bar(NamedTuple):
    """A bar, its geometry to a tenth of a pixel. A tuple, so the templates unpack it
    (``{% for x, y, width, height, css, label in chart.bars %}``): a loop variable is a
    plain context lookup, where ``bar.x`` costs an attribute resolution per attribute."""

    x: float
    y: float
    width: float
    height: float
    css: str
    label: str

    @classmethod
    def at(cls, x, y, width, height, css, label):
        return cls(round(x, 1), round(y, 1), round(width, 1), round(height, 1), css, label)


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
    labels: list = field(default_factory=list)  # Label: every text of the roll-up chart
    empty: bool = True


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


# The roll-up chart is laid out horizontally: a band per group, a row per year within it,
# bars out from a zero line (investment right, saving left), so every group gets a row of
# its own and no label can run into another, however many groups or however long their
# names. Group names wrap onto up to GROUP_LINES lines in the left column.
LABEL_WIDTH = 250  # the group names' column
YEAR_WIDTH = 60  # the year labels' column
PLOT_LEFT = LABEL_WIDTH + YEAR_WIDTH + 10
PLOT_RIGHT = WIDTH - 40  # room for the last tick label, centred on its line
ROW = 20  # one year's row
LINE = 16  # one line of a group's name
GROUP_GAP = 12
AXIS = 30  # the tick labels above the plot
GROUP_LINES = 3
CHARS_PER_LINE = 28  # of 13px bold text in LABEL_WIDTH (up to 8.6px a character)
CHAR_WIDTH = {12: 7.4, 13: 8.6}  # a generous width per character (bold DejaVu Sans), for the overlap check


@dataclass
class Label:
    x: float
    y: float
    text: str
    css: str
    anchor: str = "start"
    size: int = 12

    @property
    def box(self):
        """(left, top, right, bottom) the text can occupy, generously estimated."""
        width = len(self.text) * CHAR_WIDTH[self.size]
        left = self.x - (width if self.anchor == "end" else width / 2 if self.anchor == "middle" else 0)
        return (left, self.y - self.size * 0.85, left + width, self.y + self.size * 0.25)


def wrap(text, width=CHARS_PER_LINE, lines=GROUP_LINES):
    """``text`` in lines of at most ``width`` characters, broken at spaces (a longer word
    is cut), at most ``lines`` of them, the last ending "…" if anything was left out."""
    words, out, current = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if current:
                out.append(current)
                current = ""
            out.append(word[:width - 1] + "-")
            word = word[width - 1:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = (out[-1][:width - 1] + "…") if len(out[-1]) >= width else out[-1] + "…"
    return out or [""]


def overlaps(labels):
    """Pairs of ``labels`` whose boxes overlap (none, in every chart built here)."""
    found = []
    boxes = [(label, label.box) for label in labels]
    for index, (first, (l1, t1, r1, b1)) in enumerate(boxes):
        for second, (l2, t2, r2, b2) in boxes[index + 1:]:
            if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
                found.append((first.text, second.text))
    return found


def build_chart(result, unit=MILLIONS):
    """Geometry for a Rollup, every coordinate computed here (the template only draws):
    a horizontal band per group, whatever the number of groups. Figures are labelled in
    ``unit`` (the plan's); ``labels`` holds every text with its position."""
    chart = Chart()
    cells = [(row, year) for row in result.rows for year in result.year_labels]
    largest_up = max([row.years[y].increase for row, y in cells] + [row.years[y].net for row, y in cells] + [0])
    largest_down = max([-row.years[y].decrease for row, y in cells] + [-row.years[y].net for row, y in cells] + [0])
    if not cells or (largest_up == 0 and largest_down == 0):
        return chart
    chart.empty = False
    step = _nice_step(max(largest_up, largest_down))
    right_k = -(-largest_up // step) * step
    left_k = -(-largest_down // step) * step
    scale = Decimal(PLOT_RIGHT - PLOT_LEFT) / (right_k + left_k or step)

    def x_of(amount_k):
        """Whole pixels from exact money: the Decimal never becomes a float."""
        return int((PLOT_LEFT + (amount_k + left_k) * scale).to_integral_value())

    chart.left, chart.right_x = PLOT_LEFT, PLOT_RIGHT
    chart.zero_y = x_of(0)  # the zero line's x, in this layout
    y = AXIS
    for group_number, row in enumerate(result.rows):
        name = f"Outcome {row.key}" if result.by == "outcome" else row.label
        lines = wrap(name)
        band = max(len(result.year_labels) * ROW, len(lines) * LINE + 4)
        if group_number:
            chart.separators.append(y - GROUP_GAP / 2)
        for number, text in enumerate(lines):
            chart.labels.append(Label(0, y + 13 + number * LINE, text, "group", size=13))
        for index, year in enumerate(result.year_labels):
            cell = row.years[year]
            top = y + index * ROW + 4
            chart.labels.append(Label(PLOT_LEFT - 8, top + 10, year, "year", anchor="end"))
            words = f"{row.key if result.by == 'outcome' else row.label}, {year}"
            if cell.increase:
                chart.bars.append(Bar.at(x_of(0), top, x_of(cell.increase) - x_of(0), 12, "bar-increase",
                                      f"{words}: investment {format_in(cell.increase, unit)}"))
            if cell.decrease:
                chart.bars.append(Bar.at(x_of(cell.decrease), top, x_of(0) - x_of(cell.decrease), 12, "bar-decrease",
                                      f"{words}: saving {format_in(cell.decrease, unit)}"))
            if cell.profiled:
                chart.bars.append(Bar.at(x_of(cell.net) - 1.5, top - 2, 3, 16, "bar-net",
                                      f"{words}: net {format_in(cell.net, unit)}"))
        y += band + GROUP_GAP
    chart.height = int(y)
    tick = -left_k
    while tick <= right_k:
        chart.ticks.append((x_of(tick), format_in(tick, unit)))
        tick += step
    # Tick labels that would crowd each other at the plot's width are left out (the grid
    # line stays): every other one, then every fourth, until they fit.
    every = 1
    while every < len(chart.ticks):
        shown = [Label(x, AXIS - 12, text, "tick", anchor="middle") for x, text in chart.ticks[::every]]
        if not overlaps(shown):
            break
        every *= 2
    chart.labels += [Label(x, AXIS - 12, text, "tick", anchor="middle") for x, text in chart.ticks[::every]]
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
        chart.bars.append(Bar.at(x, y_of(high), bar_width, height, css, words))
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
        chart.bars.append(Bar.at(centre - bar_width / 2, y_of(high), bar_width, max(y_of(low) - y_of(high), 1),
                              "bar-total", f"{label}: {value}% of the target forecast"))
        chart.value_labels.append((centre, y_of(high) - 6, f"{value}%"))
    return chart
