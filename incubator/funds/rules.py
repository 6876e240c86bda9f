"""The special fund's rules as data (SPEC §6): the city bureau funds at most `max_city_phases`
phases of at most `phase_cap` yuan each, and the committee matches at least `matching_ratio`
times the city's money. Pure functions: Decimal in, Decimal out."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ..leases.rules import to_fen

DEFAULT_PROGRAM_CONFIG: dict = {"phase_cap": "10000000", "max_city_phases": 3, "matching_ratio": "1"}
MAX_PHASES = 10  # a sanity bound for the config form; the plan has 3
MAX_RATIO = Decimal("100")
LOW_SHARE = Decimal("0.10")  # a pool with less than this share of its money left is running low


def _decimal(value) -> Decimal | None:
    if isinstance(value, float | bool) or value is None:
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def config_problems(config) -> dict[str, str]:
    """setting → what is wrong with it ("" for the config as a whole); empty when it can be saved."""
    if not isinstance(config, dict):
        return {"": _("The fund settings are missing.")}
    problems = {}
    unknown = sorted(set(config) - set(DEFAULT_PROGRAM_CONFIG))
    if unknown:
        problems[""] = _("Unknown fund settings: %(keys)s.", keys=", ".join(map(str, unknown)))
    cap = _decimal(config.get("phase_cap"))
    if cap is None or cap <= 0 or cap != to_fen(cap) or cap >= Decimal("1e12"):
        problems["phase_cap"] = _("The cap per city phase must be an amount above zero with at most two decimals.")
    phases = config.get("max_city_phases")
    if isinstance(phases, bool) or not isinstance(phases, int) or not 1 <= phases <= MAX_PHASES:
        problems["max_city_phases"] = _("The number of city phases must be a whole number from 1 to %(n)s.",
                                        n=MAX_PHASES)
    ratio = _decimal(config.get("matching_ratio"))
    if ratio is None or not 0 <= ratio <= MAX_RATIO or ratio != ratio.quantize(Decimal("0.01")):
        problems["matching_ratio"] = _("The matching ratio must be a number from 0 to %(max)s with at most two "
                                       "decimals.", max=MAX_RATIO)
    return problems


def validate_config(config) -> list[str]:
    """What is wrong with a programme's config, as messages for the form (empty when it can be saved)."""
    return list(config_problems(config).values())


def phase_cap(config: dict) -> Decimal:
    return Decimal(str(config["phase_cap"]))


def city_phase_allowed(config: dict, phase: int) -> bool:
    """City phases are numbered 1..max_city_phases; with one pool per (source, phase) that also
    bounds how many there can be."""
    return 1 <= phase <= int(config["max_city_phases"])


def within_phase_cap(config: dict, allocated: Decimal) -> bool:
    return allocated <= phase_cap(config)


@dataclass(frozen=True)
class Matching:
    ratio: Decimal
    city: Decimal  # allocated by the city, all phases
    committee: Decimal  # allocated by the committee
    required: Decimal  # ratio × city

    @property
    def met(self) -> bool:
        return self.committee >= self.required

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.committee, Decimal("0.00"))


def matching(config: dict, city: Decimal, committee: Decimal) -> Matching:
    """Whether the committee's money matches the city's. A shortfall is reported, never enforced:
    the committee's tranche often arrives after the city's phase, and refusing to record the
    city's money meanwhile would only make the books wrong."""
    ratio = Decimal(str(config["matching_ratio"]))
    return Matching(ratio, city, committee, to_fen(city * ratio))


def remaining(allocated: Decimal, committed: Decimal, paid: Decimal, returned: Decimal) -> Decimal:
    return allocated - committed - paid + returned


def running_low(allocated: Decimal, left: Decimal) -> bool:
    return allocated > 0 and left < allocated * LOW_SHARE


def use_shares(allocated: Decimal, committed: Decimal, paid: Decimal, returned: Decimal) -> tuple[Decimal, Decimal]:
    """(paid net of returns, committed) as percentages of the allocation, for the use bar."""
    if allocated <= 0:
        return Decimal("0"), Decimal("0")
    pct = Decimal("100") / allocated
    return ((paid - returned) * pct).quantize(Decimal("0.1")), (committed * pct).quantize(Decimal("0.1"))
