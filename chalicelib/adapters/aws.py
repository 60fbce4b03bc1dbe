"""Lazy, cached AWS clients: nothing is built at import (import time is cold start)."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.adapters.models import ALL_MODELS, bind_models
from chalicelib.config import get_settings, on_reset

# One botocore session and one client per service for the whole process, built once under
# a lock: a client reads its service model from disk (~20 ms of CPU), and botocore's session
# is not safe to share while it builds one. Clients themselves are thread-safe.
_lock = threading.RLock()
_clients: dict[str, Any] = {}
_session: list[Any] = []
# pynamodb's defaults, kept: 3 retries of a failed call; a pool for the local server's threads.
_DYNAMODB_CONFIG = {"parameter_validation": False, "max_pool_connections": 50, "connect_timeout": 15,
                    "read_timeout": 30, "retries": {"total_max_attempts": 4, "mode": "standard"}}
# S3: a connection for each PutObject the sealer has in flight (services/sealing.PUT_THREADS;
# botocore keeps 10 by default and drops, then reopens, the others).
_S3_CONFIG = {"max_pool_connections": 64}


def _boto3_session() -> Any:
    """The one boto3 session (on the one botocore session), built under the lock."""
    if not _session:
        import boto3  # imported here: boto3 costs ~100 ms of cold start

        _session.append(boto3.session.Session())
    return _session[0]


def _botocore_session() -> Any:
    return _boto3_session()._session


def client(service: str) -> Any:
    """The process's client for ``service`` (boto3's, for the SDK's resource-free calls)."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            settings = get_settings()
            extra: dict[str, Any] = {}
            if service == "s3":
                import botocore.config

                extra["config"] = botocore.config.Config(**_S3_CONFIG)
            _clients[service] = _boto3_session().client(service, region_name=settings.region,
                                                        endpoint_url=settings.aws_endpoint_url, **extra)
        return _clients[service]


def aware_iso(value: Any) -> Any:
    """``value`` read as an ISO 8601 timestamp with its offset (what S3 lists: the quick path,
    here and in the local stand-in's serializer), or None for anything else."""
    from datetime import datetime

    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return None
        if found.tzinfo is not None:
            return found
    return None


def _iso_timestamp(value: Any) -> Any:
    """An ISO 8601 timestamp with its offset; anything else as botocore parses it."""
    from botocore.utils import parse_timestamp

    found = aware_iso(value)
    return found if found is not None else parse_timestamp(value)


# Scalar member types an XML structure's fast path reads itself (as botocore's handlers do).
_XML_SCALARS = {"string": lambda parser, text: text, "boolean": lambda parser, text: text == "true",
                "integer": lambda parser, text: int(text), "long": lambda parser, text: int(text),
                "timestamp": lambda parser, text: parser._timestamp_parser(text)}


def _listing_parser_factory() -> Any:
    from botocore.parsers import RestXMLParser

    class ListingParser(RestXMLParser):
        """A structure whose elements are scalars or structures (a listing's versions, their
        owner), each present once, read in one pass over its children; any other (a list, a
        repeated or unknown element, an attribute) as botocore reads it."""

        def _handle_structure(self, shape: Any, node: Any) -> Any:
            members = _xml_members(shape)
            if members is None or isinstance(node, list) or node.attrib:
                return super()._handle_structure(shape, node)
            parsed: dict[str, Any] = {}
            for child in node:
                found = members.get(child.tag.rpartition("}")[2])  # the tag without its namespace
                if found is None or found[0] in parsed:
                    return super()._handle_structure(shape, node)
                name, member = found
                if member.type_name == "structure":
                    parsed[name] = self._handle_structure(member, child)
                elif member.type_name in _XML_SCALARS:
                    parsed[name] = _XML_SCALARS[member.type_name](self, child.text or "")
                else:  # a list, a map, a blob...
                    return super()._handle_structure(shape, node)
            return parsed

    return _parser_factory("rest-xml", ListingParser)


_xml_shapes: dict[int, Any] = {}


def _xml_members(shape: Any) -> dict[str, tuple[str, Any]] | None:
    """``{xml name: (member name, member shape)}`` of a structure whose members are all
    elements of the body (no header, attribute or namespace), else ``None``. Kept per shape."""
    key = id(shape)
    if key not in _xml_shapes:
        members: dict[str, tuple[str, Any]] | None = {}
        if shape.metadata.get("exception") or shape.is_document_type or getattr(shape, "is_tagged_union", False):
            members = None
        for name, member in shape.members.items():
            if members is None:
                break
            if member.serialization.get("location") or member.serialization.get("xmlAttribute") \
                    or member.serialization.get("xmlNamespace"):
                members = None
                break
            members[member.serialization.get("name", name)] = (name, member)
        _xml_shapes[key] = (shape, members)  # the shape kept: its id stays its own
    return _xml_shapes[key][1]  # type: ignore[no-any-return]


def listing_client(service: str) -> Any:
    """A client of ``service`` that parses timestamps with ``datetime.fromisoformat``, and
    structures of scalars (each version of a version listing) in one pass.

    botocore parses each timestamp with dateutil (~0.1 ms): a third of the CPU of listing a
    10,000-record chain's versions (every version has its LastModified); and it looks each
    of a structure's members up by name in a dict it builds per element: ~0.4 s for that
    listing, ~0.05 s here. The parser is a botocore session's component, so this client has
    a session of its own (built once).
    """
    name = f"listing:{service}"
    found = _clients.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _clients:
            import botocore.session

            settings = get_settings()
            factory = _listing_parser_factory()
            factory.set_parser_defaults(timestamp_parser=_iso_timestamp)
            session = botocore.session.Session()
            session.register_component("response_parser_factory", factory)
            _clients[name] = session.create_client(service, settings.region, endpoint_url=settings.aws_endpoint_url)
        return _clients[name]


def _wire_items_parser_factory() -> Any:
    from botocore.parsers import JSONParser

    class WireItemsParser(JSONParser):
        """Query and Scan pages' ``Items`` left as DynamoDB sends them (``{"S": ...}``); the
        rest of the page (``LastEvaluatedKey``, counts) and every other answer parsed as
        botocore parses it."""

        def _handle_json_body(self, raw_body: Any, shape: Any) -> Any:
            if shape is None or shape.name not in ("QueryOutput", "ScanOutput"):
                return super()._handle_json_body(raw_body, shape)
            parsed_json = self._parse_body_as_json(raw_body)
            items = parsed_json.pop("Items", None)
            parsed = self._parse_shape(shape, parsed_json)
            if items is not None:
                parsed["Items"] = items
            return parsed

    return _parser_factory("json", WireItemsParser)


def _parser_factory(protocol: str, parser: Any) -> Any:
    """botocore's response parser factory, with ``parser`` for the responses of ``protocol``."""
    from botocore.parsers import ResponseParserFactory

    class Factory(ResponseParserFactory):  # type: ignore[misc]
        def create_parser(self, protocol_name: str) -> Any:
            if protocol_name == protocol:
                return parser(**self._defaults)
            return super().create_parser(protocol_name)

    return Factory()


def wire_dynamodb_client() -> Any:
    """A DynamoDB client whose Query and Scan pages keep their items in DynamoDB's JSON.

    botocore walks the model's shapes for every attribute of every item it parses (~0.3 ms an
    item of 5 attributes): most of the client's CPU when a verification reads 40,000 lots,
    articles and index items. Here a page's items are the JSON DynamoDB sent, as is: the same
    values as botocore's for strings, numbers, booleans, lists and maps; a binary stays its
    base64 text (the lean reads of ``repositories/verification.py`` read none). A session of
    its own (the parser is a session's component), built once.
    """
    found = _clients.get("wire:dynamodb")
    if found is not None:
        return found
    with _lock:
        if "wire:dynamodb" not in _clients:
            import botocore.client
            import botocore.session

            settings = get_settings()
            session = botocore.session.Session()
            session.register_component("response_parser_factory", _wire_items_parser_factory())
            _clients["wire:dynamodb"] = session.create_client(
                "dynamodb", settings.region, endpoint_url=settings.aws_endpoint_url,
                config=botocore.client.Config(**_DYNAMODB_CONFIG))
        return _clients["wire:dynamodb"]


def dynamodb_client() -> Any:
    """The one botocore DynamoDB client every pynamodb model and transaction goes through."""
    found = _clients.get("pynamodb")
    if found is not None:
        return found
    with _lock:
        if "pynamodb" not in _clients:
            import botocore.client

            settings = get_settings()
            _clients["pynamodb"] = _botocore_session().create_client(
                "dynamodb", settings.region, endpoint_url=settings.aws_endpoint_url,
                config=botocore.client.Config(**_DYNAMODB_CONFIG))
        return _clients["pynamodb"]


def share_client(connection: Any) -> Any:
    """Give a pynamodb ``Connection`` the process's client instead of one of its own."""
    connection._client = dynamodb_client()
    return connection


_bound = False


def ensure_models_bound() -> None:
    """Bind the pynamodb models to this deployment's tables, once, on the shared client."""
    global _bound
    if _bound:
        return
    with _lock:
        if not _bound:
            settings = get_settings()
            bind_models(settings.table_prefix, settings.region, settings.aws_endpoint_url)
            for model in ALL_MODELS:
                share_client(model._get_connection().connection)
            _bound = True


def reset_clients() -> None:
    global _bound
    with _lock:
        _clients.clear()
        _bound = False


on_reset(reset_clients)  # reset_settings() forgets the clients built from the settings

# What AWS answers when a table, a bucket or an API is over its rate (after the SDK's own
# retries), and when two transactions touch one item at the same moment.
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottlingError",
    "RequestLimitExceeded", "TooManyRequestsException", "SlowDown", "RequestThrottled",
})
CONFLICT_CODES = frozenset({"TransactionConflict", "TransactionConflictException", "TransactionInProgressException"})


def error_codes(exc: BaseException) -> set[str]:
    """Every AWS error code behind ``exc``: botocore's, pynamodb's causes, a transaction's reasons."""
    codes: set[str] = set()
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        response = getattr(current, "response", None)
        if isinstance(response, dict):
            codes.add(str(response.get("Error", {}).get("Code") or ""))
        codes.add(str(getattr(current, "cause_response_code", None) or ""))
        for reason in getattr(current, "cancellation_reasons", None) or []:
            codes.add(str(getattr(reason, "code", None) or ""))
        cause = getattr(current, "cause", None)
        context = None if current.__suppress_context__ else current.__context__
        todo += [cause if isinstance(cause, BaseException) else None, current.__cause__, context]
    codes.discard("")
    return codes
