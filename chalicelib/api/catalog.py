"""Families, suppliers and clients."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content, page, query_param
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import FamilyBody, PartyBody, parse
from chalicelib.auth import principal
from chalicelib.services import catalog

bp = ApiBlueprint(__name__)
transfers = lazy_service("transfers")


@bp.route("/families", methods=["GET"])
def list_families() -> dict[str, Any]:
    request = bp.current_request
    families = catalog.list_families(principal(), query_param(request, "q"))
    return page(request, families, lambda f: f.to_json())


@bp.route("/families", methods=["POST"])
def create_family() -> Response:
    body = parse(FamilyBody, json_body(bp.current_request))
    return created(catalog.create_family(principal(), body.label, body.metal_2093,
                                         body.margin_category or "second_hand").to_json())


@bp.route("/families/{family_id}", methods=["GET"])
def get_family(family_id: str) -> dict[str, Any]:
    return catalog.get_family(principal(), family_id).to_json()


@bp.route("/families/{family_id}", methods=["PUT"])
def put_family(family_id: str) -> dict[str, Any]:
    body = parse(FamilyBody, json_body(bp.current_request))
    return catalog.update_family(principal(), family_id, body.label, body.metal_2093,
                                 body.margin_category).to_json()


@bp.route("/families/{family_id}", methods=["DELETE"])
def delete_family(family_id: str) -> Response:
    catalog.delete_family(principal(), family_id)
    return no_content()


def _party_routes(kind: str, plural: str) -> None:
    """Suppliers and clients share fields and rules: one set of routes each."""

    def list_parties() -> dict[str, Any]:
        request = bp.current_request
        parties = catalog.list_parties(principal(), kind, query_param(request, "q"))
        return page(request, parties, catalog.party_view)

    def create_party() -> Response:
        body = parse(PartyBody, json_body(bp.current_request))
        party = catalog.create_party(principal(), kind, body.model_dump(mode="json"))
        return created(catalog.party_view(party))

    def get_party(party_id: str) -> dict[str, Any]:
        return catalog.party_view(catalog.get_party(principal(), kind, party_id))

    def put_party(party_id: str) -> dict[str, Any]:
        body = parse(PartyBody, json_body(bp.current_request))
        party = catalog.replace_party(principal(), kind, party_id, body.model_dump(mode="json"))
        return catalog.party_view(party)

    def delete_party(party_id: str) -> Response:
        catalog.delete_party(principal(), kind, party_id)
        return no_content()

    for view, path, method in (
        (list_parties, f"/{plural}", "GET"),
        (create_party, f"/{plural}", "POST"),
        (get_party, f"/{plural}/{{party_id}}", "GET"),
        (put_party, f"/{plural}/{{party_id}}", "PUT"),
        (delete_party, f"/{plural}/{{party_id}}", "DELETE"),
    ):
        view.__name__ = f"{view.__name__}_{plural}"
        bp.route(path, methods=[method], name=f"{view.__name__}")(view)


_party_routes("supplier", "suppliers")
_party_routes("client", "clients")


# Another subscriber's public card (name, address, SIREN) to fill a supplier or client form.
@bp.route("/subscribers/{subscriber_ref}", methods=["GET"])
def get_subscriber(subscriber_ref: str) -> dict[str, Any]:
    return transfers.company_card(principal(), subscriber_ref)
