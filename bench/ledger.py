"""Ledger benchmark: bulk posting, trial balance and the ``bahi`` CLI on a big company.

Builds a company with N postings (default 1,000,000: about 300,000 vouchers over 200
accounts, one financial year) through the real services, then prints each figure as a
human line on stderr and one JSON line on stdout (DESIGN.md §9):

    post_vouchers_per_s            bulk posting through post_vouchers (audit chain included)
    trial_balance_ms               balances as of mid-year, in this process
    raw_group_by_ms                SELECT account_id, SUM(amount) FROM postings ... GROUP BY
    trial_balance_ratio            trial_balance_ms / raw_group_by_ms
    cli_trial_balance_password_s   a whole `bahi report trial-balance --json` with BAHI_PASSWORD
    cli_trial_balance_remembered_s the same with the key remembered in the OS keyring
    cli_peak_rss_mb                peak RSS of those CLI processes

Usage:
    python bench/ledger.py                 # full size (a few minutes to build)
    python bench/ledger.py --quick         # 50,000 postings, under a minute
    python bench/ledger.py --size 200000 --keep /tmp/bahi-bench   # build once, reuse later

Without a D-Bus session the script re-runs itself under ``dbus-run-session`` with an unlocked
``gnome-keyring-daemon`` whose keyring lives in a temporary XDG_DATA_HOME, so the remembered
key never lands in a real keyring. With a session (a desktop) the real keyring is used.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import os
import pstats
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import figures
from figures import say
from sqlalchemy import func, select

from app.ledger import queries
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.ledger.service import add_account, create_books, post_vouchers, resolve_accounts
from app.ledger.tables import postings, vouchers
from app.storage.company import Company, CompanyProfile, is_company_folder, open_company

BENCH = "ledger"
emit = partial(figures.emit, BENCH)
PASSWORD = "bench-ledger-password-1"  # a throwaway company
USERNAME = "owner"
FULL_SIZE = 1_000_000
QUICK_SIZE = 50_000
BOOKS_BEGIN = date(2025, 4, 1)
YEAR_DAYS = 365  # 1 Apr 2025 .. 31 Mar 2026
AS_OF = date(2025, 9, 30)  # the middle of the year
META_FILE = "bench-ledger.json"  # beside the company files when --keep is used
RAW_GROUP_BY = (
    "SELECT account_id, SUM(amount) FROM postings WHERE posting_date <= ? GROUP BY account_id"
)
_IN_DBUS = "BAHI_BENCH_KEYRING_SESSION"

# Extra accounts (with the 38 of the default chart: 200).
EXTRA_ACCOUNTS = (
    ("Customer {:03d}", "Sundry Debtors", 60),
    ("Supplier {:03d}", "Sundry Creditors", 40),
    ("Expense Head {:02d}", "Indirect Expenses", 30),
    ("Bank {:d} Current A/c", "Bank Accounts", 8),
    ("Other Income {:d}", "Indirect Incomes", 8),
    ("Sales Line {:d}", "Sales Accounts", 8),
    ("Purchase Line {:d}", "Purchase Accounts", 8),
)


# -- output ------------------------------------------------------------------------------


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    result = fn()  # warm-up: page cache, SQLCipher page cache, compiled statements
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


# -- building the company ----------------------------------------------------------------


def _amount(paise: int) -> Decimal:
    return Decimal(f"{paise // 100}.{paise % 100:02d}")


@dataclass
class Chart:
    cash: AccountId
    banks: list[AccountId]
    debtors: list[AccountId]
    creditors: list[AccountId]
    expenses: list[AccountId]
    incomes: list[AccountId]
    sales: list[AccountId]
    purchases: list[AccountId]
    output_cgst: AccountId
    output_sgst: AccountId
    output_igst: AccountId
    input_cgst: AccountId
    input_sgst: AccountId
    input_igst: AccountId
    bank_charges: AccountId
    discount_allowed: AccountId
    everything: list[AccountId]


def add_accounts(company: Company) -> Chart:
    names: dict[str, list[str]] = {}
    for pattern, group_name, count in EXTRA_ACCOUNTS:
        for i in range(1, count + 1):
            name = pattern.format(i)
            add_account(company, name, group_name)
            names.setdefault(group_name, []).append(name)
    fixed = [
        "Cash",
        "Sales",
        "Purchases",
        "Output CGST",
        "Output SGST",
        "Output IGST",
        "Input CGST",
        "Input SGST",
        "Input IGST",
        "Bank Charges",
        "Discount Allowed",
        "Rent",
        "Salaries",
        "Electricity",
        "Interest Received",
    ]
    ids = resolve_accounts(company, fixed + [n for listed in names.values() for n in listed])

    def group(name: str) -> list[AccountId]:
        return [ids[n] for n in names[name]]

    with company.reader() as conn:
        everything = list(queries.account_ids_by_name(conn).values())
    return Chart(
        cash=ids["Cash"],
        banks=group("Bank Accounts"),
        debtors=group("Sundry Debtors"),
        creditors=group("Sundry Creditors"),
        expenses=[*group("Indirect Expenses"), ids["Rent"], ids["Salaries"], ids["Electricity"]],
        incomes=[*group("Indirect Incomes"), ids["Interest Received"]],
        sales=[ids["Sales"], *group("Sales Accounts")],
        purchases=[ids["Purchases"], *group("Purchase Accounts")],
        output_cgst=ids["Output CGST"],
        output_sgst=ids["Output SGST"],
        output_igst=ids["Output IGST"],
        input_cgst=ids["Input CGST"],
        input_sgst=ids["Input SGST"],
        input_igst=ids["Input IGST"],
        bank_charges=ids["Bank Charges"],
        discount_allowed=ids["Discount Allowed"],
        everything=everything,
    )


class VoucherMaker:
    """Seeded vouchers of mixed types, 2-5 lines, amounts with two decimal places."""

    def __init__(self, chart: Chart, seed: int) -> None:
        self.c = chart
        self.rng = random.Random(seed)
        self.kinds: list[tuple[Callable[[date], Voucher], int]] = [
            (self.sales, 35),
            (self.purchase, 20),
            (self.payment, 20),
            (self.receipt, 15),
            (self.journal_any, 10),
        ]

    def money(self) -> AccountId:
        return self.c.cash if self.rng.random() < 0.2 else self.rng.choice(self.c.banks)

    def base(self) -> int:
        return self.rng.randint(100, 20_000_000)  # 1.00 .. 2,00,000.00 in paise

    def sales(self, day: date) -> Voucher:
        r, c = self.rng, self.c
        base = self.base()
        rate = r.choice((5, 12, 18, 28))
        party = r.choice(c.debtors) if r.random() < 0.8 else self.money()
        lines = [Line.credit(r.choice(c.sales), _amount(base))]
        if r.random() < 0.75:  # intra-state: CGST + SGST
            half = (base * rate + 100) // 200
            lines += [
                Line.credit(c.output_cgst, _amount(half)),
                Line.credit(c.output_sgst, _amount(half)),
            ]
            total = base + 2 * half
        else:
            igst = (base * rate + 50) // 100
            lines.append(Line.credit(c.output_igst, _amount(igst)))
            total = base + igst
        return Voucher(VoucherType.SALES, day, (Line.debit(party, _amount(total)), *lines), "Sales")

    def purchase(self, day: date) -> Voucher:
        r, c = self.rng, self.c
        base = self.base()
        rate = r.choice((5, 12, 18, 28))
        lines = [Line.debit(r.choice(c.purchases), _amount(base))]
        if r.random() < 0.75:
            half = (base * rate + 100) // 200
            lines += [
                Line.debit(c.input_cgst, _amount(half)),
                Line.debit(c.input_sgst, _amount(half)),
            ]
            total = base + 2 * half
        else:
            igst = (base * rate + 50) // 100
            lines.append(Line.debit(c.input_igst, _amount(igst)))
            total = base + igst
        party = r.choice(c.creditors) if r.random() < 0.85 else self.money()
        return Voucher(
            VoucherType.PURCHASE, day, (*lines, Line.credit(party, _amount(total))), "Purchase"
        )

    def payment(self, day: date) -> Voucher:
        r, c = self.rng, self.c
        paid = self.base()
        to = r.choice(c.creditors) if r.random() < 0.5 else r.choice(c.expenses)
        lines = [Line.debit(to, _amount(paid))]
        if r.random() < 0.5:
            charge = r.randint(100, 5000)
            lines.append(Line.debit(c.bank_charges, _amount(charge)))
            paid += charge
        lines.append(Line.credit(self.money(), _amount(paid)))
        return Voucher(VoucherType.PAYMENT, day, tuple(lines), "Payment")

    def receipt(self, day: date) -> Voucher:
        r, c = self.rng, self.c
        got = self.base()
        lines = [Line.debit(self.money(), _amount(got))]
        if r.random() < 0.5:
            discount = r.randint(100, 50_000)
            lines.append(Line.debit(c.discount_allowed, _amount(discount)))
            got += discount
        lines.append(Line.credit(r.choice(c.debtors), _amount(got)))
        return Voucher(VoucherType.RECEIPT, day, tuple(lines), "Receipt")

    def journal_any(self, day: date) -> Voucher:
        return self.journal(day, self.rng.randint(2, 5))

    def journal(self, day: date, count: int) -> Voucher:
        r = self.rng
        chosen = r.sample(self.c.everything, count)
        debits = r.randint(1, count - 1)
        amounts = [self.base() for _ in range(debits)]
        total = sum(amounts)
        credits = count - debits
        cuts = sorted(r.sample(range(1, total), credits - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        lines = [Line.debit(a, _amount(p)) for a, p in zip(chosen, amounts, strict=False)]
        lines += [Line.credit(a, _amount(p)) for a, p in zip(chosen[debits:], parts, strict=True)]
        return Voucher(VoucherType.JOURNAL, day, tuple(lines), "Journal")

    def batches(self, postings_wanted: int, batch_size: int) -> Iterator[list[Voucher]]:
        """Vouchers in roughly date order with exactly ``postings_wanted`` lines in all."""
        makers = [k for k, _ in self.kinds]
        weights = [w for _, w in self.kinds]
        done = 0
        batch: list[Voucher] = []
        while done < postings_wanted:
            spread = done * YEAR_DAYS // postings_wanted
            offset = min(YEAR_DAYS - 1, spread + self.rng.randint(0, 2))
            day = BOOKS_BEGIN + timedelta(days=offset)
            remaining = postings_wanted - done
            if remaining <= 5:
                voucher = self.journal(day, remaining)
            else:
                voucher = self.rng.choices(makers, weights)[0](day)
                if remaining - len(voucher.lines) == 1:
                    voucher = self.journal(day, 2)
            done += len(voucher.lines)
            batch.append(voucher)
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


@dataclass
class Build:
    vouchers: int
    postings: int
    batch_rates: list[float]
    post_seconds: float
    make_seconds: float
    total_seconds: float


def build(folder: Path, size: int, batch_size: int, seed: int, profile: bool) -> Build:
    start = time.perf_counter()
    company, _ = create_books(
        folder,
        CompanyProfile(name="Bench Traders", state_code="27", books_begin=BOOKS_BEGIN),
        PASSWORD,
    )
    try:
        chart = add_accounts(company)
        say(
            f"created the company and {len(chart.everything)} accounts in "
            f"{time.perf_counter() - start:.1f} s; posting {size:,} lines ..."
        )
        maker = VoucherMaker(chart, seed)
        rates: list[float] = []
        post_seconds = make_seconds = 0.0
        count = lines = 0
        profiler = cProfile.Profile() if profile else None
        batches = maker.batches(size, batch_size)
        while True:
            t0 = time.perf_counter()
            batch = next(batches, None)
            t1 = time.perf_counter()
            make_seconds += t1 - t0
            if batch is None:
                break
            if profiler is not None:
                profiler.enable()
            post_vouchers(company, batch)
            if profiler is not None:
                profiler.disable()
            took = time.perf_counter() - t1
            post_seconds += took
            rates.append(len(batch) / took)
            count += len(batch)
            lines += sum(len(v.lines) for v in batch)
            if len(rates) % 10 == 0:
                say(
                    f"  {count:,} vouchers, {lines:,} postings, {post_seconds:.0f} s posting, "
                    f"last batch {rates[-1]:,.0f} vouchers/s"
                )
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            say(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            say(out.getvalue())
    finally:
        company.close()
    return Build(count, lines, rates, post_seconds, make_seconds, time.perf_counter() - start)


# -- in-process reads --------------------------------------------------------------------


def trial_balance_reader(company: Company) -> tuple[str, Callable[[], object]]:
    """The report if app.reports.trial_balance exists (and works), else ledger balances."""
    if importlib.util.find_spec("app.reports.trial_balance") is not None:
        try:
            from app.reports.trial_balance import trial_balance  # type: ignore[import-not-found]

            def report() -> object:
                return trial_balance(company, AS_OF)

            report()
            return "app.reports.trial_balance.trial_balance", report
        except Exception as exc:  # fall back, and say why
            say(
                f"app.reports.trial_balance failed ({type(exc).__name__}: {exc}); "
                "using app.ledger.queries.balances"
            )

    def ledger_balances() -> object:
        with company.reader() as conn:
            return queries.balances(conn, AS_OF)

    return "app.ledger.queries.balances", ledger_balances


def measure_reads(company: Company, n: int, runs: int) -> None:
    via, read = trial_balance_reader(company)
    tb_ms, result = median_ms(read, runs)
    rows = getattr(result, "rows", result)
    size = len(rows) if hasattr(rows, "__len__") else None
    emit(
        "trial_balance_ms",
        tb_ms,
        "ms",
        60,
        "lower",
        n,
        runs,
        f"trial balance as of {AS_OF}",
        via=via,
        as_of=AS_OF.isoformat(),
        rows=size,
    )

    def raw() -> object:
        with company.reader() as conn:
            return conn.exec_driver_sql(RAW_GROUP_BY, (AS_OF.isoformat(),)).all()

    raw_ms, raw_rows = median_ms(raw, runs)
    emit(
        "raw_group_by_ms",
        raw_ms,
        "ms",
        None,
        "lower",
        n,
        runs,
        "raw GROUP BY over postings",
        rows=len(raw_rows),  # type: ignore[arg-type]
    )
    emit(
        "trial_balance_ratio",
        tb_ms / raw_ms,
        "x",
        2,
        "lower",
        n,
        runs,
        "trial balance / raw GROUP BY",
        via=via,
    )


# -- the CLI -----------------------------------------------------------------------------


def cli_command() -> tuple[list[str] | None, str]:
    if importlib.util.find_spec("app.cli.main") is None:
        return None, "app.cli.main does not exist yet"
    script = Path(sys.executable).parent / "bahi"
    if script.exists():
        return [str(script)], str(script)
    return [sys.executable, "-m", "app.cli.main"], "python -m app.cli.main"


@dataclass
class Run:
    rc: int
    seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str


# The CLI is started by this small launcher, not forked from the bench: a child's ru_maxrss
# starts from its parent's RSS at fork (Linux keeps the high-water mark across exec), and
# the bench process holds a few hundred MB after building the company.
_LAUNCHER = """
import json, os, signal, subprocess, sys, time
report, limit, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
start = time.perf_counter()
proc = subprocess.Popen(argv)
signal.signal(signal.SIGALRM, lambda *_: proc.kill())
signal.alarm(limit)
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as fh:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "seconds": seconds,
               "max_rss_kb": usage.ru_maxrss}, fh)
"""


def run_process(argv: list[str], env: dict[str, str], timeout: int = 300) -> Run:
    """Run to the end: wall time and peak RSS of the command itself, measured by a launcher."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = Path(scratch) / "run.json"
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(report), str(timeout)]
        subprocess.run(
            [*launcher, *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            check=False,
        )
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        if not report.exists():
            return Run(-1, float(timeout), 0, stdout, f"the launcher failed: {stderr}")
        measured = json.loads(report.read_text())
        return Run(measured["rc"], measured["seconds"], measured["max_rss_kb"], stdout, stderr)


def _tail(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else "..." + text[-limit:]


def time_cli(
    base: list[str], folder: Path, env: dict[str, str], runs: int
) -> tuple[float | None, int, str, list[int]]:
    """Median wall seconds of `report trial-balance --json`; (None, 0, why, []) on failure."""
    argv = [*base, "report", "trial-balance", "--company", str(folder), "--json"]
    first = run_process([*argv, "--as-of", AS_OF.isoformat()], env)
    if first.rc == 2 and "as-of" in first.stderr:  # no --as-of option: take its default
        first = run_process(argv, env)
    else:
        argv = [*argv, "--as-of", AS_OF.isoformat()]
    if first.rc != 0:
        return None, 0, f"{shlex.join(argv)} exited {first.rc}: {_tail(first.stderr)}", []
    try:
        json.loads(first.stdout)
    except ValueError:
        return None, 0, f"--json output is not JSON: {_tail(first.stdout)}", []
    results = [run_process(argv, env) for _ in range(runs)]
    failed = [r for r in results if r.rc != 0]
    if failed:
        return None, 0, f"exited {failed[0].rc}: {_tail(failed[0].stderr)}", []
    rss = [r.max_rss_kb for r in results]  # not the first: it may have compiled bytecode
    return statistics.median(r.seconds for r in results), runs, "", rss


def measure_cli(folder: Path, n: int, runs: int) -> None:
    base, how = cli_command()
    if base is None:
        for figure, goal, human in (
            ("cli_trial_balance_password_s", 1.5, "CLI trial balance, password"),
            ("cli_trial_balance_remembered_s", 0.5, "CLI trial balance, remembered key"),
        ):
            emit(figure, None, "s", goal, "lower", n, 0, human, note=how)
        emit("cli_peak_rss_mb", None, "MB", 200, "lower", n, 0, "CLI peak RSS", note=how)
        return

    # Like an installed app, the CLI should find compiled bytecode: with PYTHONDONTWRITEBYTECODE
    # set (as in some dev shells) every run would compile app/ again. A private cache folder
    # keeps the tree clean; the untimed first run fills it.
    pycache = tempfile.mkdtemp(prefix="bahi-bench-pycache-")
    try:
        _measure_cli(base, how, folder, n, runs, pycache)
    finally:
        shutil.rmtree(pycache, ignore_errors=True)


def _measure_cli(base: list[str], how: str, folder: Path, n: int, runs: int, pycache: str) -> None:
    rss: list[int] = []
    drop = {"BAHI_PASSWORD", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["BAHI_USER"] = USERNAME
    env["PYTHONPYCACHEPREFIX"] = pycache
    with_password = {**env, "BAHI_PASSWORD": PASSWORD}
    seconds, done, note, used = time_cli(base, folder, with_password, runs)
    rss += used
    peaks: dict[str, float] = {}
    if used:
        peaks["password_mb"] = round(max(used) / 1024, 1)
    emit(
        "cli_trial_balance_password_s",
        seconds,
        "s",
        1.5,
        "lower",
        n,
        done,
        "CLI trial balance, password",
        via=how,
        **({"note": note} if note else {}),
    )

    seconds, done, note = None, 0, keyring_problem()
    if not note:
        remember = run_process(
            [*base, "company", "remember", "--company", str(folder)], with_password
        )
        if remember.rc != 0:
            note = f"`bahi company remember` exited {remember.rc}: {_tail(remember.stderr)}"
        else:
            seconds, done, note, used = time_cli(base, folder, env, runs)
            rss += used
            if used:
                peaks["remembered_mb"] = round(max(used) / 1024, 1)
            forget = run_process([*base, "company", "forget", "--company", str(folder)], env)
            if forget.rc != 0:
                say(f"(could not forget the remembered key: {_tail(forget.stderr, 120)})")
    emit(
        "cli_trial_balance_remembered_s",
        seconds,
        "s",
        0.5,
        "lower",
        n,
        done,
        "CLI trial balance, remembered key",
        via=how,
        **({"note": note} if note else {}),
    )

    if rss:
        emit(
            "cli_peak_rss_mb",
            max(rss) / 1024,
            "MB",
            200,
            "lower",
            n,
            len(rss),
            "CLI peak RSS (max over trial-balance runs)",
            via=how,
            **peaks,
        )
    else:
        emit(
            "cli_peak_rss_mb",
            None,
            "MB",
            200,
            "lower",
            n,
            0,
            "CLI peak RSS",
            note="no CLI run succeeded",
        )


def keyring_problem() -> str:
    """Empty when a real keyring backend answers, else why not."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return "no OS secret service (keyring has only its fail backend)"
        keyring.set_password("bahi-bench", "probe", "1")
        keyring.delete_password("bahi-bench", "probe")
    except Exception as exc:  # any failure: no keyring figure
        return f"keyring does not work here: {type(exc).__name__}: {exc}"
    return ""


def enter_keyring_session() -> None:
    """Re-run this script inside a private D-Bus session with gnome-keyring unlocked."""
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.environ.get(_IN_DBUS):
        return
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        return
    script = (
        'export XDG_DATA_HOME="$(mktemp -d)"; '
        "echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
        '"$@"; rc=$?; rm -rf "$XDG_DATA_HOME"; exit $rc'
    )
    argv = ["dbus-run-session", "--", "bash", "-c", script, "bash", sys.executable, *sys.argv]
    os.environ[_IN_DBUS] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(argv[0], argv)


# -- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help=f"postings (default {FULL_SIZE:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} postings")
    parser.add_argument("--keep", type=Path, help="build the company here, or reuse it")
    parser.add_argument("--batch", type=int, default=5000, help="vouchers per post_vouchers")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each read")
    parser.add_argument("--cli-runs", type=int, default=5, help="timed runs of each CLI figure")
    parser.add_argument("--seed", type=int, default=20250401)
    parser.add_argument("--profile", action="store_true", help="cProfile the posting")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI figures")
    args = parser.parse_args(argv)
    size = args.size or (QUICK_SIZE if args.quick else FULL_SIZE)

    if not args.no_cli:
        enter_keyring_session()

    temp: Path | None = None
    if args.keep is not None and is_company_folder(args.keep):
        folder = args.keep
        meta = json.loads((folder / META_FILE).read_text()) if (folder / META_FILE).exists() else {}
        say(f"reusing the company in {folder} (built: {meta or 'unknown'})")
        built = None
    else:
        if args.keep is not None:
            folder = args.keep
        else:
            temp = Path(tempfile.mkdtemp(prefix="bahi-bench-ledger-"))
            folder = temp / "company"
        built = build(folder, size, args.batch, args.seed, args.profile)
        say(
            f"built {built.vouchers:,} vouchers / {built.postings:,} postings in "
            f"{built.total_seconds:.1f} s (generating vouchers {built.make_seconds:.1f} s, "
            f"post_vouchers {built.post_seconds:.1f} s)"
        )
        if args.keep is not None:
            (folder / META_FILE).write_text(
                json.dumps(
                    {
                        "postings": built.postings,
                        "vouchers": built.vouchers,
                        "build_s": round(built.total_seconds, 1),
                        "post_vouchers_per_s": round(built.vouchers / built.post_seconds, 1),
                    }
                )
            )

    try:
        company = open_company(folder, USERNAME, PASSWORD)
        try:
            with company.reader() as conn:
                n = int(conn.execute(select(func.count()).select_from(postings)).scalar() or 0)
                voucher_count = int(
                    conn.execute(select(func.count()).select_from(vouchers)).scalar() or 0
                )
            if built is None:
                emit(
                    "post_vouchers_per_s",
                    None,
                    "vouchers/s",
                    5000,
                    "higher",
                    n,
                    0,
                    "bulk posting",
                    note="company reused from --keep; build a new one to measure posting",
                )
            else:
                emit(
                    "post_vouchers_per_s",
                    statistics.median(built.batch_rates),
                    "vouchers/s",
                    5000,
                    "higher",
                    n,
                    len(built.batch_rates),
                    f"bulk posting, {args.batch:,} vouchers per call (median of batches)",
                    vouchers=built.vouchers,
                    overall_per_s=round(built.vouchers / built.post_seconds, 1),
                    build_s=round(built.total_seconds, 1),
                )
            say(f"company: {voucher_count:,} vouchers, {n:,} postings")
            measure_reads(company, n, args.runs)
        finally:
            company.close()
        if args.no_cli:
            return 0
        measure_cli(folder, n, args.cli_runs)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
