"""Rates as dated data (gst.md §2.3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from app.gst.rates import (
    GST_START,
    NoRateSchedule,
    allowed_rates,
    rate_problem,
    rate_schedule,
    rate_schedules,
)
from tests.gst.reference_data import load_cases

GST2_START = date(2025, 9, 22)
LAST_GST1_DAY = GST2_START - timedelta(days=1)


def _set(*values: str) -> set[Decimal]:
    return {Decimal(value) for value in values}


def test_schedules_are_contiguous_and_start_with_gst() -> None:
    schedules = rate_schedules()
    assert schedules[0].effective_from == GST_START
    for earlier, later in pairwise(schedules):
        assert earlier.effective_to is not None
        assert later.effective_from == earlier.effective_to + timedelta(days=1)
    assert schedules[-1].effective_to is None


def test_gst_2_0_switch_day() -> None:
    old, new = rate_schedule(LAST_GST1_DAY), rate_schedule(GST2_START)
    assert old.name == "GST 1.0" and new.name == "GST 2.0"
    assert Decimal(12) in old.rates and Decimal(12) not in new.rates
    assert Decimal(40) in new.rates and Decimal(40) not in old.rates
    assert old.general_cess and not new.general_cess
    assert set(new.main_slabs) == _set("0", "5", "18", "40")


def test_gstn_hsn_rates_are_allowed_before_gst_2_0() -> None:
    # GSTR-1 v4.1 HSN-summary rt list (gst.md §2.3).
    gstn = _set("0", "0.1", "0.25", "1", "1.5", "3", "5", "7.5", "12", "18", "28")
    assert gstn <= set(allowed_rates(LAST_GST1_DAY))


def test_union_covers_the_minimum_set() -> None:
    everything = {rate for schedule in rate_schedules() for rate in schedule.rates}
    minimum = _set("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
    assert minimum <= everything


def test_before_gst_there_are_no_rates() -> None:
    with pytest.raises(NoRateSchedule, match="2017-07-01"):
        rate_schedule(GST_START - timedelta(days=1))


def test_rate_problem() -> None:
    assert rate_problem(Decimal("18"), GST2_START) is None
    assert rate_problem(Decimal("18.00"), GST2_START) is None
    problem = rate_problem(Decimal("12"), GST2_START)
    assert problem is not None and "GST 2.0" in problem
    assert rate_problem(Decimal("13"), LAST_GST1_DAY) is not None


def test_case_rates_exist_in_their_era() -> None:
    # Cases name their era ("pre_gst2", "gst2_"); unlabelled ones fit at least one schedule.
    for case in load_cases():
        name = case["name"]
        if "pre_gst2" in name:
            eras = [rate_schedule(LAST_GST1_DAY)]
        elif name.startswith("gst2_"):
            eras = [rate_schedule(GST2_START)]
        else:
            eras = list(rate_schedules())
        for line in case["lines"]:
            assert any(line["gst_rate"] in era.rates for era in eras), name
