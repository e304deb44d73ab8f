"""Parties: customers and suppliers, found by name, phone or GSTIN; what each owes and for
how long; receive or pay money against their bills.

Keys: type to search · Ctrl+N new party · Enter (or F2) change the party · Ctrl+R receive
or pay money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Connection

from app.billing import queries
from app.billing.queries import OpenDocument, PartyView
from app.money import ZERO, format_inr
from app.storage.company import Company
from app.ui.batched import ModelIndex
from app.ui.ops import JobContext, Runner
from app.ui.pages.party_form import PartyForm
from app.ui.pages.party_money import SettlementDialog
from app.ui.row_table import RowsTableModel

LIST_LIMIT = 100_000
BUCKETS = ("Not due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")


class PartiesTableModel(RowsTableModel[PartyView]):
    headers = ("Name", "Kind", "Phone", "GSTIN", "State")

    def data(self, index: ModelIndex, role: int = 0) -> object:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        party = self.rows[index.row()]
        return (
            party.name + ("" if party.active else " (inactive)"),
            party.kind.value,
            party.phone,
            party.gstin or "",
            party.state_code,
        )[index.column()]


@dataclass(frozen=True)
class PartyPosition:
    party: PartyView
    open_docs: list[OpenDocument]
    buckets: tuple[Decimal, ...]


def position(conn: Connection, party: PartyView, as_of: date) -> PartyPosition:
    """What the party owes by bill, and by how late (as the dashboard's ageing counts)."""
    docs = queries.open_documents(conn, party.id)
    buckets = [ZERO] * len(BUCKETS)
    for doc in docs:
        late = (as_of - doc.due_date).days
        index = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
        buckets[index] += doc.outstanding
    return PartyPosition(party, docs, tuple(buckets))


class PartiesPage(QWidget):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partiesPage")
        self.company = company
        self.runner = runner
        self.current: PartyPosition | None = None
        self.search = QLineEdit()
        self.search.setObjectName("partySearch")
        self.search.setPlaceholderText("Search by name, phone or GSTIN")
        self.new_button = QPushButton("&New party (Ctrl+N)")
        self.new_button.clicked.connect(self.new_party)
        self.edit_button = QPushButton("&Change (Enter)")
        self.edit_button.clicked.connect(self.edit_party)
        self.money_button = QPushButton("&Receive / pay (Ctrl+R)")
        self.money_button.clicked.connect(self.receive_or_pay)
        self.model = PartiesTableModel()
        self.table = QTableView()
        self.table.setObjectName("partyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.edit_party())
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.load_position(current.row())
        )
        self.heading = QLabel()
        self.heading.setObjectName("partyHeading")
        self.ageing = QLabel()
        self.ageing.setObjectName("partyAgeing")
        self.open_table = QTableWidget(0, 5)
        self.open_table.setObjectName("openDocuments")
        self.open_table.setHorizontalHeaderLabels(["Bill", "Date", "Due", "Total", "Outstanding"])
        self.open_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._lay_out()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.table.setFocus)
        for key, run in (
            ("Ctrl+N", self.new_party),
            ("Ctrl+R", self.receive_or_pay),
            ("F2", self.edit_party),
        ):
            shortcut = QShortcut(QKeySequence(key), self, run)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.search.setFocus)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.money_button)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.ageing)
        right.addWidget(QLabel("Outstanding bills"))
        right.addWidget(self.open_table, 1)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    # -- the list ------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        company, term = self.company, self.search.text()

        def read(_ctx: JobContext) -> list[PartyView]:
            with company.reader() as conn:
                return queries.find_parties(conn, term, limit=LIST_LIMIT)

        self.runner.read("Parties", read, on_done=lambda rows: self._listed(rows, select))

    def _listed(self, rows: list[PartyView], select: int | None) -> None:
        self.model.set_rows(rows)
        if not rows:
            self.current = None
            self.heading.setText(
                "No party matches." if self.search.text() else "No parties yet: Ctrl+N adds one."
            )
            self.ageing.clear()
            self.open_table.setRowCount(0)
            return
        row = next((n for n, p in enumerate(rows) if p.id == select), 0)
        while row >= self.model.shown and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        self.table.selectRow(row)
        self.load_position(row)

    def selected(self) -> PartyView | None:
        row = self.table.currentIndex().row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    # -- one party -----------------------------------------------------------------------------
    def load_position(self, row: int) -> None:
        if not 0 <= row < len(self.model.rows):
            return
        company, party = self.company, self.model.rows[row]

        def read(_ctx: JobContext) -> PartyPosition:
            with company.reader() as conn:
                return position(conn, party, date.today())

        self.runner.read("Party position", read, on_done=self._show_position)

    def _show_position(self, found: PartyPosition) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.id != found.party.id:
            return  # the user moved on to another party
        self.current = found
        party = found.party
        total = sum(found.buckets, ZERO)
        self.heading.setText(
            f"<b>{party.name}</b> · {party.gstin or 'unregistered'} · outstanding "
            f"{format_inr(total, symbol=True)}"
        )
        self.ageing.setText(
            "  ".join(
                f"{label}: {format_inr(v)}" for label, v in zip(BUCKETS, found.buckets, strict=True)
            )
        )
        self.open_table.setRowCount(len(found.open_docs))
        for row, doc in enumerate(found.open_docs):
            cells = (
                doc.number,
                f"{doc.doc_date:%d-%m-%Y}",
                f"{doc.due_date:%d-%m-%Y}",
                format_inr(doc.grand_total),
                format_inr(doc.outstanding),
            )
            for column, text in enumerate(cells):
                self.open_table.setItem(row, column, QTableWidgetItem(text))

    # -- actions -------------------------------------------------------------------------------
    def new_party(self) -> None:
        form = PartyForm(self.company, self.runner, self)
        form.saved.connect(lambda party_id: self.refresh(select=party_id))
        form.open()
        self.form = form

    def edit_party(self) -> None:
        party = self.selected()
        if party is None:
            return
        form = PartyForm(self.company, self.runner, self, existing=party)
        form.saved.connect(lambda party_id: self.refresh(select=party_id))
        form.open()
        self.form = form

    def receive_or_pay(self) -> None:
        if self.current is None:
            return
        current = self.current
        dialog = SettlementDialog(self.company, self.runner, current.party, current.open_docs, self)
        dialog.recorded.connect(lambda _id: self.refresh(select=current.party.id))
        dialog.open()
        self.money_dialog = dialog
