"""Meeting rules (pure: no database, no Flask).

A meeting type's `config` (shipped in the migration, see DEFAULT_TYPES there):

    {"work_group": "综合统筹组" | null,            # whose regular meeting it is
     "chair_roles": ["lead"],                      # who may chair (and so convene, close, sign off)
     "attendee_roles": ["lead", "operator"],       # invited when the meeting is scheduled
     "cadence": "monthly" | "regular" | "as_needed",
     "deliberates": [                              # the matters it may take up
        {"kind": "subsidy_claim", "tiers": ["deputy"], "gate": true},
        {"kind": "appeal", "tiers": null}]}        # tiers null: whatever the tier

An entry with "gate": true means: an approval of that kind at one of those tiers must wait until
a meeting of this type has resolved the matter as agreed (plan 四、工作保障 三是经费审批)."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

ROLES = {"operator", "reviewer", "lead", "deputy", "commander", "supervisor", "admin"}
CHAIR_ROLES = {"lead", "deputy", "commander"}
CADENCES = {"monthly", "regular", "as_needed"}
SECRETARY_ROLES = frozenset({"operator", "admin"})  # the secretariat: schedules, keeps agenda and attendance
MAX_VOTERS = 500


def _entries(config: dict, kind: str) -> list[dict]:
    return [e for e in config.get("deliberates", []) if e.get("kind") == kind]


def _covers(entry: dict, tier: str | None) -> bool:
    tiers = entry.get("tiers")
    return tiers is None or tier in tiers


def may_deliberate(config: dict, kind: str, tier: str | None) -> bool:
    """The type may take up a matter of this kind at this tier."""
    return any(_covers(e, tier) for e in _entries(config, kind))


def gates(config: dict, kind: str, tier: str | None) -> bool:
    """An approval of this kind at this tier must wait for this type's agreed resolution."""
    return any(e.get("gate") and _covers(e, tier) for e in _entries(config, kind))


def kinds(config: dict) -> list[str]:
    return list(dict.fromkeys(e["kind"] for e in config.get("deliberates", [])))


def chair_roles(config: dict) -> set[str]:
    return set(config.get("chair_roles", []))


def may_chair(config: dict, roles: Iterable[str]) -> bool:
    return bool(chair_roles(config) & {str(r) for r in roles})


def config_problems(config: dict) -> list[str]:
    """What is wrong with a type's config (empty when it is usable)."""
    problems = []
    chairs = config.get("chair_roles")
    if not chairs or not set(chairs) <= CHAIR_ROLES:
        problems.append("chair_roles must name lead, deputy or commander")
    if not set(config.get("attendee_roles", [])) <= ROLES:
        problems.append("attendee_roles names an unknown role")
    if config.get("cadence") not in CADENCES:
        problems.append("cadence must be monthly, regular or as_needed")
    for entry in config.get("deliberates", []):
        if not isinstance(entry.get("kind"), str) or not entry["kind"]:
            problems.append("every deliberates entry needs a kind")
        tiers = entry.get("tiers")
        if tiers is not None and not (isinstance(tiers, list) and set(tiers) <= CHAIR_ROLES):
            problems.append(f"tiers of {entry.get('kind')} must be null or lead/deputy/commander")
        if entry.get("gate") and tiers is None:
            problems.append(f"a gate on {entry.get('kind')} must name its tiers")
    return problems


# --- votes ----------------------------------------------------------------------------------------------

def vote_problem(votes_for: int | None, against: int | None, abstain: int | None, present: int) -> str | None:
    """Why the counts cannot stand ("partial", "negative", "too_many", "no_attendance"), or None.
    Votes are optional, but when used all three counts are given and they add up to at most the
    number of people present."""
    counts = (votes_for, against, abstain)
    if all(c is None for c in counts):
        return None
    if any(c is None for c in counts):
        return "partial"
    if any(not isinstance(c, int) or isinstance(c, bool) for c in counts):
        return "partial"
    if any(c < 0 for c in counts):
        return "negative"
    if present <= 0:
        return "no_attendance"
    if sum(counts) > present:
        return "too_many"
    return None


def covers_amount(agreed: Decimal | None, asked: Decimal | None) -> bool:
    """An agreement for an amount covers that amount or less, never more."""
    if asked is None:
        return True
    return agreed is not None and asked <= agreed
