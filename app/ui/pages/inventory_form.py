"""Add or change an item. Barcodes (check digit), HSN/SAC and the GST rate are checked as
they are typed and each fault is named beside its field; nothing is saved while any detail
is wrong, and what the service refuses is shown in the form, never as a traceback."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ValidationError
from app.gst.rates import allowed_rates
from app.inventory import queries
from app.inventory.barcodes import InvalidBarcode, barcode_kind
from app.inventory.model import (
    UQC_CODES,
    GodownId,
    ItemDraft,
    ItemId,
    UnitConversion,
    hsn_problem,
    item_problems,
)
from app.inventory.queries import ItemView
from app.inventory.service import (
    StockLine,
    add_items_in,
    check_rate_in_force,
    opening_stock_in,
    update_item,
)
from app.money import round_paise
from app.storage.company import Company
from app.ui.ops import JobContext, Runner
from app.ui.widgets import BAD, GOOD, problems_label, save_cancel_buttons, show_failure

COMMON_UNITS = ("NOS", "PCS", "KGS", "GMS", "LTR", "MLT", "MTR", "BOX", "PAC", "BTL", "DOZ", "SET")


def parse_number(text: str, what: str) -> Decimal | None:
    """A number as typed (commas and a rupee sign allowed); None when left empty."""
    cleaned = text.replace(",", "").replace("₹", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"The {what} {text.strip()!r} is not a number.") from None
    if not value.is_finite():
        raise ValidationError(f"The {what} {text.strip()!r} is not a number.")
    return value


def parse_pairs(text: str, what: str) -> list[tuple[str, Decimal]]:
    """'BOX=12, DOZ=12' or 'wholesale=26.50' as (name, number) pairs."""
    pairs = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        value = parse_number(number, what) if sep else None
        if not name.strip() or value is None:
            raise ValidationError(f"Write each {what} as NAME=NUMBER, such as {part.strip()}=12.")
        pairs.append((name.strip(), value))
    return pairs


def barcode_verdict(text: str) -> tuple[bool, str]:
    """(acceptable, what to show) for the barcode field: each code's kind or its fault."""
    codes = text.replace(",", " ").split()
    if not codes:
        return True, "No barcode (the SKU prints as Code 128 on labels)"
    shown = []
    for code in codes:
        try:
            shown.append(f"{code}: {barcode_kind(code)}")
        except InvalidBarcode as exc:
            return False, str(exc)
    if len(set(codes)) != len(codes):
        return False, "A barcode is listed twice."
    return True, " · ".join(shown)


class ItemForm(QDialog):
    """``saved(item_id)`` once the item is in the books."""

    saved = Signal(int)

    def __init__(
        self,
        company: Company,
        runner: Runner,
        parent: QWidget,
        existing: ItemView | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("itemForm")
        self.setWindowTitle(f"Change {existing.item.name}" if existing else "New item")
        self.company = company
        self.runner = runner
        self.existing = existing
        self.today = today or date.today()
        self._build(existing)
        self._lay_out(existing)
        self.barcodes.textChanged.connect(self.check_fields)
        self.hsn.textChanged.connect(self.check_fields)
        self.check_fields()
        if existing is None:
            self._load_godowns()
        self.name.setFocus()

    # -- fields --------------------------------------------------------------------------------
    def _line(self, name: str, text: str = "", hint: str = "") -> QLineEdit:
        field = QLineEdit(text)
        field.setObjectName(name)
        field.setPlaceholderText(hint)
        return field

    def _build(self, existing: ItemView | None) -> None:
        item = existing.item if existing else None
        self.name = self._line("itemName", item.name if item else "")
        self.sku = self._line("itemSku", item.sku or "" if item else "")
        codes = " ".join(code for code, _kind in existing.barcodes) if existing else ""
        self.barcodes = self._line("itemBarcodes", codes, "EAN-13, UPC or any code; space between")
        self.barcode_note = QLabel()
        self.barcode_note.setObjectName("barcodeNote")
        self.barcode_note.setWordWrap(True)
        self.hsn = self._line("itemHsn", item.hsn if item else "", "4, 6 or 8 digits")
        self.hsn.setMaxLength(8)
        self.hsn_note = QLabel()
        self.hsn_note.setObjectName("hsnNote")
        self.gst_rate = QComboBox()
        self.gst_rate.setObjectName("itemGstRate")
        rates = list(allowed_rates(self.today))
        if item is not None and item.gst_rate not in rates:
            rates.append(item.gst_rate)  # shown as it is; saving asks for a rate in force
        for rate in sorted(rates):
            self.gst_rate.addItem(f"{rate}%", str(rate))
        chosen = item.gst_rate if item else Decimal(18)
        for index in range(self.gst_rate.count()):  # by value: 5.00 is the 5% entry
            if Decimal(self.gst_rate.itemData(index)) == chosen:
                self.gst_rate.setCurrentIndex(index)
        self.unit = QComboBox()
        self.unit.setObjectName("itemUnit")
        self.unit.setEditable(True)
        self.unit.addItems([*COMMON_UNITS, *sorted(UQC_CODES - set(COMMON_UNITS))])
        self.unit.setCurrentText(item.unit if item else "NOS")
        conversions = (
            ", ".join(f"{c.uqc}={c.factor.normalize():f}" for c in existing.conversions)
            if existing
            else ""
        )
        self.conversions = self._line(
            "itemConversions", conversions, "BOX=12 (1 box = 12 base units)"
        )
        self._build_prices(existing)
        self._build_stock(existing)

    def _build_prices(self, existing: ItemView | None) -> None:
        item = existing.item if existing else None

        def money(value: Decimal | None) -> str:
            return "" if value is None else f"{value:.2f}"

        self.mrp = self._line("itemMrp", money(item.mrp) if item else "")
        self.sale_price = self._line("itemSalePrice", money(item.sale_price) if item else "")
        self.purchase_price = self._line(
            "itemPurchasePrice", money(item.purchase_price) if item else ""
        )
        lists = ", ".join(f"{n}={p:.2f}" for n, p in existing.prices) if existing else ""
        self.price_lists = self._line("itemPriceLists", lists, "wholesale=26.50")
        self.group = self._line("itemGroup", item.group if item else "", "Grocery, Hardware …")

    def _build_stock(self, existing: ItemView | None) -> None:
        item = existing.item if existing else None
        self.reorder_level = self._line(
            "itemReorderLevel", f"{item.reorder_level.normalize():f}" if item else ""
        )
        self.reorder_qty = self._line(
            "itemReorderQty", f"{item.reorder_qty.normalize():f}" if item else ""
        )
        self.lead_time = QSpinBox()
        self.lead_time.setRange(0, 365)
        self.lead_time.setValue(item.lead_time_days if item else 7)
        self.batch_tracked = QCheckBox("Tracked by &batch (expiry dates)")
        self.batch_tracked.setChecked(bool(item and item.batch_tracked))
        self.serial_tracked = QCheckBox("Serial numbers")
        self.serial_tracked.setChecked(bool(item and item.serial_tracked))
        self.active = QCheckBox("&Active (on sale)")
        self.active.setObjectName("itemActive")
        self.active.setChecked(item.active if item else True)
        self.opening_qty = self._line("itemOpeningQty", "", "in the base unit")
        self.opening_value = self._line("itemOpeningValue", "", "default: qty x purchase price")
        self.opening_godown = QComboBox()
        self.opening_godown.setObjectName("itemOpeningGodown")
        self.problems = problems_label("itemProblems")
        self.buttons, self.save_button = save_cancel_buttons(self, self.save)

    def _lay_out(self, existing: ItemView | None) -> None:
        main = QFormLayout()
        main.addRow("&Name", self.name)
        main.addRow("S&KU", self.sku)
        main.addRow("Bar&codes", self.barcodes)
        main.addRow("", self.barcode_note)
        main.addRow("&HSN/SAC", self.hsn)
        main.addRow("", self.hsn_note)
        main.addRow("&GST rate", self.gst_rate)
        main.addRow("&Unit (UQC)", self.unit)
        main.addRow("Other &units", self.conversions)
        main.addRow("Stock gr&oup", self.group)
        prices = QFormLayout()
        prices.addRow("&MRP", self.mrp)
        prices.addRow("&Sale price", self.sale_price)
        prices.addRow("&Purchase price", self.purchase_price)
        prices.addRow("Price &lists", self.price_lists)
        prices.addRow("&Reorder level", self.reorder_level)
        prices.addRow("Reorder &quantity", self.reorder_qty)
        prices.addRow("Lead &time (days)", self.lead_time)
        prices.addRow("", self.batch_tracked)
        prices.addRow("", self.serial_tracked)
        prices.addRow("", self.active)
        grid = QGridLayout()
        grid.addLayout(main, 0, 0)
        grid.addLayout(prices, 0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        if existing is None:
            opening = QGroupBox("Opening stock (when the books begin)")
            row = QHBoxLayout(opening)
            for caption, widget in (
                ("Quantity", self.opening_qty),
                ("Value ₹", self.opening_value),
                ("Godown", self.opening_godown),
            ):
                row.addWidget(QLabel(caption))
                row.addWidget(widget)
            layout.addWidget(opening)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)

    def _load_godowns(self) -> None:
        with self.company.reader() as conn:  # a handful of rows: no need for the pool
            godowns = [g for g in queries.godown_list(conn) if g.active]
        for godown in godowns:
            self.opening_godown.addItem(godown.name, int(godown.id))

    def check_fields(self) -> None:
        ok, text = barcode_verdict(self.barcodes.text())
        self.barcode_note.setText(text)
        self.barcode_note.setStyleSheet(GOOD if ok else BAD)
        problem = hsn_problem(self.hsn.text().strip())
        self.hsn_note.setText(problem or ("" if not self.hsn.text() else "Looks right"))
        self.hsn_note.setStyleSheet(BAD if problem else GOOD)

    # -- saving --------------------------------------------------------------------------------
    def draft(self) -> ItemDraft:
        """The item as typed; raises ValidationError for text that is not a number."""

        def amount(field: QLineEdit, what: str) -> Decimal | None:
            return parse_number(field.text(), what)  # more than paise: item_problems says so

        def qty(field: QLineEdit, what: str) -> Decimal:
            value = parse_number(field.text(), what)
            return Decimal("0.000") if value is None else value

        mrp = parse_number(self.mrp.text(), "MRP")
        unit = self.unit.currentText().strip().upper()
        return ItemDraft(
            name=self.name.text(),
            unit=unit,
            sku=self.sku.text().strip() or None,
            barcodes=tuple(self.barcodes.text().replace(",", " ").split()),
            hsn=self.hsn.text().strip(),
            gst_rate=Decimal(self.gst_rate.currentData()),
            mrp=mrp,
            sale_price=amount(self.sale_price, "sale price") or Decimal("0.00"),
            purchase_price=amount(self.purchase_price, "purchase price") or Decimal("0.00"),
            prices=tuple(parse_pairs(self.price_lists.text(), "price list")),
            conversions=tuple(
                UnitConversion(uqc.upper(), factor)
                for uqc, factor in parse_pairs(self.conversions.text(), "unit")
            ),
            group=self.group.text(),
            reorder_level=qty(self.reorder_level, "reorder level"),
            reorder_qty=qty(self.reorder_qty, "reorder quantity"),
            lead_time_days=self.lead_time.value(),
            batch_tracked=self.batch_tracked.isChecked(),
            serial_tracked=self.serial_tracked.isChecked(),
            scale_plu=self.existing.item.scale_plu if self.existing else None,
            active=self.active.isChecked(),
        )

    def opening(self, draft: ItemDraft) -> tuple[Decimal, Decimal] | None:
        """(quantity, value) of the opening stock, or None when there is none."""
        if self.existing is not None:
            return None
        qty = parse_number(self.opening_qty.text(), "opening quantity")
        if not qty:
            return None
        if qty < 0:
            raise ValidationError("The opening quantity cannot be negative.")
        if draft.batch_tracked or draft.serial_tracked:
            raise ValidationError(
                "Enter the opening stock of a batch or serial tracked item from the Stock tab, "
                "with its batch or serial numbers."
            )
        if self.opening_godown.currentIndex() < 0:
            raise ValidationError("Add a godown first: opening stock is held in one.")
        value = parse_number(self.opening_value.text(), "opening value")
        return qty, round_paise(qty * draft.purchase_price) if value is None else value

    def save(self) -> None:
        try:
            draft = self.draft()
            found = item_problems(draft)
            if not found:
                check_rate_in_force(draft, self.today)
            opening = self.opening(draft) if not found else None
        except AppError as error:
            self.problems.setText(str(error))
            return
        if found:
            self.problems.setText("\n".join(found))
            return
        self.problems.clear()
        self.save_button.setEnabled(False)
        company, existing = self.company, self.existing
        godown = GodownId(self.opening_godown.currentData() or 0)

        def write(_ctx: JobContext) -> int:
            if existing is not None:
                update_item(company, existing.item.id, draft)
                return int(existing.item.id)
            with company.unit_of_work() as uow:  # the item and its opening stock, or neither
                item_id = add_items_in(uow, [draft])[0]
                if opening is not None:
                    line = StockLine(ItemId(item_id), opening[0], value=opening[1])
                    opening_stock_in(uow, godown, [line], company.profile.books_begin)
                uow.commit()
            return int(item_id)

        self.runner.write("Save the item", write, on_done=self._saved, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self, error, self.problems.setText)

    def _saved(self, item_id: int) -> None:
        self.accept()
        self.saved.emit(item_id)
