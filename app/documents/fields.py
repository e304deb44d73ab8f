"""Fields from the rows of a bill: labels, the values beside or under them, GSTINs by checksum.

Each field keeps the best candidate found: the strongest label, then OCR confidence. Amounts
gather every candidate, because the GST arithmetic (arithmetic.py) picks the set that adds up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from app.documents import labels
from app.documents.layout import Row, Segment
from app.documents.model import Field, FieldSource, PageText, Problem, Region, TextSource
from app.documents.printed import AMOUNT_TOKEN, currency_of, find_dates, parse_amount, parse_rate
from app.gst import check_gstin
from app.gst.states import UnknownState, find_state, state_by_code

_RATE_TEXT = re.compile(r"@?\s?\d{1,2}(?:\.\d{1,2})?\s?%")
_INVOICE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/\-_.]*[A-Za-z0-9]|[0-9]")
# After repairing OCR look-alikes, a regular GSTIN's shape (gst.md §1.1).
_GSTIN_SHAPE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]Z[0-9A-Z]$")
_TO_DIGIT = str.maketrans("OQDIL|SBZG", "0001115826")
_TO_LETTER = str.maketrans("0125864)]}|$", "OIZSBGAJJJIS")
_PUNCT_TO_LETTER = str.maketrans(")]}|$", "JJJIS")
_LOOK_ALIKES = frozenset(")]}|$")  # OCR's readings of J, I and S, kept for the repair
_DIGIT_AT = (0, 1, 7, 8, 9, 10)
_LETTER_AT = (2, 3, 4, 5, 6, 11)


@dataclass(frozen=True)
class Document:
    """The rows of every page read, in reading order."""

    pages: tuple[PageText, ...]
    rows: tuple[Row, ...]

    def source(self, page: int) -> FieldSource:
        found = next((p for p in self.pages if p.number == page), None)
        ocr = found is not None and found.source is TextSource.OCR
        return FieldSource.OCR if ocr else FieldSource.TEXT_LAYER

    def row_below(self, row: Row) -> Row | None:
        position = self.rows.index(row)
        if position + 1 < len(self.rows) and self.rows[position + 1].page == row.page:
            return self.rows[position + 1]
        return None

    @property
    def text(self) -> str:
        return "\n".join(row.text for row in self.rows)


@dataclass(frozen=True)
class AmountCandidate:
    field: str
    value: Decimal
    confidence: float
    region: Region
    rate: Decimal | None
    order: int  # position in reading order; totals come late


@dataclass(frozen=True)
class GstinHit:
    text: str  # as repaired
    valid: bool
    problem: str | None
    repaired: bool
    region: Region
    row: Row
    segment: Segment
    confidence: float


# ---------------------------------------------------------------- label and value search


def _after_label(
    doc: Document, row: Row, seg_index: int, end: int
) -> Iterator[tuple[str, Segment, int]]:
    """Where a label's value may be: the rest of its segment, the next segments on the row
    (up to the next label), then the segment printed under the label."""
    segment = row.segments[seg_index]
    yield segment.text[end:], segment, end
    for following in row.segments[seg_index + 1 : seg_index + 3]:
        if labels.has_label(following.text):
            break
        yield following.text, following, 0
    below = doc.row_below(row)
    if below is not None:
        for under in below.segments:
            if under.box.x0 < segment.box.x1 and under.box.x1 > segment.box.x0:
                yield under.text, under, 0
                break


def _labelled(
    doc: Document, label_set: Sequence[labels.Label]
) -> Iterator[tuple[labels.Label, Row, int, re.Match[str]]]:
    for row in doc.rows:
        for seg_index, segment in enumerate(row.segments):
            for label in label_set:
                match = label.pattern.search(segment.text)
                if match is None:
                    continue
                before = segment.text[: match.start()]
                if labels.OTHER_REFERENCE.search(before):
                    continue
                yield label, row, seg_index, match
                break


def _best(fields: list[Field]) -> Field | None:
    return max(fields, key=lambda f: f.confidence) if fields else None


def invoice_number(doc: Document) -> Field | None:
    found: list[Field] = []
    for label, row, seg_index, match in _labelled(doc, labels.INVOICE_NUMBER):
        for text, segment, offset in _after_label(doc, row, seg_index, match.end()):
            stripped = text.lstrip(" :.#-–")
            token = _INVOICE_NUMBER.match(stripped)
            if token is None:
                if stripped.strip():
                    break  # a word that is not a number: this label has no number
                continue
            value = token.group(0)
            if not any(ch.isdigit() for ch in value) or find_dates(value):
                break
            start = offset + (len(text) - len(stripped)) + token.start()
            end = start + len(value)
            confidence = label.strength * segment.confidence_of(start, end)
            found.append(
                Field(
                    "invoice_number",
                    value,
                    confidence,
                    doc.source(row.page),
                    segment.region_of(start, end),
                )
            )
            break
    return _best(found)


def invoice_date(doc: Document) -> Field | None:
    found: list[Field] = []
    for label, row, seg_index, match in _labelled(doc, labels.INVOICE_DATE):
        for text, segment, offset in _after_label(doc, row, seg_index, match.end()):
            dates = find_dates(text)
            if not dates:
                continue
            value, start, end = dates[0]
            confidence = label.strength * segment.confidence_of(offset + start, offset + end)
            found.append(
                Field(
                    "invoice_date",
                    value,
                    confidence,
                    doc.source(row.page),
                    segment.region_of(offset + start, offset + end),
                )
            )
            break
    if found:
        return _best(found)
    for row in doc.rows:  # no label: the first date on the bill, held loosely
        for segment in row.segments:
            dates = find_dates(segment.text)
            if dates and not labels.OTHER_REFERENCE.search(segment.text[: dates[0][1]]):
                value, start, end = dates[0]
                return Field(
                    "invoice_date",
                    value,
                    0.4,
                    doc.source(row.page),
                    segment.region_of(start, end),
                )
    return None


def place_of_supply(doc: Document) -> Field | None:
    for label, row, seg_index, match in _labelled(doc, labels.PLACE_OF_SUPPLY):
        for text, segment, offset in _after_label(doc, row, seg_index, match.end()):
            state = _state_in(text)
            if state is None:
                continue
            return Field(
                "place_of_supply",
                state,
                label.strength * segment.confidence,
                doc.source(row.page),
                segment.region_of(offset, len(segment.text)),
            )
    return None


def _state_in(text: str) -> str | None:
    code = re.search(r"(?<!\d)(\d{2})(?!\d)", text)
    if code:
        try:
            return state_by_code(code.group(1)).code
        except UnknownState:
            pass
    words = re.findall(r"[A-Za-z&]+", text)
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            try:
                return find_state(" ".join(words[start : start + size])).code
            except UnknownState:
                continue
    return None


# ---------------------------------------------------------------- GSTINs


def _repair(window: str) -> tuple[str, int] | None:
    """Undo OCR look-alikes by position (digits where digits belong, letters where letters)."""
    chars = list(window)
    repairs = 0
    for i in _DIGIT_AT:
        fixed = chars[i].translate(_TO_DIGIT)
        repairs += fixed != chars[i]
        chars[i] = fixed
    for i in _LETTER_AT:
        fixed = chars[i].translate(_TO_LETTER)
        repairs += fixed != chars[i]
        chars[i] = fixed
    check = chars[14].translate(_PUNCT_TO_LETTER)  # the check character: letter or digit
    repairs += check != chars[14]
    chars[14] = check
    if chars[13] == "2":
        chars[13], repairs = "Z", repairs + 1
    text = "".join(chars)
    return (text, repairs) if _GSTIN_SHAPE.match(text) else None


_SHAPES = ("O0QD", "I1L|", "Z2", "S5$", "B8", "G6")


def _doubled(text: str, index: int) -> bool:
    """True when the character at ``index`` repeats a neighbour or looks like it (O0, Z2)."""
    ch = text[index]
    for other in (text[index - 1], text[index + 1] if index + 1 < len(text) else ""):
        if other and (other == ch or any(ch in group and other in group for group in _SHAPES)):
            return True
    return False


def _gstin_at(compact: str, owners: list[int], i: int) -> tuple[str, int, int] | None:
    """The GSTIN starting at ``i`` (text, characters repaired, characters used), or None."""
    repaired = _repair(compact[i : i + 15])
    if repaired is not None and repaired[1] <= 3 and check_gstin(repaired[0]).valid:
        return repaired[0], repaired[1], 15
    if len(compact) > i + 15 and owners[i + 15] == owners[i + 14] == owners[i]:
        # OCR sometimes reads one character twice inside the GSTIN's word ("Q0" as "QO0",
        # "ZX" as "Z2X"): a 16-character word. Dropping one character is accepted only
        # when the check character then agrees.
        longer = compact[i : i + 16]
        fits = set()
        for drop in range(2, 16):
            if not _doubled(longer, drop):
                continue
            retry = _repair(longer[:drop] + longer[drop + 1 :])
            if retry is not None and retry[1] <= 2 and check_gstin(retry[0]).valid:
                fits.add(retry[0])
        if len(fits) == 1:  # two different fits: a guess, so neither is taken
            return fits.pop(), 1, 16
    if repaired is not None and repaired[1] <= 1:
        return repaired[0], repaired[1], 15  # GSTIN-shaped but failing its check: flagged
    return None


def gstin_hits(doc: Document) -> list[GstinHit]:
    """Every GSTIN-shaped string, spaces inside it ignored (OCR splits them)."""
    hits: list[GstinHit] = []
    for row in doc.rows:
        chars: list[str] = []
        owners: list[int] = []
        for index, word in enumerate(row.words):
            for ch in word.text.upper():
                if (ch.isalnum() and ch.isascii()) or ch in _LOOK_ALIKES:
                    chars.append(ch)
                    owners.append(index)
        compact = "".join(chars)
        i = 0
        while i <= len(compact) - 15:
            found = _gstin_at(compact, owners, i)
            if found is None:
                i += 1
                continue
            text, repairs, width = found
            verdict = check_gstin(text)
            words = row.words[owners[i] : owners[i + width - 1] + 1]
            box = words[0].box
            for word in words[1:]:
                box = box.union(word.box)
            segment = next((s for s in row.segments if words[0] in s.words), row.segments[0])
            confidence = min(w.confidence for w in words) * (0.9 if repairs else 1.0)
            if width == 16:
                confidence *= 0.8
            hits.append(
                GstinHit(
                    text,
                    verdict.valid,
                    verdict.problem,
                    bool(repairs),
                    Region(row.page, box),
                    row,
                    segment,
                    confidence,
                )
            )
            i += width
    return hits


def _party_of(doc: Document, hit: GstinHit) -> str | None:
    """'buyer' or 'supplier' from the nearest heading at or above the GSTIN, in its column."""
    own = hit.segment.text.upper().split(hit.text[:4])[0]
    for pattern, party in ((labels.BUYER_WORDS, "buyer"), (labels.SUPPLIER_WORDS, "supplier")):
        if pattern.search(own):
            return party
    position = doc.rows.index(hit.row)
    for row in reversed(doc.rows[max(0, position - 10) : position]):
        if row.page != hit.row.page:
            break
        for segment in row.segments:
            overlaps = segment.box.x0 < hit.region.box.x1 and segment.box.x1 > hit.region.box.x0
            if not overlaps:
                continue
            buyer = labels.BUYER_WORDS.search(segment.text)
            supplier = labels.SUPPLIER_WORDS.search(segment.text)
            if buyer and (not supplier or buyer.start() < supplier.start()):
                return "buyer"
            if supplier:
                return "supplier"
    return None


def gstins(doc: Document) -> tuple[list[Field], list[Problem]]:
    """The supplier's and buyer's GSTINs; a GSTIN failing its check character is a problem."""
    problems: list[Problem] = []
    fields: list[Field] = []
    seen: dict[str, str] = {}
    unplaced: list[GstinHit] = []
    for hit in gstin_hits(doc):
        if hit.text in seen:
            continue
        party = _party_of(doc, hit)
        name = f"{party}_gstin" if party else ""
        if not hit.valid:
            problems.append(
                Problem(
                    f"GSTIN {hit.text} on page {hit.region.page} is not valid ({hit.problem}); "
                    "check it against the bill and the GST portal.",
                    name or "supplier_gstin",
                )
            )
            seen[hit.text] = name
            continue
        if party is None:
            unplaced.append(hit)
            seen[hit.text] = ""
            continue
        if any(f.name == name for f in fields):
            continue
        seen[hit.text] = name
        fields.append(
            Field(name, hit.text, hit.confidence, doc.source(hit.region.page), hit.region)
        )
    for hit in unplaced:  # no heading: the first GSTIN is the supplier's, as bills print it
        taken = {f.name for f in fields}
        name = "supplier_gstin" if "supplier_gstin" not in taken else "buyer_gstin"
        if name in taken:
            continue
        fields.append(
            Field(name, hit.text, hit.confidence * 0.9, doc.source(hit.region.page), hit.region)
        )
    return fields, problems


# ---------------------------------------------------------------- supplier name


def _name_text(text: str) -> str | None:
    cleaned = text.strip(" :-,")
    if len(cleaned) < 3 or not re.search(r"[A-Za-z]{2}", cleaned):
        return None
    if labels.TITLE_WORDS.match(cleaned) or re.search(r"(?i)\bgstin\b", cleaned):
        return None
    return cleaned


def supplier_name(doc: Document, supplier_gstin: Field | None) -> Field | None:
    for label, row, seg_index, match in _labelled(doc, labels.SUPPLIER_NAME):
        for text, segment, offset in _after_label(doc, row, seg_index, match.end()):
            name = _name_text(text)
            if name is None:
                continue
            start = offset + text.index(name)
            return Field(
                "supplier_name",
                name,
                label.strength * segment.confidence_of(start, start + len(name)),
                doc.source(row.page),
                segment.region_of(start, start + len(name)),
            )
    # No label: the biggest print near the top of the first page (the letterhead), above
    # the supplier's GSTIN when that is known.
    if not doc.rows:
        return None
    first_page = doc.rows[0].page
    limit = 0.3
    region = supplier_gstin.region if supplier_gstin is not None else None
    if region is not None and region.page == first_page:
        limit = min(limit, region.box.top)
    candidates = []
    for row in doc.rows:
        if row.page != first_page or row.box.top >= limit:
            continue
        for segment in row.segments:
            name = _name_text(segment.text)
            lettered = [w for w in segment.words if re.search(r"[A-Za-z]{2}", w.text)]
            if not name or not lettered or labels.has_label(segment.text) or len(name) > 60:
                continue
            if sum(w.confidence for w in segment.words) / len(segment.words) < 0.6:
                continue  # OCR's guess at a logo or a ruled box, not a name
            height = median(w.box.height for w in lettered)
            candidates.append((height, -segment.box.top, name, segment, row))
    if not candidates:
        return None
    height, _, name, segment, row = max(candidates, key=lambda c: (round(c[0], 3), c[1]))
    return Field(
        "supplier_name", name, 0.6 * segment.confidence, doc.source(row.page), segment.region
    )


# ---------------------------------------------------------------- amounts


def _amounts_in(text: str) -> list[tuple[Decimal, int, int]]:
    scrubbed = _RATE_TEXT.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for match in AMOUNT_TOKEN.finditer(scrubbed):
        value = parse_amount(match.group(0))
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found


def amount_candidates(doc: Document) -> list[AmountCandidate]:
    """Every labelled amount on the bill: the value is the rightmost amount after the label
    in its segment and the following unlabelled segments of the row."""
    found: list[AmountCandidate] = []
    for order, row in enumerate(doc.rows):
        if labels.NOT_AN_AMOUNT_ROW.search(row.text):
            continue
        for seg_index, segment in enumerate(row.segments):
            label, match = next(
                (
                    (lab, m)
                    for lab in labels.AMOUNTS
                    if (m := lab.pattern.search(segment.text)) is not None
                ),
                (None, None),
            )
            if label is None or match is None:
                continue
            rate = parse_rate(segment.text[match.end() :]) if label.field != "round_off" else None
            pieces = [(segment, match.end())]
            for following in row.segments[seg_index + 1 :]:
                if labels.has_label(following.text):
                    break
                pieces.append((following, 0))
            best: tuple[Decimal, Segment, int, int] | None = None
            for piece, start in pieces:
                for value, s, e in _amounts_in(piece.text[start:]):
                    best = (value, piece, start + s, start + e)
                if rate is None:
                    rate = parse_rate(piece.text[start:])
            if best is None:
                continue
            value, piece, s, e = best
            if label.field != "round_off" and value < 0:
                continue
            found.append(
                AmountCandidate(
                    label.field,
                    value,
                    label.strength * piece.confidence_of(s, e),
                    piece.region_of(s, e),
                    rate,
                    order,
                )
            )
    return found


def currency(doc: Document, has_gstin: bool) -> Field | None:
    code = currency_of(doc.text)
    if code is None and has_gstin:
        code = "INR"  # a GST bill is in rupees unless it says otherwise
    if code is None:
        return None
    source = doc.source(doc.rows[0].page) if doc.rows else FieldSource.TEXT_LAYER
    return Field("currency", code, 0.9, source, None)
