"""Plain domain objects handed between repositories, services and routes.

No pynamodb model ever leaves the adapters: repositories build these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.profiles import Profile


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    subscriber_ref: str
    settings: dict[str, Any]
    user_count: int
    max_users: int
    training_users: frozenset[str] = frozenset()  # e-mails (lower case) of the users in training mode


@dataclass(frozen=True)
class User:
    tenant_id: str
    id: str
    email: str
    profile: Profile
    first_name: str | None = None
    last_name: str | None = None
    created_at: datetime | None = None
    training: bool = False  # training mode (mode formation): not in to_json, GET /api/me says it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "profile": self.profile.value,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    metal_2093: bool
    margin_category: str = "second_hand"  # second_hand | art | collection_antique (invoice mention)
    # Labels before a rename, oldest first (the sealed register names them; not in to_json).
    former_labels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "metal_2093": self.metal_2093,
                "margin_category": self.margin_category}


@dataclass(frozen=True)
class Party:
    """A supplier or a client (same fields, DOMAIN.md "Parties and families")."""

    id: str
    kind: str  # "supplier" | "client"
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.fields}
