"""Fixes to moto 5.2.5's DynamoDB and S3, for the local stack, the tests and the
benchmarks. Guarded by ``tests/functional/test_moto_fixes.py``.

1. Fidelity: moto applies each item of a transaction as it goes and rolls back
   by swapping whole tables, so the stream (and the Lambda behind it) has
   already seen the writes of a transaction that is then cancelled. Real
   DynamoDB streams only ever show committed transactions. Here every condition
   is checked first and nothing is written unless all of them hold.
2. Cost: moto deep-copies the whole table once per item of the transaction for
   that rollback: a 100-item transaction on a 2,000-article table copies
   200,000 items. Here only the items the transaction touches are kept aside.
3. Stream records handed to Lambda: moto keeps a binary attribute (the
   journal's gzip ``payload``) as raw bytes in its stream records and then fails
   to JSON-encode the Lambda event — a 500 for the write itself. AWS delivers
   binaries base64-encoded; here they are, for the Lambda event only (the
   streams API's own responses are left as moto makes them).

4. Cost: moto's JSON response serializer walks the ten members of DynamoDB's
   ``AttributeValue`` union for every attribute of every item it returns, about
   4 ms per item: a query returning 10,000 items took 40 s. Items are already
   held in wire format, so an item map made only of JSON values is passed
   through as is (anything else, such as raw bytes, still goes the long way).

5. Atomicity: moto's server handles requests on many threads and checks a
   condition then writes without a lock, so two transactions selling the same
   article at the same moment both succeeded. DynamoDB's writes (put, update,
   delete, transactions) are serialized here by one lock; the stream records
   they produce reach Lambda only once the lock is released, because the
   handler (the sealer) writes to DynamoDB itself and would wait for it.

6. S3 presigned POST uploads (the browser's media uploads): moto stores whatever
   the form carries and never reads its policy, so a 300 MB "image", another
   Content-Type or another key all went through. Here the ``policy`` field is
   decoded and enforced as S3 does before anything is stored: expiration, every
   ``eq`` / ``starts-with`` condition (key, Content-Type, bucket, x-amz-*...),
   ``content-length-range`` on the file, and no form field left uncovered by a
   condition. A refusal is S3's XML error (403 AccessDenied, 400 EntityTooLarge /
   EntityTooSmall / InvalidPolicyDocument); nothing is stored and no notification
   is sent. Signatures are not checked (moto checks none).

7. Cost: moto's Query lists and sorts the whole table on every page. The query
   path in ``moto_query.py`` reads only the partition (base table and each index
   kept sorted by partition, rebuilt lazily after a write), with the same results.

8. Cost: moto's ``Item.project`` converts the whole item to JSON and back once per
   projected attribute; a projection of top-level attributes copies just those
   (``moto_projection.py``).

9. Cost: moto's server finds each request's backend under one lock shared by every
   request, listing moto's package directory (~170 ``isdir`` calls) and trying its 183
   URL patterns each time: 0.65 ms alone, much longer once the GIL is shared with 10
   tills, and 34 % of the request threads' samples in a load run were waiting on that
   lock. The answer depends only on the host name it is asked about, so it is kept.

10. Cost: moto's S3 ``list_object_versions`` deep-copies every version of the whole
    bucket, bodies included, on every page: 3 s a page beside a 10,000-record chain.
    Only the prefix's keys are handed to moto's code, as shallow copies
    (``moto_versions.py``).

11. Cost: moto measures an item's size through five type checks per attribute, and its
    S3 serializer parses each timestamp it writes back with dateutil (~0.1 ms a version
    in a listing). Items of scalars are measured directly, ISO 8601 timestamps read by
    ``datetime.fromisoformat`` (``moto_scalars.py``).

12. Cost: moto lexes a condition expression character by character, building each
    token pattern again, two or three times per item of a transaction (validation, the
    check, the write): half the CPU of a closure's conditional deletions. The tokens
    depend only on the expression's text and are immutable tuples, so they are kept per
    text (the values stay out of it: ``:v0`` placeholders).

13. Cost: moto serializes a version listing's page by walking the model's shapes for every
    member of every version, then writes the XML through xmltodict: about two thirds of a
    listing's CPU. The ``<Version>`` and ``<DeleteMarker>`` elements are written directly,
    in moto's order, escaping and timestamp format; the rest of the page is moto's
    (``moto_listing.py``). Fix 7's query also no longer deep-copies every item of a page
    it projects (moto hands it an always-true filter, ``OpDefault``, when there is none),
    nor measures the rest of the partition after a key condition's run when nothing
    matched (a prefix no item has: DynamoDB reads only the matching items); fix 10 hands
    a page only the keys it can reach; fix 11 turns scalar items into JSON directly.

Everything else (errors, their order, ``ReturnValuesOnConditionCheckFailure``)
behaves as moto's own code.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import moto

from infrastructure.local import moto_scalars

EXPECTED_MOTO = "5.2.5"
_applied = False


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    planned: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = []
    errors: list[Any] = []
    for item in transact_items:
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        original_item = None
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            marker = (str(table_name), str(dict(sorted(key.items()))))
            if marker in seen:
                raise MultipleTransactionsException()
            seen.add(marker)
            current = self.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                check = get_filter_expression(condition, op.get("ExpressionAttributeNames"),
                                          op.get("ExpressionAttributeValues"))
                if not check.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            planned.append((op_type, op, table_name, key))
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as exc:
            errors.append(("ConditionalCheckFailed", str(exc.message), original_item))
        except Exception as exc:  # noqa: BLE001 - moto reports any failure per item
            errors.append((type(exc).__name__, str(exc), original_item))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Every condition holds: apply, keeping aside what is overwritten in case an
    # update expression turns out invalid halfway (moto validates it late).
    undo: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, table_name, key in planned:
            before = self.get_item(table_name, key)
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names, expression_attribute_values=values)
            else:
                continue
            undo.append((table_name, key, copy.deepcopy(before)))
    except Exception:
        for table_name, key, before in reversed(undo):
            if before is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, before.to_json()["Attributes"])
        raise


def _base64_bytes(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _base64_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_base64_bytes(v) for v in value]
    return value


class _Base64Binaries:
    """A stream record as Lambda receives it: binaries in base64."""

    def __init__(self, record: Any) -> None:
        self._record = record

    def to_json(self) -> dict[str, Any]:
        data = self._record.to_json()
        return {**data, "dynamodb": _base64_bytes(data["dynamodb"])}


def _wire_ready(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _wire_ready(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_wire_ready(v) for v in value)
    return value is None or isinstance(value, (str, bool))


def _fast_attribute_maps(original: Any) -> Any:
    def serialize_map(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if getattr(shape.value, "name", None) == "AttributeValue" and (moto_scalars.plain(value)
                                                                      or _wire_ready(value)):
            self._default_serialize(serialized, dict(value), shape, key)
            return
        original(self, serialized, value, shape, key)

    return serialize_map


_write_lock = threading.RLock()
_this_thread = threading.local()
# Called with the write lock held, once per outermost write: the local stack's
# journal numbers DynamoDB writes in the order they are applied (journal.py).
_write_locked_hooks: list[Any] = []


def on_write_locked(hook: Any) -> None:
    if hook not in _write_locked_hooks:
        _write_locked_hooks.append(hook)


def _serialized(write: Any) -> Any:
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        outermost = not getattr(_this_thread, "depth", 0)
        with _write_lock:
            if outermost:
                for hook in _write_locked_hooks:
                    hook()
            _this_thread.depth = getattr(_this_thread, "depth", 0) + 1
            try:
                result = write(self, *args, **kwargs)
            finally:
                _this_thread.depth -= 1
                if outermost:
                    deferred, _this_thread.deferred = getattr(_this_thread, "deferred", []), []
        # the lock is free: deliver what the write streamed
        if outermost:
            for deliver in deferred:
                deliver()
        return result

    return locked


def _deferred_while_writing(send: Any) -> Any:
    def send_later(self: Any, function_arn: str, items: list[Any], source: str) -> Any:
        if not getattr(_this_thread, "depth", 0):
            return send(self, function_arn, items, source)
        batch = list(items)
        _this_thread.deferred = [*getattr(_this_thread, "deferred", []),
                                 lambda: send(self, function_arn, batch, source)]
        return b"deferred"  # truthy: the shard hands these records over, as after a delivery

    return send_later


# Form fields a POST policy need not name (S3's rule: the signature, the file, the policy
# itself and x-ignore-* fields).
_POLICY_EXEMPT = {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"}


def _s3_error(status: int, code: str, message: str, **extra: Any) -> tuple[int, dict[str, str], bytes]:
    more = "".join(f"<{k}>{xml_escape(str(v))}</{k}>" for k, v in extra.items())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{xml_escape(message)}</Message>{more}"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>moto</HostId></Error>")
    return status, {"Content-Type": "application/xml"}, body.encode()


def _policy_expired(expiration: Any) -> bool | None:
    """True/False, or None when the date cannot be read."""
    try:
        moment = datetime.fromisoformat(str(expiration).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment <= datetime.now(UTC)


def _is_triple(condition: Any) -> bool:
    return isinstance(condition, list) and len(condition) == 3


def post_policy_refusal(form: dict[str, str], bucket_name: str, size: int) -> tuple[int, dict[str, str], bytes] | None:
    """S3's answer to a form upload its policy does not allow, or None when it does."""
    fields = {name.lower(): value for name, value in form.items()}
    if "policy" not in fields:
        return None  # not a presigned upload: left to moto
    try:
        policy = json.loads(base64.b64decode(fields["policy"], validate=True))
        conditions = policy["conditions"]
        if not isinstance(conditions, list):
            raise TypeError("conditions")
    except (binascii.Error, ValueError, KeyError, TypeError):
        return _s3_error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    expired = _policy_expired(policy.get("expiration"))
    if expired is None:
        return _s3_error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.")
    if expired:
        return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {**fields, "bucket": bucket_name}
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            checks = [("eq", name, expected) for name, expected in condition.items()]
        elif _is_triple(condition) and str(condition[0]).lower() == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                return _s3_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                                 ProposedSize=size, MaxSizeAllowed=high)
            if size < low:
                return _s3_error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                                 ProposedSize=size, MinSizeAllowed=low)
            continue
        elif _is_triple(condition) and str(condition[1]).startswith("$"):
            checks = [(str(condition[0]).lower(), str(condition[1])[1:], condition[2])]
        else:
            return _s3_error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {condition!r}")
        for operator, name, expected in checks:
            actual = values.get(name.lower())
            holds = (actual == str(expected) if operator == "eq"
                     else actual is not None and actual.startswith(str(expected)) if operator == "starts-with"
                     else False)
            if not holds:
                shown = json.dumps([operator, f"${name}", expected])
                return _s3_error(403, "AccessDenied",
                                 f"Invalid according to Policy: Policy Condition failed: {shown}")
            covered.add(name.lower())
    extra = sorted(name for name in fields
                   if name not in covered and name not in _POLICY_EXEMPT and not name.startswith("x-ignore-"))
    if extra:
        return _s3_error(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}")
    return None


def _enforced_post_policy(original: Any) -> Any:
    def bucket_response_post(self: Any, request: Any, bucket_name: str) -> Any:
        if request.headers.get("Content-Length") and not self.is_delete_keys():
            body = self.body if isinstance(self.body, (bytes, bytearray)) else str(self.body or "").encode()
            refusal = post_policy_refusal(dict(self.form_data.items()), bucket_name, len(body))
            if refusal is not None:
                return refusal
        return original(self, request, bucket_name)

    return bucket_response_post


def _backend_kept_per_host(original: Any) -> Any:
    """9. ``get_backend_for_host`` answered once per host (called under the dispatcher's lock)."""
    def get_backend_for_host(self: Any, host: str | None) -> Any:
        known: dict[str | None, Any] = self.__dict__.setdefault("_lotbook_backend_by_host", {})
        if host not in known:
            known[host] = original(self, host)
        return known[host]

    return get_backend_for_host


def _lexed_once(original: Any) -> Any:
    """Fix 12: a condition expression's tokens, lexed once per text."""
    known: dict[str, tuple[Any, ...]] = {}

    def lex(self: Any) -> Any:
        from collections import deque

        text = self.condition_expression
        tokens = known.get(text)
        if tokens is None:
            tokens = tuple(original(self))
            if len(known) < 10_000:  # expressions are few (placeholders); never grow without bound
                known[text] = tokens
        return deque(tokens)

    return lex


def apply() -> None:
    """Install the fixes once; refuse a moto they were not written for."""
    global _applied
    if _applied:
        return
    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"infrastructure/local/moto_fixes.py was written for moto {EXPECTED_MOTO}, found "
            f"{moto.__version__}: check whether moto still needs it, then update EXPECTED_MOTO.")
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    from moto.dynamodb.comparisons import ConditionExpressionParser

    ConditionExpressionParser._lex_condition_expression = _lexed_once(  # type: ignore[method-assign]
        ConditionExpressionParser._lex_condition_expression)  # 12. tokens once per expression
    original_send = LambdaBackend.send_dynamodb_items

    def send_dynamodb_items(self: Any, function_arn: str, items: list[Any], source: str) -> Any:
        return original_send(self, function_arn, [_Base64Binaries(i) for i in items], source)

    LambdaBackend.send_dynamodb_items = _deferred_while_writing(send_dynamodb_items)  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    from moto.core.serialize import BaseJSONSerializer

    BaseJSONSerializer._serialize_type_map = _fast_attribute_maps(  # type: ignore[method-assign]
        BaseJSONSerializer._serialize_type_map)
    from moto.s3.responses import S3Response

    S3Response._bucket_response_post = _enforced_post_policy(  # type: ignore[method-assign]
        S3Response._bucket_response_post)
    from infrastructure.local import moto_listing, moto_projection, moto_query, moto_scalars, moto_versions

    moto_query.apply()
    moto_projection.apply()  # 8. top-level projections copy only what they return
    moto_versions.apply()  # 10. version listings copy only the prefix's keys, shallowly
    moto_scalars.apply()  # 11. sizes of scalar items and ISO timestamps, directly
    moto_listing.apply()  # 13. a version listing's versions written as XML directly
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    DomainDispatcherApplication.get_backend_for_host = _backend_kept_per_host(  # type: ignore[method-assign]
        DomainDispatcherApplication.get_backend_for_host)
    _applied = True
