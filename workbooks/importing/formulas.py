"""The few formulas a council's proposals table holds, worked out from the sheet's own cells.

A workbook is read with its formulas (openpyxl, ``data_only=False``), so a total row's
cells hold "=SUM(D5:D9)" rather than a figure. This reads numbers, references to cells
of the same sheet ("D5", "$D$5"), ranges inside SUM and SUBTOTAL(9 or 109, …), ``+ - * /``
and brackets; anything else (another sheet, ROUND, IF) is reported as a formula the
portal cannot read. Every formula is parsed once; evaluation is memoised per cell, with
a budget of cells visited in all, so a hostile sheet costs at most that budget.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation

MAX_FORMULA_CHARS = 1000
MAX_DEPTH = 40  # brackets and functions inside each other
MAX_VISITS = 200_000  # cells read through references, in one sheet

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$?[A-Za-z]{1,3}\$?[0-9]{1,7})(?![A-Za-z0-9_(])"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9.]{0,20})\s*\("
    r"|(?P<op>[-+*/(),:]))",
    re.ASCII,
)


class FormulaError(ValueError):
    """A formula the portal cannot work out; the message is for the officer."""


class Circular(FormulaError):
    """A formula that needs its own value."""


class OverBudget(FormulaError):
    """The sheet's formulas read more cells than any proposals table needs."""


def column_index(letters: str) -> int:
    """"A" -> 0, "AA" -> 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letter(index: int) -> str:
    """0 -> "A", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(ref: str) -> tuple[int, int]:
    """"$D$5" -> (5, 3): the 1-based row and 0-based column."""
    ref = ref.replace("$", "")
    split = next(i for i, char in enumerate(ref) if char.isdigit())
    return int(ref[split:]), column_index(ref[:split])


# A parsed formula is a tree of tuples: ("num", Decimal), ("ref", row, col),
# ("range", row1, col1, row2, col2), ("neg", node), ("op", "+", left, right),
# ("sum", [nodes], is a SUBTOTAL).
Node = tuple


@dataclass
class Parsed:
    tree: Node
    sums: bool  # a SUM or SUBTOTAL
    subtotal: bool  # a SUBTOTAL, which the SUBTOTALs around it leave out
    # What it names, each as (first row, first column, last row, last column); a cell is a range of one.
    ranges: list[tuple[int, int, int, int]] = field(default_factory=list)

    def rows_in(self, column: int) -> list[tuple[int, int]]:
        """The (first, last) rows it names in ``column``."""
        return [(r1, r2) for r1, c1, r2, c2 in self.ranges if c1 <= column <= c2 and r1 <= r2]


class _Parser:
    def __init__(self, text: str, last_row: int, last_column: int):
        self.tokens = self._tokenize(text)
        self.at = 0
        self.depth = 0
        self.sums = self.subtotal = False
        self.last_row, self.last_column = last_row, last_column

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        while position < len(text):
            if text[position:].isspace():
                break
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise FormulaError("it uses something the portal cannot work out")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise FormulaError("it is not a formula the portal can read")
        self.at += 1
        return token

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"it nests more than {MAX_DEPTH} levels deep")
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            operator = self.take()[1]
            node = ("op", operator, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            operator = self.take()[1]
            node = ("op", operator, node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if kind == "op" and value in "+-":
            inner = self.factor()
            return ("neg", inner) if value == "-" else inner
        if kind == "number":
            return ("num", Decimal(value))
        if kind == "ref":
            if self.peek() == ("op", ":"):
                raise FormulaError("a range such as D5:D9 is read only inside SUM or SUBTOTAL")
            row, column = _cell(value)
            return ("ref", row, column)
        if kind == "op" and value == "(":
            node = self.expression()
            self.take(")")
            return node
        if kind == "name":
            return self.function(value.upper())
        raise FormulaError("it is not a formula the portal can read")

    def function(self, name: str) -> Node:
        if name not in ("SUM", "SUBTOTAL"):
            raise FormulaError(f"the portal reads SUM and SUBTOTAL, not {name[:20]}")
        self.sums = True
        self.subtotal = self.subtotal or name == "SUBTOTAL"
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"it nests more than {MAX_DEPTH} levels deep")
        arguments = []
        if name == "SUBTOTAL":
            kind, value = self.take()
            if kind != "number" or value not in ("9", "109"):
                raise FormulaError("the portal reads SUBTOTAL(9, …) and SUBTOTAL(109, …), which add up")
            self.take(",")
        while True:
            arguments.append(self.argument())
            if self.peek() == ("op", ","):
                self.take()
                continue
            self.take(")")
            break
        self.depth -= 1
        return ("sum", arguments, name == "SUBTOTAL")

    def argument(self) -> Node:
        kind, value = self.peek()
        if kind == "ref" and self.tokens[self.at + 1:self.at + 2] == [("op", ":")]:
            self.take()
            self.take(":")
            end_kind, end = self.take()
            if end_kind != "ref":
                raise FormulaError("a range must run from one cell to another, such as D5:D9")
            (row1, column1), (row2, column2) = _cell(value), _cell(end)
            row1, row2 = sorted((row1, row2))
            column1, column2 = sorted((column1, column2))
            # Cut to the cells the sheet has: SUM(D:D)-sized ranges cost no more than the sheet.
            return ("range", row1, column1, min(row2, self.last_row), min(column2, self.last_column))
        return self.expression()


def parse(text: str, last_row: int, last_column: int) -> Parsed:
    """A formula ("=SUM(D5:D9)") parsed; ranges are cut to ``last_row`` and ``last_column``
    (the sheet's last). Raises FormulaError."""
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"it is longer than {MAX_FORMULA_CHARS:,} characters")
    body = text[1:] if text.startswith("=") else text
    parser = _Parser(body, last_row, last_column)
    tree = parser.expression()
    if parser.peek()[0] != "end":
        raise FormulaError("it is not a formula the portal can read")
    parsed = Parsed(tree=tree, sums=parser.sums, subtotal=parser.subtotal)
    _collect(tree, parsed.ranges)
    return parsed


def _collect(node: Node, ranges: list[tuple[int, int, int, int]]) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        kind = item[0]
        if kind == "ref":
            ranges.append((item[1], item[2], item[1], item[2]))
        elif kind == "range":
            ranges.append((item[1], item[2], item[3], item[4]))
        elif kind == "neg":
            stack.append(item[1])
        elif kind == "op":
            stack.extend((item[2], item[3]))
        elif kind == "sum":
            stack.extend(item[1])


class Evaluator:
    """Works out the formulas of one sheet. ``value_of(row, column)`` gives a cell's value as
    a Decimal (or None when empty) or raises FormulaError; ``cells`` maps (row, column) to
    the raw value; ``constant`` reads a non-formula cell (raising ValueError on text)."""

    def __init__(self, cells: dict[tuple[int, int], object], last_row: int, last_column: int,
                 constant: Callable[[object], Decimal | None]):
        self.cells = cells
        self.last_row, self.last_column = last_row, last_column
        self.constant = constant
        self.parsed: dict[tuple[int, int], Parsed] = {}
        self.values: dict[tuple[int, int], Decimal | None] = {}
        self.errors: dict[tuple[int, int], FormulaError] = {}
        self.visiting: set[tuple[int, int]] = set()
        self.visits = 0

    def formula(self, row: int, column: int) -> Parsed | None:
        """The parsed formula in the cell, None when it holds none. Raises FormulaError."""
        raw = self.cells.get((row, column))
        if not (isinstance(raw, str) and raw.startswith("=")):
            return None
        key = (row, column)
        if key not in self.parsed:
            self.parsed[key] = parse(raw, self.last_row, self.last_column)
        return self.parsed[key]

    def value_of(self, row: int, column: int) -> Decimal | None:
        key = (row, column)
        if key in self.values:
            return self.values[key]
        if key in self.errors:
            raise self.errors[key]
        self._visit()
        parsed = self.formula(row, column)
        if parsed is None:
            value = self.constant(self.cells.get(key))
        else:
            if key in self.visiting:
                raise Circular("it refers back to itself, through the cells it adds up")
            self.visiting.add(key)
            try:
                value = self._evaluate(parsed.tree)
            except FormulaError as error:
                self.errors[key] = error
                raise
            finally:
                self.visiting.discard(key)
        self.values[key] = value
        return value

    def _referred(self, row: int, column: int, in_range: bool) -> Decimal:
        """The value of a cell another formula names, as that formula sees it."""
        try:
            value = self.value_of(row, column)
        except (Circular, OverBudget):
            raise
        except FormulaError:
            raise FormulaError(f"it uses {column_letter(column)}{row}, whose formula cannot be read") from None
        except ValueError:
            if in_range:
                return Decimal(0)  # text inside SUM(…) counts as nothing, as in a spreadsheet
            raise FormulaError(f"{column_letter(column)}{row} is not a figure") from None
        return value if value is not None else Decimal(0)

    def _visit(self) -> None:
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise OverBudget(f"the sheet's formulas read more than {MAX_VISITS:,} cells")

    def _evaluate(self, node: Node) -> Decimal:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "ref":
            return self._referred(node[1], node[2], in_range=False)
        if kind == "neg":
            return -self._evaluate(node[1])
        if kind == "op":
            left, right = self._evaluate(node[2]), self._evaluate(node[3])
            try:
                if node[1] == "+":
                    return left + right
                if node[1] == "-":
                    return left - right
                if node[1] == "*":
                    return left * right
                return left / right
            except (DivisionByZero, InvalidOperation):
                raise FormulaError("it divides by zero") from None
        total = Decimal(0)
        for argument in node[1]:
            if argument[0] == "range":
                for row in range(argument[1], argument[3] + 1):
                    for column in range(argument[2], argument[4] + 1):
                        total += self._in_range(row, column, subtotal=node[2])
            else:
                total += self._evaluate(argument)
        return total

    def _in_range(self, row: int, column: int, subtotal: bool) -> Decimal:
        """A cell inside SUM(…) or SUBTOTAL(…), which leaves out the SUBTOTALs inside it, as a spreadsheet does."""
        self._visit()
        if (row, column) not in self.cells:
            return Decimal(0)
        if subtotal:
            try:
                inner = self.formula(row, column)
            except FormulaError:
                inner = None  # named as it is read, below
            if inner is not None and inner.subtotal:
                return Decimal(0)
        return self._referred(row, column, in_range=True)
