"""Reads look for dead writes sparingly: an article lookup stays one read."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.repositories import pending


def test_reads_look_for_dead_writes_at_most_every_30_seconds_per_tenant(monkeypatch: Any) -> None:
    looked: list[str] = []
    monkeypatch.setattr(pending, "recover", lambda tenant_id: looked.append(tenant_id) or 0)
    monkeypatch.setattr(pending, "_last_read_check", {})
    for tenant, now in (("t1", 1000.0), ("t1", 1010.0), ("t2", 1010.0), ("t1", 1031.0)):
        pending.recover_before_reading(tenant, now)
    assert looked == ["t1", "t2", "t1"]
