"""The scheduled cash-register closings: each finished day, month and year with tickets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.adapters.repositories import closings as closings_repo
from chalicelib.adapters.repositories import sales as sales_repo
from chalicelib.domain import closings
from chalicelib.domain.records import JournalEntry
from chalicelib.domain.sales import REGISTER
from chalicelib.observability import logger
from chalicelib.services import audit

PARIS = ZoneInfo("Europe/Paris")


def _tickets(tenant_id: str) -> list[closings.Ticket]:
    """Every ticket of the register: sales, and refunds (one ticket may cover several notes)."""
    by_number: dict[str, list[closings.Ticket]] = {}
    for sale in sales_repo.list_sales(tenant_id):
        ticket = closings.ticket_of(sale)
        if ticket is not None:
            by_number.setdefault(ticket.number, []).append(ticket)
    return [closings.merge(group) for group in by_number.values()]


def close_tenant(tenant_id: str, today: date | None = None) -> list[str]:
    """Seal the closings that are due; returns their numbers. Safe to run again."""
    today = today or datetime.now(UTC).astimezone(PARIS).date()
    done = closings_repo.closing_markers(tenant_id)
    made = []
    for closing in closings.due(_tickets(tenant_id), REGISTER, done, today):
        journal = JournalEntry("closing", closing["closing_number"], closing)
        key = closings.marker(REGISTER, closing["kind"], closing["period"])
        # a daily closing's high-water mark tells later runs which tickets it held
        state = {"issued_up_to": closing["issued_up_to"]} if closing.get("issued_up_to") else None
        if closings_repo.record_closing(tenant_id, key, journal, state):
            made.append(closing["closing_number"])
            audit.record_event(tenant_id, "closing", user=None, details={
                k: closing.get(k) for k in ("closing_number", "kind", "period", "tickets", "period_total")})
        else:  # closed meanwhile by another run: what follows was computed without it
            break
    try:  # each closed month and year gets its fiscal archive, once (a missed start is caught up next run)
        from chalicelib.services import fiscal_archives

        fiscal_archives.archive_closed_periods(tenant_id)
    except Exception:  # noqa: BLE001 - the closings are sealed; the archive starts again on the next run
        logger.exception("fiscal archive start failed", extra={"tenant_id": tenant_id})
    return made


def close_all() -> dict[str, Any]:
    """The nightly job, for every tenant that has sealed records (receipts among them)."""
    from chalicelib.adapters.repositories.chain_heads import tenants_with_chains

    closed, failed = 0, []
    for tenant_id in tenants_with_chains():
        try:
            closed += len(close_tenant(tenant_id))
        except Exception:  # noqa: BLE001 - one tenant's failure must not stop the others
            logger.exception("closing failed", extra={"tenant_id": tenant_id})
            failed.append(tenant_id)
    if failed:
        raise RuntimeError(f"closings failed for {len(failed)} tenant(s)")
    return {"closings": closed}
