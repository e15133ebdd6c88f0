"""How well the written-reply grades agree with a counselling-skills rater, and what stock replies earn.

The course's written-reply items (every ``grading.score_reply`` test cell of ``solutions/``) are scored
on a labelled set of replies (``tests/data/rater/written_replies.csv``: each reply given the points a
careful rater would give by the item's rubric, labelled before the scorer was tuned, a third held back).
``python -m rapportkit.rater`` writes ``docs/assessment.md``: agreement (quadratic-weighted kappa) on the
tuning part and on the part held back, and what a student who games the grader would earn.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from rapportkit import grading
from rapportkit.answers import read_answer_cell
from rapportkit.nbgrader.judge import parse_test_cell
from rapportkit.roleplay import RecordedRolePlay, RolePlay

# Stock replies a student might paste into every item: they fit any client.
GENERIC_REPLIES = (
    "It sounds like you're feeling really overwhelmed by all of this.",
    "That sounds really hard for you.",
    "It sounds like you're going through a lot right now, and it's been really tough.",
    "Tell me more about that.",
    "How does that make you feel?",
    "What would you like to talk about today?",
    "I hear you, and it makes sense that you would feel that way.",
    "It sounds like part of you feels stuck and unsure what to do next.",
)
HARMFUL_REPLIES = (
    "You're an idiot and a waste of my time.",
    "Whatever, mate.",
    "Shut up.",
    "lol",
    "Your wife should leave you.",
    "It's your own fault, you brought this on yourself.",
    "Honestly, just get over it. Other people have real problems.",
    "asdf qwer zxcv",
    "Entiendo que te sientes muy triste y solo.",
)
TARGETS = {
    "kappa_all": 0.75,
    "kappa_held": 0.70,
    "generic_everywhere": 0.15,
    "best_generic": 0.25,
    "other_model_answer": 0.25,
    "copied_back": 0.15,
    "harmful": 0.0,
}


# What a student gaming a graded role-play types on every free-text turn (pressing, on every choice turn,
# the button that raises rapport most). None: the client's last sentence echoed back.
ROLEPLAY_GAMES: dict[str, tuple[str | None, ...]] = {
    "insults": ("You're an idiot and a waste of my time.", "Whatever, mate."),
    "gibberish": ("asdf qwer zxcv", "Entiendo que te sientes muy triste."),
    "stock phrases": ("It sounds like that's really hard for you.", "Tell me more about that."),
    "the client's words echoed": (None,),
}
ROLEPLAY_TARGETS = {"insults": 0.10, "gibberish": 0.10, "stock phrases": 0.25, "the client's words echoed": 0.25}


@dataclass(frozen=True)
class RoleplayItem:
    """One graded role-play: its scenario and the literal arguments of its ``grading.score_roleplay`` call."""

    id: str
    scenario: str
    points: float
    arguments: dict[str, Any]

    def score_game(self, typed: tuple[str | None, ...]) -> float:
        """Points for a session that presses the best button and types ``typed`` in turn on free-text turns."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roleplay.json"
            rp = RecordedRolePlay(self.scenario, path)
            free = 0
            for _ in range(60):
                if rp.finished:
                    break
                if rp.is_choice_turn:
                    turn = rp.current_turn or {}
                    rp.respond(max(turn["choices"], key=lambda o: o["rapport"])["id"])
                    continue
                text = typed[free % len(typed)]
                free += 1
                rp.respond(text if text is not None else _last_sentence(rp.last_client_line))
            rp.end()
            with contextlib.redirect_stdout(io.StringIO()):
                return grading.score_roleplay(str(path), self.scenario, **self.arguments)


def _last_sentence(line: str) -> str:
    parts = [p.strip() for p in line.replace("?", ".").replace("!", ".").split(".") if len(p.split()) >= 2]
    return (parts[-1] if parts else line).strip() + "."


def roleplay_items(solutions: Path) -> list[RoleplayItem]:
    """Every test cell of ``solutions/*/*.ipynb`` that ends in ``grading.score_roleplay``."""
    items = []
    for path in sorted(solutions.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            calls = [c for c in parse_test_cell(cell.source) if c.function == "score_roleplay"]
            if not calls:
                continue
            arguments = {key: value for key, (_, value) in calls[-1].kwargs}
            positional = [value for _, value in calls[-1].args]
            for key, value in zip(("transcript", "scenario", "points"), positional, strict=False):
                arguments[key] = value
            arguments.pop("transcript", None)
            scenario = arguments.pop("scenario")
            if str(scenario).endswith((".yaml", ".yml")):  # a graded variant written beside the notebook
                scenario = str(path.parent / scenario)
            items.append(RoleplayItem(f"{path.stem}:{meta['grade_id']}", scenario, float(arguments["points"]),
                                      arguments))
    return items


def roleplay_games(items: Sequence[RoleplayItem]) -> dict[str, float]:
    """Share of all graded role-play points each gaming strategy of :data:`ROLEPLAY_GAMES` earns."""
    total = sum(item.points for item in items)
    return {name: sum(item.score_game(typed) for item in items) / total for name, typed in ROLEPLAY_GAMES.items()}


@dataclass(frozen=True)
class TurnLabel:
    """A rater's points (0-2) for one reply typed on one free-text turn of a graded role-play."""

    scenario: str
    turn: str
    kind: str
    split: str
    points: int
    reply: str


def read_turn_labels(folder: Path) -> list[TurnLabel]:
    """Every ``*.csv`` of ``folder`` (columns scenario, turn, kind, split, points, reply, why)."""
    out = []
    for path in sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    out.append(TurnLabel(row["scenario"], row["turn"], row["kind"], row["split"], int(row["points"]),
                                         row["reply"]))
                except (KeyError, ValueError, TypeError) as err:
                    raise ValueError(f"{path}:{line}: {err}") from None
    return out


def score_turn(scenario: str, path: Sequence[str], turn: str, reply: str) -> int:
    """Play ``path`` until ``turn`` is reached, type ``reply`` there, and give the turn's points."""
    rp = RolePlay(scenario)
    for given in path:
        if rp.current_turn_id == turn or rp.finished:
            break
        rp.respond(given)
    if rp.current_turn_id != turn:
        raise ValueError(f"the path of {scenario!r} never reaches the turn {turn!r}")
    block = rp.scenario.risk or {}
    rules = rp.current_turn.get("free_text", {}) if rp.current_turn else {}
    waiting = tuple(block.get("ask", ())) if rules.get("risk") and not set(rp.risk_said) & set(block.get("ask", ())) \
        else ()
    return grading.turn_points(rp.respond(reply), waiting)


@dataclass
class TurnAssessment:
    """Agreement of the role-play turn points with the rater's."""

    rows: list[tuple[TurnLabel, int]]
    kappa: dict[str, float]
    exact: dict[str, float]


def assess_turns(labels: Iterable[TurnLabel], paths: dict[str, list[str]]) -> TurnAssessment:
    """Score every labelled role-play reply at its turn."""
    rows = [(lab, score_turn(lab.scenario, paths[lab.scenario], lab.turn, lab.reply)) for lab in labels]
    kappa, exact = {}, {}
    for split in ("all", "tune", "held"):
        chosen = [(lab, got) for lab, got in rows if split == "all" or lab.split == split]
        if not chosen:
            continue
        kappa[split] = quadratic_weighted_kappa([lab.points for lab, _ in chosen], [got for _, got in chosen])
        exact[split] = sum(lab.points == got for lab, got in chosen) / len(chosen)
    return TurnAssessment(rows, kappa, exact)


@dataclass(frozen=True)
class WrittenItem:
    """One autograded written-reply item: where it is, its points, and the literal arguments of its grade."""

    id: str  # "01_trust:q4"
    answer_name: str
    points: float
    arguments: dict[str, Any]
    model_answer: str
    client_statement: str | None

    def score(self, reply: str) -> float:
        """The points the course's grader gives ``reply`` on this item (its feedback is not printed)."""
        with contextlib.redirect_stdout(io.StringIO()):
            return grading.score_reply(reply, **self.arguments)


def written_items(solutions: Path) -> list[WrittenItem]:
    """Every test cell of ``solutions/*/*.ipynb`` that ends in ``grading.score_reply``, in course order."""
    items = []
    for path in sorted(solutions.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        answers: dict[str, Any] = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                answers.update(read_answer_cell(cell.source)[0])
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            calls = [c for c in parse_test_cell(cell.source) if c.function == "score_reply"]
            if not calls:
                continue
            call = calls[-1]
            kind, name = call.args[0]
            arguments = {key: value for key, (_, value) in call.kwargs}
            for key, (_, value) in zip(("rubric", "points", "client_statement"), call.args[1:], strict=False):
                arguments[key] = value
            question = meta["grade_id"].split("_")[0]
            items.append(WrittenItem(
                id=f"{path.stem}:{question}",
                answer_name=name,
                points=float(arguments["points"]),
                arguments=arguments,
                model_answer=str(answers.get(name, "")),
                client_statement=arguments.get("client_statement"),
            ))
    return items


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int]) -> float:
    """Cohen's kappa with quadratic weights for two raters' integer ratings of the same things."""
    if len(a) != len(b) or not a:
        raise ValueError("two equally long, non-empty lists of ratings are needed")
    low, high = min(*a, *b), max(*a, *b)
    k = high - low + 1
    if k == 1:
        return 1.0
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[x - low][y - low] += 1
    n = len(a)
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * row[i] * col[j] / n
    return 1.0 - num / den if den else 1.0


def half_points(points: float) -> int:
    """A score on the rater's scale of half points (2.4 -> 5, i.e. 2.5)."""
    return int(round(points * 2))


@dataclass(frozen=True)
class Label:
    item: str
    kind: str
    split: str
    points: float
    reply: str


def read_labels(path: Path) -> list[Label]:
    """The rater's labelled replies (columns item, kind, split, points, reply, why)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for line, row in enumerate(rows, start=2):
        try:
            out.append(Label(row["item"], row["kind"], row["split"], float(row["points"]), row["reply"]))
        except (KeyError, ValueError, TypeError) as err:
            raise ValueError(f"{path}:{line}: {err}") from None
    return out


@dataclass
class Assessment:
    """Every figure of docs/assessment.md."""

    rows: list[tuple[Label, float]]  # each label with the scorer's points
    kappa: dict[str, float]
    by_kind: dict[str, tuple[float, float, int]]  # kind -> (mean rater share, mean scorer share, n)
    exact: dict[str, float]  # split -> share of replies within half a point
    adversarial: dict[str, float]  # share of all written-reply points
    worst: dict[str, str]  # which stock reply gave the adversarial figure
    roleplay: dict[str, float] = field(default_factory=dict)  # share of all graded role-play points
    turns: TurnAssessment | None = None  # agreement on the role-plays' free-text turns

    def passed(self) -> dict[str, bool]:
        out = {"kappa_all": self.kappa["all"] >= TARGETS["kappa_all"],
               "kappa_held": self.kappa["held"] >= TARGETS["kappa_held"]}
        for key, value in self.adversarial.items():
            out[key] = value <= TARGETS[key] + 1e-9
        return out


def assess(items: Iterable[WrittenItem], labels: Iterable[Label]) -> Assessment:
    """Score every labelled reply and every stock reply on every item."""
    items = list(items)
    by_id = {item.id: item for item in items}
    rows = []
    for label in labels:
        if label.item not in by_id:
            raise ValueError(f"label for unknown item {label.item!r}; items: {', '.join(by_id)}")
        rows.append((label, by_id[label.item].score(label.reply)))
    kappa, exact = {}, {}
    for split in ("all", "tune", "held"):
        chosen = [(lab, got) for lab, got in rows if split == "all" or lab.split == split]
        kappa[split] = quadratic_weighted_kappa([half_points(lab.points) for lab, _ in chosen],
                                                [half_points(got) for _, got in chosen])
        exact[split] = sum(abs(lab.points - got) <= 0.5 for lab, got in chosen) / len(chosen)
    kinds: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for lab, got in rows:
        points = by_id[lab.item].points
        kinds[lab.kind].append((lab.points / points, got / points))
    by_kind = {k: (sum(r for r, _ in v) / len(v), sum(s for _, s in v) / len(v), len(v)) for k, v in kinds.items()}
    total = sum(item.points for item in items)
    per_generic = {g: sum(item.score(g) for item in items) for g in GENERIC_REPLIES}
    worst_generic = max(per_generic, key=per_generic.__getitem__)
    best_generic = sum(max(item.score(g) for g in GENERIC_REPLIES) for item in items)
    others = [
        sum(item.score(other.model_answer) for other in items if other is not item) / (len(items) - 1)
        for item in items
    ]
    with_statement = [item for item in items if item.client_statement]
    copied = sum(item.score(item.client_statement or "") for item in with_statement)
    harmful = max(sum(item.score(h) for item in items) for h in HARMFUL_REPLIES)
    adversarial = {
        "generic_everywhere": per_generic[worst_generic] / total,
        "best_generic": best_generic / total,
        "other_model_answer": sum(others) / total,
        "copied_back": copied / sum(item.points for item in with_statement),
        "harmful": harmful / total,
    }
    return Assessment(rows, kappa, by_kind, exact, adversarial, {"generic_everywhere": worst_generic})


MARK = {True: "met", False: "**not met**"}


def agreement_rows(labels: Sequence[Any], kappa: dict[str, float], exact: dict[str, float]) -> list[str]:
    """The rows of an agreement table (all, tuning part, held back) for labels that each have a ``split``."""
    lines = []
    for split, name, target in (("all", "all", "kappa_all"), ("tune", "tuning part", None),
                                ("held", "held back", "kappa_held")):
        n = len(labels) if split == "all" else sum(lab.split == split for lab in labels)
        goal = f">= {TARGETS[target]:.2f}: {MARK[kappa[split] >= TARGETS[target]]}" if target else ""
        lines.append(f"| {name} | {n} | {kappa[split]:.3f} | {exact[split]:.0%} | {goal} |")
    return lines


def report(a: Assessment, items: Sequence[WrittenItem]) -> str:
    """docs/assessment.md."""
    n_held = sum(lab.split == "held" for lab, _ in a.rows)
    ok = a.passed()
    lines = [
        "# Written replies: agreement with a rater",
        "",
        "Generated by `python -m rapportkit.rater` (`make assessment`); do not edit by hand.",
        "",
        f"The {len(items)} autograded written-reply items of `solutions/` (each `grading.score_reply` test cell with",
        "its keys of what the client said) scored on `tests/data/rater/written_replies.csv`: "
        f"{len(a.rows)} replies across the range",
        "(excellent, good in other words, partial, generic, wrong feeling, wrong content, the client's words copied",
        "back, harmful, not English, very long), each labelled with the points a careful counselling-skills rater",
        f"gives by the item's rubric, before the scorer was tuned. {n_held} of them were held back from tuning.",
        "",
        "## Agreement",
        "",
        "Quadratic-weighted kappa on half points (published written-response measures of counselling skill reach",
        "about .71-.91 between raters).",
        "",
        "| replies | n | kappa | within half a point | target |",
        "|---|---|---|---|---|",
    ]
    lines += agreement_rows([lab for lab, _ in a.rows], a.kappa, a.exact)
    lines += [
        "",
        "Mean share of the item's points, by kind of reply:",
        "",
        "| kind | n | rater | grader |",
        "|---|---|---|---|",
    ]
    for kind, (rater, scorer, n) in sorted(a.by_kind.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {kind} | {n} | {rater:.0%} | {scorer:.0%} |")
    names = {
        "generic_everywhere": "the worst generic reply pasted into every item",
        "best_generic": f"the best of {len(GENERIC_REPLIES)} generic replies, chosen per item",
        "other_model_answer": "another item's model answer (right form, another client), on average",
        "copied_back": "the client's own words copied back",
        "harmful": f"the best of {len(HARMFUL_REPLIES)} harmful or unreadable replies pasted into every item",
    }
    lines += [
        "",
        "## Gaming the grader",
        "",
        "Share of all written-reply points a student earns with stock replies:",
        "",
        "| strategy | share | target |",
        "|---|---|---|",
    ]
    for key, name in names.items():
        lines.append(f"| {name} | {a.adversarial[key]:.1%} | <= {TARGETS[key]:.0%}: {MARK[ok[key]]} |")
    lines += ["", f"The worst generic reply: \"{a.worst['generic_everywhere']}\"", ""]
    if a.turns is not None:
        t = a.turns
        lines += [
            "## Role-play turns: agreement with a rater",
            "",
            f"Every free-text turn of every graded role-play, {len(t.rows)} replies in `tests/data/rater/roleplay/`",
            "(the same range of kinds, and on Leo's risk turns direct questions in many words, self-harm asked",
            "instead, refusals, leading and mocking questions, secrecy, leaving him alone), each labelled 0-2 by a",
            "rater who never saw the engine, before it was tuned. Each reply is typed at its turn of a good session",
            "(`paths.yaml`) and scored by `grading.turn_points`: 2 heard and skilled (a reflection of this client,",
            "an open question, a silence the client used, a risk question asked directly), 1 heard but weaker, 0",
            "harmful, unreadable, corrected, generic, an echo or answered as a problem.",
            "",
            "| replies | n | kappa | exact | target |",
            "|---|---|---|---|---|",
        ]
        lines += agreement_rows([lab for lab, _ in t.rows], t.kappa, t.exact)
        kinds: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for lab, got in t.rows:
            kinds[lab.kind].append((lab.points, got))
        lines += ["", "Mean points (0-2) by kind of reply:", "", "| kind | n | rater | engine |", "|---|---|---|---|"]
        for kind, pairs in sorted(kinds.items(), key=lambda kv: -sum(r for r, _ in kv[1]) / len(kv[1])):
            lines.append(f"| {kind} | {len(pairs)} | {sum(r for r, _ in pairs) / len(pairs):.2f} "
                         f"| {sum(g for _, g in pairs) / len(pairs):.2f} |")
        lines.append("")
    if a.roleplay:
        lines += [
            "## Gaming the graded role-plays",
            "",
            "Share of all graded role-play points for a session that presses, on every choice turn, the button that",
            "raises rapport most, and types the same junk on every free-text turn:",
            "",
            "| typed on every free-text turn | share | target |",
            "|---|---|---|",
        ]
        for name, share in a.roleplay.items():
            ok_game = share <= ROLEPLAY_TARGETS[name] + 1e-9
            lines.append(f"| {name} | {share:.1%} | <= {ROLEPLAY_TARGETS[name]:.0%}: {MARK[ok_game]} |")
        lines.append("")
    lines += ["## Per item (all replies)", "", "| item | n | kappa | mean rater | mean grader |",
              "|---|---|---|---|---|"]
    for item in items:
        mine = [(lab, got) for lab, got in a.rows if lab.item == item.id]
        if not mine:
            continue
        kap = quadratic_weighted_kappa([half_points(lab.points) for lab, _ in mine],
                                       [half_points(got) for _, got in mine])
        lines.append(f"| {item.id} | {len(mine)} | {kap:.2f} | {sum(lab.points for lab, _ in mine) / len(mine):.2f} "
                     f"| {sum(got for _, got in mine) / len(mine):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rapportkit.rater", description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=Path, default=Path("solutions"), help="the course's solutions/ folder")
    parser.add_argument("--labels", type=Path, default=Path("tests/data/rater/written_replies.csv"))
    parser.add_argument("--turns", type=Path, default=Path("tests/data/rater/roleplay"),
                        help="the role-play turn labels (*.csv) and the paths that reach each turn (paths.yaml)")
    parser.add_argument("--out", type=Path, default=Path("docs/assessment.md"))
    parser.add_argument("--split", choices=("all", "tune", "held"), default=None,
                        help="print the disagreements of this part (tune while tuning; never held)")
    args = parser.parse_args(argv)
    items = written_items(args.solutions)
    if not items:
        parser.error(f"no grading.score_reply test cells under {args.solutions}/")
    result = assess(items, read_labels(args.labels))
    result.roleplay = roleplay_games(roleplay_items(args.solutions))
    if args.turns.is_dir():
        paths = yaml.safe_load((args.turns / "paths.yaml").read_text(encoding="utf-8"))
        result.turns = assess_turns(read_turn_labels(args.turns), paths)
    text = report(result, items)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if args.split:
        for lab, got in result.rows:
            if (args.split == "all" or lab.split == args.split) and abs(lab.points - got) > 0.5:
                print(f"{lab.item} {lab.kind:16} rater {lab.points:g} grader {got:g}: {lab.reply[:110]}")
    return 0 if all(result.passed().values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
