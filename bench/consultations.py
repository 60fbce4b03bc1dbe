"""The consultation log's list with a year of reads (issue 18): ``GET /api/compliance/consultations``.

Every lot page view is a consultation, so a year is tens of thousands of index items.
The list used to read the whole chain's index on every call; it now reads it newest
first and stops a day before ``from`` (``services/compliance.newest_first``), and
without a filter reads the head's count and the page's ranks only.

    python -m bench consultations [COUNT]

The index items are written directly (as the sealer writes them, without the vault:
the list never reads the vault), spread evenly over the last 365 days.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench._inprocess import RequestCounter, moto_account, new_tenant, timed

PARIS = ZoneInfo("Europe/Paris")


def seed_consultations(tenant_id: str, count: int, days: int, now: datetime | None = None,
                       chain: str = "consultation") -> list[str]:
    """``count`` index items of the tenant's ``consultation`` chain (or ``chain``) and its head,
    the records spread evenly over the last ``days`` days, oldest first; returns their ``at``
    times (each sealed a second later)."""
    from chalicelib.adapters.aws import ensure_models_bound
    from chalicelib.adapters.models import ChainHeadModel, SealedRecordModel
    from chalicelib.adapters.repositories import sealed_records

    ensure_models_bound()
    now = now or datetime.now(UTC)
    step = timedelta(days=days) / max(count, 1)
    times: list[str] = []
    previous = "0" * 64
    with SealedRecordModel.batch_write() as batch:
        for rank in range(1, count + 1):
            at = now - timedelta(days=days) + step * rank
            sha = f"{rank:064x}"
            times.append(at.isoformat())
            summary: dict[str, Any] = {"at": at.isoformat(), "who": "gerant@example.fr", "what": f"lot:26{rank:05d}",
                                       "purpose": "Gestion courante", "inspector": None, "inspector_service": None,
                                       "access": None, "refused": None}
            batch.save(sealed_records._entry_item(sealed_records.Entry(
                tenant_id, chain, rank, f"seq-{rank:08d}", chain, str(rank), summary["what"],
                (at + timedelta(seconds=1)).isoformat(), sha, previous, "vault", f"{tenant_id}/{chain}/{rank}",
                "v1", "COMPLIANCE", (at + timedelta(days=3653)).isoformat(), summary)))
            previous = sha
    ChainHeadModel(tenant_id, chain, reserved=count, sealed=count, sha256=previous, pending=None,
                   updated_at=now).save()
    return times


def _before(who: Any, filters: dict[str, date], page: int, size: int) -> tuple[list[Any], int]:
    """The list as it was: the whole index, reversed, filtered, then the page cut."""
    from chalicelib.adapters.repositories import sealed_records
    from chalicelib.domain import audit
    from chalicelib.services.compliance import item_view

    entries = sealed_records.chain_entries(who.tenant_id, "consultation")
    found = [item_view(e) for e in reversed(entries)
             if audit.read_in_period((e.summary or {}).get("at") or e.sealed_at, filters.get("from"),
                                     filters.get("to"))]
    return found[(page - 1) * size:page * size], len(found)


def _after(who: Any, filters: dict[str, date], page: int, size: int) -> tuple[list[Any], int]:
    from chalicelib.services import compliance

    return compliance.consultations(who, filters, page, size)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with moto_account():
        who = new_tenant()
        with timed() as seeding:
            seed_consultations(who.tenant_id, count, 365)
        print(f"{count} consultation index items over 365 days written in {seeding['seconds']:.1f} s")
        today = datetime.now(PARIS).date()
        cases = {
            "no filter, page 1 of 50": ({}, 1),
            "no filter, page 20 of 50": ({}, 20),
            "last 30 days (the screen's default), page 1": ({"from": today - timedelta(days=30)}, 1),
            "one day, 60 days ago": ({"from": today - timedelta(days=60), "to": today - timedelta(days=60)}, 1),
        }
        for label, (filters, page) in cases.items():
            answers = []
            for name, listing in (("before", _before), ("after", _after)):
                counter = RequestCounter()
                with counter.counting(), timed() as took:
                    items, total = listing(who, filters, page, 50)
                answers.append(([i["rank"] for i in items], total))
                read = sum(n for n, _ in counter.reads)
                print(f"{label:<45} {name:>6}: {took['seconds']:.3f} s, {counter.total} requests "
                      f"{dict(counter.calls)}, {read} index items read, total {total}")
            assert answers[0] == answers[1], (label, answers)


if __name__ == "__main__":
    main()
