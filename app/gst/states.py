"""The State/UT master used for GSTINs and place of supply (gst.md §1.4).

Data lives in ``resources/gst/states.json``. UTs without a legislature levy UTGST instead of
SGST on intra-state supplies (UTGST Act s.2(i), s.7); the ``utgst`` flag marks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.errors import ValidationError
from app.gst.data_files import load_json

OTHER_COUNTRIES = "96"  # place of supply for exports; never the first two digits of a GSTIN


class UnknownState(ValidationError):
    """A state code or name that is not in the GST state master."""


@dataclass(frozen=True)
class State:
    """One State or Union Territory as the GST portal lists it."""

    code: str  # two digits, e.g. "27"
    name: str
    short_code: str  # GST portal alpha code, e.g. "MH"
    utgst: bool  # UT without legislature: the state tax head is UTGST
    in_gstin: bool  # False only for 96 "Other Countries"
    aliases: tuple[str, ...] = ()
    merged_into: str | None = None  # 25 Daman and Diu merged into 26 on 26-Jan-2020

    @property
    def state_tax_head(self) -> str:
        """The label of the state half of intra-state tax: "UTGST" or "SGST"."""
        return "UTGST" if self.utgst else "SGST"


def _name_key(text: str) -> str:
    # "Jammu & Kashmir", "jammu and kashmir", "JAMMU-AND-KASHMIR" all compare equal.
    lowered = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


@cache
def all_states() -> tuple[State, ...]:
    """Every state/UT code in the master, in code order."""
    rows = load_json("states.json")["states"]
    states = tuple(
        State(
            code=str(row["code"]),
            name=str(row["name"]),
            short_code=str(row["short_code"]),
            utgst=bool(row["utgst"]),
            in_gstin=bool(row["in_gstin"]),
            aliases=tuple(str(alias) for alias in row.get("aliases", ())),
            merged_into=row.get("merged_into"),
        )
        for row in rows
    )
    return tuple(sorted(states, key=lambda state: state.code))


@cache
def _by_code() -> dict[str, State]:
    return {state.code: state for state in all_states()}


@cache
def _by_name() -> dict[str, State]:
    index: dict[str, State] = {}
    for state in all_states():
        for label in (state.name, *state.aliases):
            index.setdefault(_name_key(label), state)
    return index


@cache
def _by_short_code() -> dict[str, State]:
    return {state.short_code: state for state in all_states()}


def is_state_code(code: str) -> bool:
    """True when ``code`` is a two-digit code in the master (including 96, 97 and 99)."""
    return code in _by_code()


def is_gstin_state_code(code: str) -> bool:
    """True when ``code`` may open a GSTIN: any master code except 96 (Other Countries)."""
    state = _by_code().get(code)
    return state is not None and state.in_gstin


def state_by_code(code: str | int) -> State:
    """The state for a code such as "27", "7" or 7; raises UnknownState."""
    key = f"{code:02d}" if isinstance(code, int) else code.strip().zfill(2)
    state = _by_code().get(key)
    if state is None:
        raise UnknownState(f"{code!r} is not a GST state code; use a code from 01 to 38, 97 or 99.")
    return state


def state_by_name(name: str) -> State:
    """The state for a name or common alias, ignoring case, '&'/'and' and punctuation."""
    state = _by_name().get(_name_key(name))
    if state is None:
        raise UnknownState(f"{name!r} is not a state or union territory name in the GST list.")
    return state


def find_state(text: str) -> State:
    """Look a state up by code ("27"), portal alpha code ("MH") or name ("Maharashtra")."""
    cleaned = text.strip()
    if cleaned.isdigit():
        return state_by_code(cleaned)
    by_name = _by_name().get(_name_key(cleaned))
    if by_name is not None:
        return by_name
    by_short = _by_short_code().get(cleaned.upper())
    if by_short is not None:
        return by_short
    raise UnknownState(f"{text!r} is not a GST state code, alpha code or state name.")


def state_tax_head(code: str) -> str:
    """ "UTGST" for UTs without legislature, otherwise "SGST"."""
    return state_by_code(code).state_tax_head
