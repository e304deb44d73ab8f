"""Stock valuation by replaying one item's moves in date order: FIFO or weighted average.

Nothing here is stored: the cost of a sale and the closing value are recomputed from the
moves, so a back-dated purchase changes later costs the way an accountant expects. Each
move's *effect* is how much it changed the stock's value: an inward move adds what the
goods cost; an outward move takes away its cost of goods sold.

Negative stock (when the company allows it) is valued at the latest known unit cost. A
receipt that fills a shortage values what remains at the receipt's own cost, so its
effect can differ from its invoice value; the difference is the cost correction of the
sales made from stock that was not there. Whatever the order, zero stock is worth zero.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.inventory.model import QTY_ZERO, ValuationMethod
from app.money import ZERO, round_paise


@dataclass(frozen=True)
class ValuedMove:
    move_id: int
    qty: Decimal  # + in, - out
    value: Decimal | None  # inward goods' cost; None: at the latest unit cost


class Valuer:
    """One item's running stock and value under a method; ``apply`` returns a move's effect."""

    def __init__(self, method: ValuationMethod) -> None:
        self.method = method
        self.qty = QTY_ZERO
        self.value = ZERO
        self.last_cost: Decimal | None = None  # per base unit, unrounded
        self._layers: deque[tuple[Decimal, Decimal]] = deque()  # FIFO: (qty, value), oldest first

    def apply(self, qty: Decimal, value: Decimal | None) -> Decimal:
        before = self.value
        if qty > 0:
            self._receive(qty, value)
        elif qty < 0:
            self._issue(-qty)
        return self.value - before

    def _unit_cost(self) -> Decimal:
        if self.method is ValuationMethod.AVERAGE and self.qty > 0:
            return self.value / self.qty
        return self.last_cost if self.last_cost is not None else ZERO

    def _receive(self, qty: Decimal, value: Decimal | None) -> None:
        if value is None:  # a return or a count gain: at what the stock costs now
            value = round_paise(qty * self._unit_cost())
        self.last_cost = value / qty
        old = self.qty
        self.qty += qty
        if self.qty <= 0:
            self.value = round_paise(self.qty * self.last_cost)
        elif old < 0:  # fills a shortage: what is left is worth what this receipt cost
            remaining = round_paise(value * self.qty / qty)
            self._layers = deque([(self.qty, remaining)])
            self.value = remaining
        else:
            self._layers.append((qty, value))
            self.value += value

    def _issue(self, qty: Decimal) -> None:
        if self.qty <= 0:
            self.qty -= qty
            self.value = round_paise(self.qty * self._unit_cost())
            return
        available = min(qty, self.qty)
        if self.method is ValuationMethod.AVERAGE:
            cost = self._average_cost(available)
        else:
            cost = self._fifo_cost(available)
        self.qty -= qty
        if self.qty < 0:
            self._layers.clear()
            self.value = round_paise(self.qty * self._unit_cost())
        else:
            self.value -= cost

    def _average_cost(self, qty: Decimal) -> Decimal:
        cost = self.value if qty == self.qty else round_paise(self.value * qty / self.qty)
        remaining_qty = self.qty - qty
        self._layers = deque([(remaining_qty, self.value - cost)]) if remaining_qty else deque()
        return cost

    def _fifo_cost(self, qty: Decimal) -> Decimal:
        cost = ZERO
        while qty > 0:
            layer_qty, layer_value = self._layers[0]
            if qty >= layer_qty:
                self._layers.popleft()
                cost += layer_value
                qty -= layer_qty
            else:
                part = round_paise(layer_value * qty / layer_qty)
                self._layers[0] = (layer_qty - qty, layer_value - part)
                cost += part
                qty = QTY_ZERO
        return cost


def replay(
    moves: Iterable[ValuedMove], method: ValuationMethod
) -> tuple[Valuer, dict[int, Decimal]]:
    """The item's state after ``moves`` (already in date order) and each move's effect."""
    valuer = Valuer(method)
    effects = {move.move_id: valuer.apply(move.qty, move.value) for move in moves}
    return valuer, effects
