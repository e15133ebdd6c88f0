"""Role-plays with simulated clients: scenario loader, deterministic engine, transcripts and replay.

```python
from rapportkit.roleplay import open_session, replay
rp = open_session("john", transcript_path="john_transcript.json")  # RolePlay in memory without a path
rp.respond("a")                     # a choice turn: the option id
rp.respond("It sounds like coming here took some courage.")  # a free-text turn
rp.summary()
rp.start_again()                    # keep the transcript as john_transcript.attempt-1.json; play afresh
```
"""

from rapportkit.roleplay.engine import RolePlay, TurnResult, base_change, is_silence
from rapportkit.roleplay.loader import (
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    load_scenarios,
    parse_scenario,
    scenario_names,
)
from rapportkit.roleplay.summary import INTAKE_IDS, INTAKE_LABELS, SessionSummary, summarise
from rapportkit.roleplay.transcript import (
    RecordedRolePlay,
    TranscriptError,
    archive_transcript,
    is_kept_attempt,
    kept_attempts,
    load_transcript,
    open_session,
    replay,
    save_transcript,
    verify_transcript,
)

__all__ = [
    "INTAKE_IDS",
    "INTAKE_LABELS",
    "Problem",
    "RecordedRolePlay",
    "RolePlay",
    "Scenario",
    "ScenarioError",
    "SessionSummary",
    "TranscriptError",
    "TurnResult",
    "archive_transcript",
    "base_change",
    "is_kept_attempt",
    "is_silence",
    "kept_attempts",
    "load_scenario",
    "load_scenarios",
    "load_transcript",
    "open_session",
    "parse_scenario",
    "replay",
    "save_transcript",
    "scenario_names",
    "summarise",
    "verify_transcript",
]
