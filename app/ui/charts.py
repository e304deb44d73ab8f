"""Small charts for the dashboard, drawn with pyqtgraph (imported only when one is drawn)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from PySide6.QtWidgets import QLabel, QWidget

from app.money import format_inr

_BAR = "#f59e0b"


def _plot() -> Any:
    import pyqtgraph as pg

    plot = pg.PlotWidget(background=None)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.showGrid(x=False, y=True, alpha=0.2)
    return plot


def bar_chart(values: list[Decimal]) -> QWidget:
    """One bar per value, oldest on the left (sales by day)."""
    import pyqtgraph as pg

    plot = _plot()
    heights = [float(v) for v in values]  # drawing only: the figures stay Decimal elsewhere
    plot.addItem(pg.BarGraphItem(x=list(range(len(values))), height=heights, width=0.8, brush=_BAR))
    plot.getAxis("bottom").setTicks([[(len(values) - 1, "today"), (0, f"-{len(values) - 1} d")]])
    plot.setToolTip(f"Total {format_inr(sum(values, Decimal(0)))}")
    return cast(QWidget, plot)


def horizontal_bars(pairs: list[tuple[str, Decimal]]) -> QWidget:
    """Named amounts as bars, the largest on top (expense heads)."""
    import pyqtgraph as pg

    if not pairs:
        return note("Nothing spent yet this year.")
    plot = _plot()
    count = len(pairs)
    ys = [count - 1 - i for i in range(count)]
    plot.addItem(
        pg.BarGraphItem(x0=0, y=ys, height=0.7, width=[float(a) for _n, a in pairs], brush=_BAR)
    )
    plot.getAxis("left").setTicks(
        [[(y, f"{name} {format_inr(amount)}") for y, (name, amount) in zip(ys, pairs, strict=True)]]
    )
    return cast(QWidget, plot)


def note(text: str) -> QWidget:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
