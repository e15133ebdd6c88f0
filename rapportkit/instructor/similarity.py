"""Written replies handed in alike by several students: identical, or nearly, for the instructor to look at.

Pure comparison of ``{student: {answer name: reply}}``; nothing is marked down. Short replies are left out (two
students can both write "How are you feeling today?" on their own), and so are replies that only repeat what the
question gave (a stock opener every student was shown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

# Fewer words than this, and two students may well have written the same words on their own.
MIN_WORDS = 12
# Two replies this alike (difflib's ratio, on words) are "nearly identical".
NEAR = 0.9


@dataclass(frozen=True)
class SharedReply:
    """One written reply handed in alike by two or more students."""

    answer: str  # the answer's name, e.g. "reply_q5"
    students: tuple[str, ...]
    how: str  # "identical" or "nearly identical (93% alike)"

    @property
    def finding(self) -> str:
        return f"{self.answer}: {self.how} from {', '.join(self.students)}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def shared_replies(replies: Mapping[str, Mapping[str, str]]) -> list[SharedReply]:
    """Groups of students whose reply to the same item is identical or nearly so (words, case and spacing aside)."""
    items = sorted({name for per in replies.values() for name in per})
    out: list[SharedReply] = []
    for name in items:
        texts = {s: _words(per[name]) for s, per in sorted(replies.items())
                 if isinstance(per.get(name), str) and len(_words(per[name])) >= MIN_WORDS}
        grouped: set[str] = set()
        students = list(texts)
        for i, first in enumerate(students):
            if first in grouped:
                continue
            same, near = [first], []
            for other in students[i + 1:]:
                if other in grouped:
                    continue
                if texts[other] == texts[first]:
                    same.append(other)
                else:
                    ratio = SequenceMatcher(None, texts[first], texts[other], autojunk=False).ratio()
                    if ratio >= NEAR:
                        near.append((other, ratio))
            if len(same) > 1:
                out.append(SharedReply(name, tuple(same), "identical"))
            if near:
                low = min(r for _, r in near)
                out.append(SharedReply(name, (first, *(s for s, _ in near)), f"nearly identical ({low:.0%} alike)"))
            grouped.update(same)
            grouped.update(s for s, _ in near)
    return out
