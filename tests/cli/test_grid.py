"""The CLI's tables: rich's on a terminal, kubectl's plain text anywhere else."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from treadle.cli.grid import Col, Grid


def printed(renderable: RenderableType, *, terminal: bool, width: int = 40) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=terminal, width=width, soft_wrap=True, color_system=None
    )
    console.print(renderable)
    return buffer.getvalue()


def grid(*rows: tuple[str, str]) -> Grid:
    g = Grid("NAME", Col("MESSAGE", clip=10), pad_edge=False)
    for row in rows:
        g.add_row(*row)
    return g


def test_on_a_terminal_the_grid_is_rich_s_table_fitted_to_the_width() -> None:
    g = grid(("a-run-with-a-name-that-is-long", "waiting for the pod to start"))
    assert printed(g, terminal=True) == printed(g.rich_table(), terminal=True)


def test_on_a_terminal_a_clipped_column_is_cut() -> None:
    assert "waiting fo\n" in printed(grid(("r", "waiting for the pod")), terminal=True)


def test_plain_rows_keep_every_cell_whole_three_spaces_apart() -> None:
    g = grid(("r", "waiting for the pod"), ("a-longer-name", "ok"))
    assert printed(g, terminal=False, width=10).splitlines() == [
        "NAME            MESSAGE",
        "r               waiting for the pod",
        "a-longer-name   ok",
    ]


def test_plain_text_is_kept_verbatim_not_read_as_markup() -> None:
    assert "[bold]x[/bold] [a-z]" in printed(grid(("r", "[bold]x[/bold] [a-z]")), terminal=False)


def test_a_cell_s_line_breaks_do_not_break_its_row() -> None:
    lines = printed(grid(("r", "first line\n  second line")), terminal=False).splitlines()
    assert lines[1] == "r      first line second line"


def test_wide_characters_are_aligned_by_the_cells_they_take() -> None:
    lines = printed(grid(("运行", "x"), ("r", "y")), terminal=False).splitlines()
    assert lines[1:] == ["运行   x", "r      y"]
