"""Tables that read well wherever the output goes: a terminal or a pipe."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

GAP = "   "
"""Between plain columns: kubectl's three spaces, so a cell's own single spaces
never look like a column break."""

_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


@dataclass(frozen=True)
class Col:
    header: str
    no_wrap: bool = False
    clip: int | None = None
    """On a terminal only, where width is scarce: longer text is cut at this many
    characters. Plain output always keeps cells whole."""


class Grid:
    """On a terminal, rich's columns fitted to its width. Anywhere else (a pipe, a
    file) kubectl's plain text: one line per row, every cell whole, columns three
    spaces apart, no styles, whatever width COLUMNS claims, because what reads
    piped output is a program or a wider window than the one it guesses."""

    def __init__(
        self,
        *columns: Col | str,
        title: Text | None = None,
        pad_edge: bool = True,
        indent: int = 0,
    ) -> None:
        """`indent`: spaces before each plain row, as under a heading of `describe`."""
        self.columns = [c if isinstance(c, Col) else Col(c) for c in columns]
        self.title = title
        self.pad_edge = pad_edge
        self.indent = indent
        self.rows: list[list[Text]] = []

    def add_row(self, *cells: str | Text) -> None:
        # Text, not str: a str cell would be read as rich markup, and a message
        # such as "expected [a-z]" would lose its brackets or fail to render.
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([c if isinstance(c, Text) else Text(c) for c in cells])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.is_terminal:
            yield self.rich_table()
            return
        for line in self.plain_lines():
            yield Segment(line)
            yield Segment.line()

    def rich_table(self) -> Table:
        table = Table(
            box=None,
            pad_edge=self.pad_edge,
            show_edge=False,
            header_style="bold",
            title=self.title,
            title_justify="left",
        )
        for col in self.columns:
            table.add_column(col.header, no_wrap=col.no_wrap, overflow="fold")
        for row in self.rows:
            cells = zip(row, self.columns, strict=True)
            table.add_row(*(_clipped(cell, col.clip) for cell, col in cells))
        return table

    def plain_lines(self) -> list[str]:
        table = [[c.header for c in self.columns]]
        table += [[_one_line(cell.plain) for cell in row] for row in self.rows]
        widths = [max(cell_len(row[i]) for row in table) for i in range(len(self.columns))]
        lines = [self.title.plain] if self.title is not None else []
        for row in table:
            cells = zip(row, widths, strict=True)
            padded = (cell + " " * (width - cell_len(cell)) for cell, width in cells)
            lines.append(" " * self.indent + GAP.join(padded).rstrip())
        return lines


def _one_line(text: str) -> str:
    return _LINE_BREAK.sub(" ", text.strip())


def _clipped(cell: Text, clip: int | None) -> Text:
    if clip is None or len(cell) <= clip:
        return cell
    return cell[:clip]


def wrap_words(text: str, width: int | None) -> list[str]:
    """`text` as lines at most `width` cells wide, broken between words; only a word
    wider than a whole line is cut, as it fits no other way. Without a width, the
    text's own lines."""
    if width is None:
        return text.splitlines()
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for word in paragraph.split():
            joined = f"{line} {word}" if line else word
            if cell_len(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            *full, line = chop_cells(word, width)
            lines += full
        lines.append(line)
    return lines
