"""Text normalisation for the skills analyser: tokens, contractions, sentences, offsets.

Rules match against a normalised string (lower case, contractions expanded, fillers such as
"um" dropped, stutters such as "I-I" collapsed, tokens separated by single spaces). Every
character of that string maps back to a span of the original utterance, so a flag can quote
the trainee's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*|[?!.]+|[^\sA-Za-z0-9]")

_FILLERS = frozenset({"um", "uh", "umm", "uhm", "erm", "er", "uhh", "ummm"})
_IS_AFTER = frozenset(
    {"it", "that", "what", "there", "here", "he", "she", "who", "how", "where", "this", "when", "why", "everything",
     "nothing", "something", "someone", "everyone", "nobody", "somebody", "everybody", "life", "which"}
)
_SPECIAL = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not",
    "let's": "let us", "gonna": "going to", "wanna": "want to", "gotta": "got to", "kinda": "kind of",
    "sorta": "sort of", "dunno": "do not know", "y'know": "you know", "ya": "you", "'cause": "because",
    "cos": "because", "cuz": "because", "okay": "ok", "o.k": "ok", "alright": "all right", "mhm": "mm-hmm",
    "mmhmm": "mm-hmm", "mm-hm": "mm-hmm", "uh-huh": "mm-hmm", "mm-mm": "mm-hmm", "hmm-mm": "mm-hmm",
    "uh-hum": "mm-hmm", "um-hum": "mm-hmm", "mm-hmmm": "mm-hmm", "m-hm": "mm-hmm",
}
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "prof", "e.g", "i.e", "vs", "etc"})
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'m", " am"), ("'ll", " will"), ("'d", " would"))


# no bracket inside: an unclosed "(" then scans only to the next "(", so the cost stays linear
_BRACKETS = re.compile(r"\[[^\[\]]*\]|\([^()]*\)")
_HUM = re.compile(r"^(m+h*|h+m+|u+h+|u+m+|m+h+m+)(-?(h+m+|m+|h+u+h+|h+u+m+))*$")


def _blank(m: re.Match[str]) -> str:
    """Blank out stage directions such as "[laughs]" without moving any offsets."""
    return " " * len(m.group(0))


def _expand(token: str) -> str:
    """Lower-case one token and expand its contraction."""
    t = token.lower().replace("’", "'")
    if t in _SPECIAL:
        return _SPECIAL[t]
    if _HUM.match(t) and t not in ("um", "uh", "umm", "uhm", "uhh"):
        return "mm-hmm" if "-" in t or t.count("m") + t.count("h") > 3 else "hmm"
    if "-" in t and t[0].isalpha():
        parts = t.split("-")
        kept = [p for i, p in enumerate(parts) if not (i + 1 < len(parts) and parts[i + 1].startswith(p) and p)]
        t = "-".join(kept)
        if t in _SPECIAL:
            return _SPECIAL[t]
    if t.endswith("n't"):
        stem = t[:-3]
        return {"ca": "can", "wo": "will", "sha": "shall"}.get(stem, stem) + " not"
    for suffix, repl in _SUFFIXES:
        if t.endswith(suffix) and len(t) > len(suffix):
            return t[: -len(suffix)] + repl
    if t.endswith("'s") and t[:-2] in _IS_AFTER:
        return t[:-2] + " is"
    return t


@dataclass(frozen=True)
class Text:
    """A normalised utterance with a map from normalised characters back to the original."""

    original: str
    norm: str
    starts: tuple[int, ...]  # for each normalised character, start of its original token
    ends: tuple[int, ...]  # for each normalised character, end of its original token

    def source(self, start: int, end: int) -> str:
        """The original words behind the normalised span ``[start, end)``."""
        if not self.norm or start >= end:
            return ""
        end = min(end, len(self.norm))
        while start < end and self.norm[start] == " ":
            start += 1
        while end > start and self.norm[end - 1] == " ":
            end -= 1
        if start >= end:
            return ""
        return self.original[min(self.starts[start:end]) : max(self.ends[start:end])]


_AUX = frozenset(
    "do does did is are was were have has had can could would will should shall must might may am".split()
)
_SUBJECTS = frozenset({"you", "i", "we", "they", "he", "she", "it", "there", "that", "this"})


def normalise(text: str) -> Text:
    """Tokenise and normalise ``text`` (see the module docstring)."""
    tokens: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(_BRACKETS.sub(_blank, text)):
        tok = m.group(0)
        if tok.lower() in _FILLERS:
            continue
        if tok[0] in "?!.":
            tok = "?" if "?" in tok else ("!" if "!" in tok else ".")
            if tok == "." and tokens and tokens[-1][0] in _ABBREVIATIONS:
                continue
        elif not tok[0].isalnum():
            if tok in "-–—;:":
                tok = "," if tok in "-–—" else tok
            elif tok not in ",\"":
                continue
        norm = _expand(tok) if tok[0].isalnum() else tok
        for piece in norm.split(" "):
            tokens.append((piece, m.start(), m.end()))
    # "she's got" -> "she has got"
    for i in range(len(tokens) - 1):
        contracted = i > 0 and tokens[i - 1][1] == tokens[i][1]
        if tokens[i][0] == "is" and contracted and tokens[i + 1][0] in ("got", "been", "had", "gotten"):
            tokens[i] = ("has", tokens[i][1], tokens[i][2])
    # "didn't you" -> "did you not", so that patterns see one word order
    for i in range(len(tokens) - 2):
        aux, neg, subj = tokens[i], tokens[i + 1], tokens[i + 2]
        if aux[0] in _AUX and neg[0] == "not" and subj[0] in _SUBJECTS and neg[1] == aux[1]:
            tokens[i + 1], tokens[i + 2] = subj, neg
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece, start, end in tokens:
        if pieces:
            pieces.append(" ")
            starts.append(start)
            ends.append(start)
        pieces.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return Text(text, "".join(pieces), tuple(starts), tuple(ends))


@dataclass(frozen=True)
class Sentence:
    """One sentence of a normalised utterance: its text (without the end mark) and how it ends."""

    text: str
    end: str  # "?", "!", "." or "" (no end mark)
    start: int  # offset in the normalised string


_SPLIT = re.compile(r"\s*([?!.])(?:\s+|$)")


def sentences(t: Text) -> list[Sentence]:
    """Split a normalised utterance into sentences on ``. ? !``."""
    out: list[Sentence] = []
    pos = 0
    for m in _SPLIT.finditer(t.norm):
        chunk = t.norm[pos : m.start()].strip(" ,")
        if chunk:
            out.append(Sentence(chunk, m.group(1), pos))
        pos = m.end()
    rest = t.norm[pos:].strip(" ,")
    if rest:
        out.append(Sentence(rest, "", pos))
    return out


def words(s: str) -> list[str]:
    """The word tokens of a normalised string."""
    return re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", s)
