"""Families, suppliers and clients."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.common import created, json_body, lazy_service, no_content, page
from chalicelib.api.doc import Doc, page_of, ref
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import FamilyBody, PartyBody, parse, parse_query
from chalicelib.auth import principal

bp = ApiBlueprint(__name__)
# Loaded with the first request that needs them, not at cold start.
catalog, transfers = lazy_service("catalog"), lazy_service("transfers")


@bp.route("/families", methods=["GET"], doc=Doc("List families", page_of(ref("Family")), query="SearchQuery"))
def list_families() -> dict[str, Any]:
    request = bp.current_request
    families = catalog.list_families(principal(), parse_query("SearchQuery", request).q)
    return page(request, families, lambda f: f.to_json())


@bp.route("/families", methods=["POST"], doc=Doc("Create a family", ref("Family"), 201, body=FamilyBody))
def create_family() -> Response:
    body = parse(FamilyBody, json_body(bp.current_request))
    return created(catalog.create_family(principal(), body.label, body.metal_2093,
                                         body.margin_category or "second_hand").to_json())


@bp.route("/families/{family_id}", methods=["GET"], doc=Doc("One family", ref("Family")))
def get_family(family_id: str) -> dict[str, Any]:
    return catalog.get_family(principal(), family_id).to_json()


@bp.route("/families/{family_id}", methods=["PUT"], doc=Doc("Replace a family", ref("Family"), body=FamilyBody))
def put_family(family_id: str) -> dict[str, Any]:
    body = parse(FamilyBody, json_body(bp.current_request))
    return catalog.update_family(principal(), family_id, body.label, body.metal_2093,
                                 body.margin_category).to_json()


@bp.route("/families/{family_id}", methods=["DELETE"],
          doc=Doc("Delete a family (409 when articles are linked)", None, 204))
def delete_family(family_id: str) -> Response:
    catalog.delete_family(principal(), family_id)
    return no_content()


def _party_routes(kind: str, plural: str) -> None:
    """Suppliers and clients share fields and rules: one set of routes each."""

    def list_parties() -> dict[str, Any]:
        request = bp.current_request
        parties = catalog.list_parties(principal(), kind, parse_query("SearchQuery", request).q)
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

    party = ref("Party")
    # A seller's identity and ID document are the register's: reading them is a consultation.
    sellers = kind == "supplier"
    for view, path, method, doc in (
        (list_parties, f"/{plural}", "GET", Doc(f"List {plural}", page_of(party), query="SearchQuery")),
        (create_party, f"/{plural}", "POST", Doc("Create a party", party, 201, body=PartyBody)),
        (get_party, f"/{plural}/{{party_id}}", "GET", Doc("One party", party)),
        (put_party, f"/{plural}/{{party_id}}", "PUT", Doc("Replace a party", party, body=PartyBody)),
        (delete_party, f"/{plural}/{{party_id}}", "DELETE",
         Doc("Delete a party (409 when articles are linked)", None, 204)),
    ):
        view.__name__ = f"{view.__name__}_{plural}"
        read = {"GET": "suppliers" if path == f"/{plural}" else "supplier:{party_id}"}.get(method) if sellers else None
        bp.route(path, methods=[method], name=f"{view.__name__}", doc=doc, register_read=read)(view)


_party_routes("supplier", "suppliers")
_party_routes("client", "clients")


# Another subscriber's public card (name, address, SIREN) to fill a supplier or client form.
@bp.route("/subscribers/{subscriber_ref}", methods=["GET"],
          doc=Doc("Another subscriber's public card", ref("SubscriberCard")))
def get_subscriber(subscriber_ref: str) -> dict[str, Any]:
    return transfers.company_card(principal(), subscriber_ref)
