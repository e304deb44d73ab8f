"""Words into rows and segments, the same way for the text layer and for OCR.

A row is every word on one printed line across the page; a segment is a run of words in a
row without a wide gap, so "GSTIN: 27AAPFU0939F1ZV      Invoice No.: A-12" is two segments.
Labels are looked for in segments, values in the rest of the segment, the segments to its
right, or the segment printed under it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property
from statistics import median

from app.documents.model import Box, PageText, Region, Word

# A gap wider than this many line heights starts a new segment (a space is about 0.3).
SEGMENT_GAP = 1.2


def _enclosing(words: tuple[Word, ...] | list[Word]) -> Box:
    box = words[0].box
    for word in words[1:]:
        box = box.union(word.box)
    return box


@dataclass(frozen=True)
class Segment:
    page: int
    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def box(self) -> Box:
        return _enclosing(self.words)

    @property
    def region(self) -> Region:
        return Region(self.page, self.box)

    @cached_property
    def confidence(self) -> float:
        return min(w.confidence for w in self.words)

    def _covering(self, start: int, end: int) -> list[Word]:
        """The words that characters ``start:end`` of ``text`` fall in."""
        found, offset = [], 0
        for word in self.words:
            word_end = offset + len(word.text)
            if word_end > start and offset < end:
                found.append(word)
            offset = word_end + 1
        return found

    def region_of(self, start: int, end: int) -> Region:
        """The region of the words covering characters ``start:end`` of ``text``."""
        words = self._covering(start, end)
        return Region(self.page, _enclosing(words) if words else self.box)

    def confidence_of(self, start: int, end: int) -> float:
        return min((w.confidence for w in self._covering(start, end)), default=1.0)


@dataclass(frozen=True)
class Row:
    page: int
    index: int  # position on the page, top to bottom
    words: tuple[Word, ...]
    segments: tuple[Segment, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def box(self) -> Box:
        return _enclosing(self.words)

    @cached_property
    def height(self) -> float:
        return median(w.box.height for w in self.words)


def page_rows(page: PageText) -> tuple[Row, ...]:
    """The page's words grouped into rows (top to bottom) and segments (left to right)."""
    words = [w for w in page.words if w.text.strip()]
    if not words:
        return ()
    typical = median(w.box.height for w in words)
    lines: list[list[Word]] = []
    centres: list[float] = []
    for word in sorted(words, key=lambda w: (w.box.middle, w.box.x0)):
        # Join the nearest open row whose centre line is within half a line height.
        best = None
        for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
            if abs(centres[i] - word.box.middle) <= typical * 0.5:
                best = i
                break
        if best is None:
            lines.append([word])
            centres.append(word.box.middle)
        else:
            lines[best].append(word)
            centres[best] = median(w.box.middle for w in lines[best])
    rows = []
    for index, line in enumerate(sorted(lines, key=lambda ws: median(w.box.middle for w in ws))):
        ordered = _join_split_numbers(tuple(sorted(line, key=lambda w: w.box.x0)), page.aspect)
        rows.append(Row(page.number, index, ordered, _segments(page, ordered)))
    return tuple(rows)


_NUMBER_HEAD = re.compile(r"^[(\-₹]?\d[\d,]*[,.]$")
_NUMBER_TAIL = re.compile(r"^\d[\d,]*(?:\.\d+)?\)?$")


def _join_split_numbers(words: tuple[Word, ...], aspect: float) -> tuple[Word, ...]:
    """OCR splits '5,38,938.73' after a comma ('5,38,' '938.73'); join such pieces again."""
    joined: list[Word] = []
    for word in words:
        if joined:
            last = joined[-1]
            gap = (word.box.x0 - last.box.x1) / (word.box.height * aspect or 1)
            if gap < 0.6 and _NUMBER_HEAD.match(last.text) and _NUMBER_TAIL.match(word.text):
                joined[-1] = Word(
                    last.text + word.text,
                    last.box.union(word.box),
                    min(last.confidence, word.confidence),
                )
                continue
        joined.append(word)
    return tuple(joined)


def _segments(page: PageText, words: tuple[Word, ...]) -> tuple[Segment, ...]:
    height = median(w.box.height for w in words) * page.aspect  # in page-width units
    runs: list[list[Word]] = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.box.x0 - previous.box.x1 > SEGMENT_GAP * height:
            runs.append([word])
        else:
            runs[-1].append(word)
    return tuple(Segment(page.number, tuple(run)) for run in runs)
