"""How long a sealed record stays locked (DOMAIN.md "Legal records"), as pure rules.

The term is counted in *calendar* years from the day of sealing — ten years for the
police register (art. R321-6-1 code pénal) — not in days: 3,650 days fall two or
three leap days short. A record sealed on 2026-12-07 is kept until 2036-12-07 or later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

# Why a record's retention does not hold: code → French explanation for the dealer.
REASONS = {
    "not_compliance": "L'enregistrement n'est pas verrouillé en mode COMPLIANCE.",
    "no_retention": "L'enregistrement n'a aucune date de conservation.",
    "too_short": "La conservation prend fin avant le terme légal.",
}


def add_years(moment: date | datetime, years: int) -> date | datetime:
    """The same calendar day ``years`` later; a 29 February moves to 1 March (never earlier)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a common year
        return moment.replace(year=moment.year + years, month=3, day=1)


def retain_until(sealed_at: datetime, years: int) -> datetime:
    """The retain-until date the sealer sets: the sealing moment, ``years`` calendar years on."""
    moment = sealed_at if sealed_at.tzinfo is not None else sealed_at.replace(tzinfo=UTC)
    shifted = add_years(moment, years)
    assert isinstance(shifted, datetime)
    return shifted


def required_until(sealed_at: datetime, years: int) -> datetime:
    """The least a record must be kept: the start of its sealing day (UTC), ``years`` on."""
    moment = sealed_at if sealed_at.tzinfo is not None else sealed_at.replace(tzinfo=UTC)
    day = add_years(moment.astimezone(UTC).date(), years)
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Problem:
    """A sealed object whose lock does not reach its legal term."""

    chain: str
    rank: int
    number: str | None
    reason: str
    mode: str | None
    retain_until: str | None
    required_until: str

    @property
    def message(self) -> str:
        return REASONS[self.reason]

    def to_json(self) -> dict[str, object]:
        return {"chain": self.chain, "rank": self.rank, "number": self.number, "reason": self.reason,
                "message": self.message, "mode": self.mode, "retain_until": self.retain_until,
                "required_until": self.required_until}


def check(chain: str, rank: int, number: str | None, mode: str | None, until: datetime | None,
          sealed_at: datetime, years: int, expected_mode: str = "COMPLIANCE") -> Problem | None:
    """``None`` when the object is locked in ``expected_mode`` until its legal term or later."""
    required = required_until(sealed_at, years)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    reason = None
    if mode != expected_mode:
        reason = "not_compliance"
    elif until is None:
        reason = "no_retention"
    elif until < required:
        reason = "too_short"
    if reason is None:
        return None
    return Problem(chain, rank, number, reason, mode or None, until.isoformat() if until else None,
                   required.isoformat())
