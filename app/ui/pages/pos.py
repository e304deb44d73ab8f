"""The POS counter: scan or search items, take the money, print the receipt.

Keys: a scan anywhere adds the item · F2 search (or just type) · Enter adds the item found ·
``*`` quantity, ``@`` price, ``%`` discount of the current line, then a number and Enter ·
Del removes the line · Up/Down choose the line · F3 customer by phone · F6 hold · F7 resume ·
F10 return against a bill · F11 shift · F12 or Ctrl+Enter take payment · Ctrl+P print the last
bill's receipt through the print dialog · Ctrl+S only save it as a PDF.

A barcode lookup is a quick indexed read (0.3 ms median with 100,000 items), so it runs
here on the UI thread: scans are added in the order they were made and the line paints at
once. Searches by name, the customer lookup and everything that writes go to the runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing import counter
from app.billing import queries as billing_queries
from app.billing.cart import Cart, CartCustomer, CartLine, CartTerms
from app.billing.model import Tender
from app.billing.service import ROUNDING_SETTING, Posted, company_scheme, post_document
from app.errors import AppError
from app.gst import Rounding, SupplyKind, place_of_supply
from app.inventory import queries as stock_queries
from app.inventory.barcodes import ScaleFormat
from app.inventory.settings import inventory_settings
from app.money import ZERO, D, format_inr
from app.storage.company import Company
from app.storage.settings import choice
from app.ui.ops import JobContext, Runner, show_error
from app.ui.pages.bill_printing import BillOutput, printing_available, save_bill_pdf
from app.ui.pages.pos_dialogs import (
    HeldBillsDialog,
    PaymentDialog,
    ReturnDialog,
    ShiftDialog,
    local_time,
)
from app.ui.pages.pos_lines import BillTable
from app.ui.pages.pos_scanner import ScanWedge

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 120  # wait for a pause in typing before searching
LINE_COMMANDS = {"*": "quantity", "@": "price", "%": "discount"}
COLUMNS = ("#", "Item", "Qty", "Unit", "Price", "Disc %", "Amount")
RIGHT_ALIGNED = frozenset({0, 2, 4, 5, 6})  # the figures
_OVERRIDES = frozenset(
    {
        Qt.Key.Key_F2,
        Qt.Key.Key_F3,
        Qt.Key.Key_F6,
        Qt.Key.Key_F7,
        Qt.Key.Key_F10,
        Qt.Key.Key_F11,
        Qt.Key.Key_F12,
    }
)


def parse_number(text: str) -> Decimal | None:
    try:
        value = D(text.replace(",", "").strip())
    except (ValueError, InvalidOperation):
        return None
    return value if value.is_finite() else None


def qty_text(qty: Decimal) -> str:
    text = f"{qty:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@lru_cache(maxsize=512)
def line_cells(line: CartLine) -> tuple[str, ...]:
    """A line as the bill shows it after its number; kept, as a scan changes one line."""
    return (
        line.description,
        qty_text(line.qty),
        line.uqc,
        format_inr(line.unit_price),
        qty_text(line.discount_pct) if line.discount_pct else "",
        format_inr(line.amount),
    )


@dataclass(frozen=True)
class CounterSetup:
    """What the counter reads once when it opens."""

    terms: CartTerms
    scale: ScaleFormat
    shift: counter.Shift | None
    held: int


class PosPage(QWidget):
    """``posted`` carries each ``Posted`` sale or return, for other pages to refresh."""

    posted = Signal(object)

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posPage")
        self.company = company
        self.runner = runner
        self.cart = Cart()
        self.last_posted: Posted | None = None
        self.last_pdf: Path | None = None  # the last receipt saved (Ctrl+S)
        self.output = BillOutput(self, company, runner, self.say, self.back_to_counter)
        self._busy = False
        self._searched = ""
        setup = self._read_setup()
        self.terms = setup.terms
        self.home_terms = setup.terms
        self.scale = setup.scale
        self.shift = setup.shift

        self._build()
        self.wedge = ScanWedge(self, self.handle_key, _OVERRIDES)
        self.wedge.scanned.connect(self.add_code)
        self.wedge.typed.connect(self.type_into_search)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.search_entered)
        self.customer_field.returnPressed.connect(self.find_customer)
        self.results.itemActivated.connect(lambda _item: self.add_result())
        self._show_shift()
        self._set_held_count(setup.held)
        self.refresh()

    def _read_setup(self) -> CounterSetup:
        # A handful of small reads, once, when the window opens.
        with self.company.reader() as conn:
            rounding = Rounding(choice(conn, ROUNDING_SETTING, tuple(r.value for r in Rounding)))
            state = self.company.profile.state_code
            terms = CartTerms(state, state, company_scheme(conn), rounding)
            return CounterSetup(
                terms,
                inventory_settings(conn).scale,
                counter.current_shift(conn),
                len(counter.held_bills(conn)),
            )

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("posSearch")
        self.search.setPlaceholderText("Scan, or type an item name (F2) · * qty  @ price  % disc")
        self.customer_field = QLineEdit()
        self.customer_field.setObjectName("posCustomer")
        self.customer_field.setPlaceholderText("Customer phone or name (F3)")
        self.customer_field.setMaximumWidth(260)
        self.customer_label = QLabel("Walk-in")
        self.customer_label.setObjectName("posCustomerLabel")
        self.results = QListWidget()
        self.results.setObjectName("posResults")
        self.results.setMaximumHeight(160)
        self.results.hide()

        self._build_table()
        self._build_totals()
        self._lay_out()

    def _build_table(self) -> None:
        self.table = BillTable(COLUMNS, RIGHT_ALIGNED, stretch=1)
        self.table.setObjectName("posLines")

    def _build_totals(self) -> None:
        self.total_label = QLabel("₹0.00")
        self.total_label.setObjectName("posTotal")
        font = QFont()
        font.setPointSize(34)
        font.setBold(True)
        self.total_label.setFont(font)
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.breakup = QLabel()
        self.breakup.setObjectName("posBreakup")
        self.breakup.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.message = QLabel()
        self.message.setObjectName("posMessage")
        self.message.setWordWrap(True)
        self.shift_label = QLabel()
        self.shift_label.setObjectName("posShift")
        self.held_label = QLabel()
        self.print_button = QPushButton("Print receipt (Ctrl+P)")
        self.print_button.setObjectName("posPrint")
        self.print_button.clicked.connect(self.print_last)
        self.save_button = QPushButton("Save receipt PDF (Ctrl+S)")
        self.save_button.setObjectName("posSaveReceipt")
        self.save_button.clicked.connect(self.save_last)
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
            button.setVisible(printing_available())
        self.pay_button = QPushButton("Pay (F12)")
        self.pay_button.setObjectName("posPay")
        self.pay_button.clicked.connect(self.take_payment)
        for widget in (
            self.table,
            self.results,
            self.print_button,
            self.save_button,
            self.pay_button,
        ):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.customer_field)
        top.addWidget(self.customer_label)
        side = QVBoxLayout()
        side.addWidget(self.total_label)
        side.addWidget(self.breakup)
        side.addStretch(1)
        side.addWidget(self.pay_button)
        side.addWidget(self.print_button)
        side.addWidget(self.save_button)
        middle = QHBoxLayout()
        lines = QVBoxLayout()
        lines.addWidget(self.results)
        lines.addWidget(self.table, 1)
        middle.addLayout(lines, 3)
        middle.addLayout(side, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.shift_label)
        bottom.addWidget(self.held_label)
        bottom.addStretch(1)
        keys = QLabel(
            "F2 search · F3 customer · * qty · @ price · % disc · Del remove · F6 hold · "
            "F7 resume · F10 return · F11 shift · F12 pay · Ctrl+P print · Ctrl+S save receipt"
        )
        keys.setStyleSheet("color: #6b7280;")
        bottom.addWidget(keys)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

    # -- showing -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.wedge.install()
        QTimer.singleShot(0, self.search.setFocus)

    def hideEvent(self, event: QHideEvent) -> None:
        self.wedge.remove()
        super().hideEvent(event)

    def say(self, text: str, *, problem: bool = False) -> None:
        style = "color: #b91c1c;" if problem else "color: #065f46;"
        if self.message.styleSheet() != style:  # re-styling re-polishes: only on a change
            self.message.setStyleSheet(style)
        self.message.setText(text)
        if problem:
            QApplication.beep()

    # -- keys ----------------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent, focus: QWidget | None) -> bool:
        """The counter's own keys, before the focused widget sees them; True when taken."""
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        action = self._command_for(key, ctrl)
        if action is None:
            action = self._edit_for(event, focus)
        if action is None:
            return False
        action()
        return True

    def _command_for(self, key: int, ctrl: bool) -> Callable[[], None] | None:
        if ctrl:
            return {
                Qt.Key.Key_Return: self.take_payment,
                Qt.Key.Key_Enter: self.take_payment,
                Qt.Key.Key_P: self.print_last,
                Qt.Key.Key_S: self.save_last,
            }.get(Qt.Key(key))
        return {
            Qt.Key.Key_F2: self.focus_search,
            Qt.Key.Key_F3: self.focus_customer,
            Qt.Key.Key_F6: self.hold,
            Qt.Key.Key_F7: self.choose_held,
            Qt.Key.Key_F10: self.start_return,
            Qt.Key.Key_F11: self.open_shift_dialog,
            Qt.Key.Key_F12: self.take_payment,
        }.get(Qt.Key(key))

    def _edit_for(self, event: QKeyEvent, focus: QWidget | None) -> Callable[[], None] | None:
        key, text = event.key(), event.text()
        in_text = isinstance(focus, QLineEdit)
        empty_text = not (isinstance(focus, QLineEdit) and focus.text())
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and focus is not self.customer_field:
            step = -1 if key == Qt.Key.Key_Up else 1
            if self.results.isVisible() and focus is self.search:
                return lambda: self.move_result(step)
            return lambda: self.move_line(step)
        found: Callable[[], None] | None = None
        if key == Qt.Key.Key_Delete and empty_text:
            found = self.remove_line
        elif key == Qt.Key.Key_Escape and focus in (self.search, None, self.table):
            found = self.clear_search
        elif text in LINE_COMMANDS and empty_text and focus is not self.customer_field:
            found = lambda: self.start_line_command(text)  # noqa: E731
        elif not in_text and focus is not None and text and text.isprintable():
            found = lambda: self.type_into_search(text)  # noqa: E731
        return found

    def move_result(self, step: int) -> None:
        row = self.results.currentRow() + step
        self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))

    def clear_search(self) -> None:
        self.search.clear()
        self.results.hide()
        self.focus_search()

    def start_line_command(self, command: str) -> None:
        self.search.setFocus()
        self.search.setText(command)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def back_to_counter(self) -> None:
        """After a dialog: the counter's window takes the keys again, the scanner with it."""
        self.window().activateWindow()
        self.focus_search()

    def focus_customer(self) -> None:
        self.customer_field.setFocus()
        self.customer_field.selectAll()

    def type_into_search(self, text: str) -> None:
        self.search.setFocus()
        self.search.setText(self.search.text() + text)
        self._search_timer.start()

    # -- the bill ------------------------------------------------------------------------------
    @property
    def current_line(self) -> int:
        row = self.table.currentRow()
        return row if 0 <= row < len(self.cart.lines) else len(self.cart.lines) - 1

    def refresh(self, select: int | None = None) -> None:
        """Paint the lines and the totals from the cart."""
        current = self.current_line if select is None else select
        self.table.show_rows(
            [(str(row + 1), *line_cells(line)) for row, line in enumerate(self.cart.lines)]
        )
        if self.cart.lines:
            self.table.selectRow(max(0, min(current, len(self.cart.lines) - 1)))
        try:
            totals = self.cart.totals(self.terms)
        except AppError as error:
            self.say(str(error), problem=True)
            totals = None
        if totals is None:
            self.total_label.setText("₹0.00")
            self.breakup.setText("")
            return
        self.total_label.setText(format_inr(totals.grand_total, symbol=True))
        count = sum((line.qty for line in self.cart.lines), ZERO)
        heads = (
            f"IGST {format_inr(totals.igst)}"
            if totals.igst
            else f"CGST {format_inr(totals.cgst)} · SGST {format_inr(totals.sgst)}"
        )
        self.breakup.setText(
            f"{len(self.cart.lines)} lines · qty {qty_text(count)}\n"
            f"Taxable {format_inr(totals.taxable)} · {heads}\n"
            f"Round off {format_inr(totals.round_off)}"
        )

    def add_code(self, code: str) -> None:
        """A scanned (or typed) barcode: add the item, or 1 more to its line."""
        if self.search.text().strip() == self._searched:
            self._search_timer.stop()  # the scan's digits were taken back out of the search
        try:
            with self.company.reader() as conn:
                found = stock_queries.scan(conn, code, self.scale)
        except AppError as error:
            self.say(str(error), problem=True)
            return
        if found is None:
            self.say(
                f"No item has the barcode {code}. Search it by name (F2), or add the barcode "
                "on the Inventory page.",
                problem=True,
            )
            return
        if not found.item.active:
            self.say(f"{found.item.name} is marked inactive; it cannot be sold.", problem=True)
            return
        try:
            row = self.cart.add_scale(found.item, found.quantity, found.amount)
        except AppError as error:
            self.say(str(error), problem=True)
            return
        self.refresh(select=row)
        line = self.cart.lines[row]
        self.say(f"{line.description} × {qty_text(line.qty)}")

    def move_line(self, step: int) -> None:
        if self.cart.lines:
            row = max(0, min(len(self.cart.lines) - 1, self.current_line + step))
            self.table.selectRow(row)

    def remove_line(self) -> None:
        if not self.cart.lines:
            return
        row = self.current_line
        name = self.cart.lines[row].description
        self.cart.remove(row)
        self.refresh(select=min(row, len(self.cart.lines) - 1))
        self.say(f"Removed {name}.")

    def edit_line(self, command: str, text: str) -> None:
        value = parse_number(text)
        what = LINE_COMMANDS[command]
        if value is None:
            self.say(f"Type the {what} as a number after {command}.", problem=True)
            return
        try:
            row = self.current_line
            if command == "*":
                self.cart.set_quantity(row, value)
            elif command == "@":
                self.cart.set_price(row, value)
            else:
                self.cart.set_discount(row, value)
        except AppError as error:
            self.say(str(error), problem=True)
            return
        self.refresh(select=row)
        self.say(f"{self.cart.lines[row].description}: {what} {qty_text(value)}")

    # -- search --------------------------------------------------------------------------------
    def _search(self) -> None:
        term = self.search.text().strip()
        if not term or term[0] in LINE_COMMANDS:
            self.results.hide()
            return
        company = self.company

        def read(_ctx: JobContext) -> tuple[str, list[stock_queries.ItemRow]]:
            with company.reader() as conn:
                return term, stock_queries.search_items(conn, term, limit=20)

        self.runner.read("Search items", read, on_done=self._found)

    def _found(self, result: tuple[str, list[stock_queries.ItemRow]]) -> None:
        term, rows = result
        if term != self.search.text().strip():
            return  # the user typed on; a newer search is coming
        self._searched = term
        self.results.clear()
        for row in rows:
            entry = QListWidgetItem(f"{row.name}    {format_inr(row.sale_price)} / {row.unit}")
            entry.setData(Qt.ItemDataRole.UserRole, row)
            self.results.addItem(entry)
        self.results.setVisible(bool(rows))
        if rows:
            self.results.setCurrentRow(0)
        else:
            self.say(f"No item matches {term!r}.", problem=True)

    def search_entered(self) -> None:
        text = self.search.text().strip()
        if text and text[0] in LINE_COMMANDS:
            self.search.clear()
            self.edit_line(text[0], text[1:])
            return
        if self._search_timer.isActive() or (text and not self.results.isVisible()):
            # Enter before the results came: a typed code goes straight in, else search now.
            self._search_timer.stop()
            if text.isdigit():
                self.search.clear()
                self.add_code(text)
                return
            self._search()
            return
        self.add_result()

    def add_result(self) -> None:
        entry = self.results.currentItem()
        if entry is None or not self.results.isVisible():
            return
        row: stock_queries.ItemRow = entry.data(Qt.ItemDataRole.UserRole)
        index = self.cart.add_scan(row)
        self.search.clear()
        self.results.hide()
        self.refresh(select=index)
        self.say(f"{row.name} × {qty_text(self.cart.lines[index].qty)}")
        self.search.setFocus()

    # -- the customer --------------------------------------------------------------------------
    def find_customer(self) -> None:
        term = self.customer_field.text().strip()
        if not term:
            self.set_customer(CartCustomer())
            return
        company = self.company

        def read(_ctx: JobContext) -> list[billing_queries.PartyView]:
            with company.reader() as conn:
                return billing_queries.find_parties(conn, term, limit=10)

        self.runner.read(
            "Find customer", read, on_done=lambda found: self._customers_found(term, found)
        )

    def _customers_found(self, term: str, found: list[billing_queries.PartyView]) -> None:
        if len(found) == 1:
            party = found[0]
            self.set_customer(
                CartCustomer(party.id, party.name, party.phone, party.gstin, party.state_code)
            )
            self.focus_search()
        elif not found:
            digits = term.replace(" ", "").removeprefix("+91")
            if digits.isdigit() and 6 <= len(digits) <= 12:
                self.set_customer(CartCustomer(phone=digits))
                self.say(
                    f"No customer has the phone {digits}; it goes on the bill. Add them on "
                    "the Parties page to sell on credit."
                )
                self.focus_search()
            else:
                self.say(f"No customer matches {term!r}.", problem=True)
        else:
            names = ", ".join(f"{p.name} ({p.phone})" for p in found[:5])
            self.say(f"{len(found)} customers match: {names}. Type more of the phone.")

    def set_customer(self, customer: CartCustomer) -> None:
        self.cart.customer = customer
        self.customer_label.setText(customer.label)
        self.terms = self._terms_for(customer)
        self.refresh()

    def _terms_for(self, customer: CartCustomer) -> CartTerms:
        """The place of supply as posting will decide it (for the figures on screen)."""
        if customer.party_id is None:
            return self.home_terms
        try:
            decided = place_of_supply(
                seller_state=self.home_terms.seller_state,
                kind=SupplyKind.GOODS,
                recipient_gstin=customer.gstin,
                billing_state=customer.state_code or None,
                delivery_state=None,
                export=False,
            ).state_code
        except AppError:
            return self.home_terms
        return CartTerms(
            self.home_terms.seller_state, decided, self.home_terms.scheme, self.home_terms.rounding
        )

    # -- paying --------------------------------------------------------------------------------
    def take_payment(self) -> None:
        if self._busy:
            return
        try:
            totals = self.cart.totals(self.terms)
        except AppError as error:
            show_error(self, error)
            return
        if totals is None:
            self.say("The bill is empty: scan or search an item first.", problem=True)
            return
        dialog = PaymentDialog(
            totals.grand_total, self.cart.customer.party_id is not None, self.cart.customer, self
        )
        dialog.paid.connect(self.post)
        dialog.open()
        self.payment_dialog = dialog

    def post(self, tenders: tuple[Tender, ...]) -> None:
        try:
            draft = self.cart.to_draft(self.terms, date.today(), tenders)
        except AppError as error:
            show_error(self, error)
            return
        company = self.company
        self._busy = True
        self.say("Saving the bill…")

        def write(_ctx: JobContext) -> Posted:
            return post_document(company, draft)

        self.runner.write("Post the bill", write, on_done=self._posted, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.back_to_counter()
        self.say("The bill was not saved; it is still here.", problem=True)
        show_error(self, error)

    def _posted(self, posted: Posted) -> None:
        self._busy = False
        self.last_posted = posted
        self.last_pdf = None
        doc = posted.document
        self.cart = Cart()
        self.set_customer(CartCustomer())
        self.customer_field.clear()
        text = f"Bill {doc.number} saved: {format_inr(doc.grand_total, symbol=True)}."
        if posted.change:
            text += f" Change due {format_inr(posted.change, symbol=True)}."
        for warning in posted.warnings:
            text += f" {warning}"
        self.say(text)
        self._receipt_ready()
        self.posted.emit(posted)
        self.back_to_counter()

    def _receipt_ready(self) -> None:
        for button in (self.print_button, self.save_button):
            button.setEnabled(True)

    def print_last(self) -> None:
        """The last bill's 80 mm receipt through the system print dialog (which does not
        block: the counter's results keep arriving while it is open)."""
        if self.last_posted is None or not printing_available():
            return
        self.output.print_bill(self.last_posted.document, receipt=True)

    def save_last(self) -> None:
        """The last bill's receipt as a PDF in the company's printed/ folder, not printed."""
        if self.last_posted is None or not printing_available():
            return
        company, doc = self.company, self.last_posted.document

        def read(_ctx: JobContext) -> Path:
            return save_bill_pdf(company, doc, receipt=True)

        self.runner.read("Save the receipt", read, on_done=self._saved, on_error=self._not_saved)

    def _saved(self, path: Path) -> None:
        self.last_pdf = path
        self.say(f"Receipt saved as {path}")

    def _not_saved(self, error: BaseException) -> None:
        show_error(self, error)

    # -- hold, resume --------------------------------------------------------------------------
    def hold(self) -> None:
        if self.cart.empty or self._busy:
            self.say("The bill is empty; there is nothing to hold.", problem=True)
            return
        cart = self.cart
        label = f"{cart.customer.label} {datetime.now():%H:%M} ({len(cart.lines)} items)"
        company = self.company

        def write(_ctx: JobContext) -> int:
            counter.hold_bill(company, label, cart)
            with company.reader() as conn:
                return len(counter.held_bills(conn))

        self._busy = True
        self.runner.write("Hold the bill", write, on_done=self._held, on_error=self._failed)

    def _held(self, count: int) -> None:
        self._busy = False
        self.cart = Cart()
        self.set_customer(CartCustomer())
        self.customer_field.clear()
        self._set_held_count(count)
        self.say("Bill put on hold. F7 brings it back.")
        self.focus_search()

    def _set_held_count(self, count: int) -> None:
        self.held_label.setText(f"{count} on hold (F7)" if count else "")

    def choose_held(self) -> None:
        if not self.cart.empty:
            self.say("Finish or hold (F6) this bill before bringing back another.", problem=True)
            return
        company = self.company

        def read(_ctx: JobContext) -> list[counter.HeldBill]:
            with company.reader() as conn:
                return counter.held_bills(conn)

        self.runner.read("Held bills", read, on_done=self._show_held)

    def _show_held(self, bills: list[counter.HeldBill]) -> None:
        if not bills:
            self.say("No bills are on hold.")
            return
        dialog = HeldBillsDialog(bills, self)
        dialog.chosen.connect(self.resume)
        dialog.open()
        self.held_dialog = dialog

    def resume(self, held_id: int) -> None:
        company = self.company

        def write(_ctx: JobContext) -> tuple[Cart, int]:
            cart = counter.resume_bill(company, held_id)
            with company.reader() as conn:
                return cart, len(counter.held_bills(conn))

        self.runner.write("Resume the bill", write, on_done=self._resumed)

    def _resumed(self, result: tuple[Cart, int]) -> None:
        cart, count = result
        self.cart = cart
        self.set_customer(cart.customer)
        self.customer_field.setText(cart.customer.phone or cart.customer.name)
        self._set_held_count(count)
        self.refresh(select=len(cart.lines) - 1)
        self.say("Held bill back at the counter.")
        self.back_to_counter()

    # -- returns, shifts -----------------------------------------------------------------------
    def start_return(self) -> None:
        dialog = ReturnDialog(self.company, self.runner, self.home_terms.rounding, self)
        dialog.returned.connect(self._returned)
        dialog.open()
        self.return_dialog = dialog

    def _returned(self, posted: Posted) -> None:
        doc = posted.document
        self.say(
            f"Credit note {doc.number} saved against {doc.original_number}: "
            f"{format_inr(doc.grand_total, symbol=True)} refunded."
        )
        self.last_posted = posted
        self.last_pdf = None
        self._receipt_ready()
        self.posted.emit(posted)
        self.back_to_counter()

    def open_shift_dialog(self) -> None:
        dialog = ShiftDialog(self.company, self.runner, self.shift, self)
        dialog.changed.connect(self._shift_changed)
        dialog.open()
        self.shift_dialog = dialog

    def _shift_changed(self, shift: counter.Shift | None) -> None:
        self.shift = shift
        self._show_shift()
        self.back_to_counter()

    def _show_shift(self) -> None:
        if self.shift is None:
            self.shift_label.setText("No shift open: F11 to open one with the cash in the drawer")
            self.shift_label.setStyleSheet("color: #b45309;")
        else:
            self.shift_label.setText(
                f"Shift open since {local_time(self.shift.opened_at)} by {self.shift.opened_by}"
            )
            self.shift_label.setStyleSheet("")

    # -- closing -------------------------------------------------------------------------------
    def has_unsaved(self) -> bool:
        return not self.cart.empty

    def hold_on_close(self) -> None:
        """The window is closing with a bill on the counter: put it on hold, so it is there
        tomorrow. Called after the runner has settled, so this is the only write."""
        if self.cart.empty:
            return
        label = f"{self.cart.customer.label} (left open at closing)"
        try:
            counter.hold_bill(self.company, label, self.cart)
        except AppError as error:
            log.warning("could not hold the open bill at closing: %s", error)
            return
        self.cart = Cart()
