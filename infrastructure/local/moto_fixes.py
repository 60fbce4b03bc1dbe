"""Two fixes to moto 5.2.5's DynamoDB ``TransactWriteItems``, for the local stack,
the tests and the benchmarks. Guarded by ``tests/functional/test_moto_fixes.py``.

1. Fidelity: moto applies each item of a transaction as it goes and rolls back
   by swapping whole tables, so the stream (and the Lambda behind it) has
   already seen the writes of a transaction that is then cancelled. Real
   DynamoDB streams only ever show committed transactions. Here every condition
   is checked first and nothing is written unless all of them hold.
2. Cost: moto deep-copies the whole table once per item of the transaction for
   that rollback: a 100-item transaction on a 2,000-article table copies
   200,000 items. Here only the items the transaction touches are kept aside.

Everything else (errors, their order, ``ReturnValuesOnConditionCheckFailure``)
behaves as moto's own code.
"""

from __future__ import annotations

import copy
from typing import Any

import moto

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


def apply() -> None:
    """Install the fixes once; refuse a moto they were not written for."""
    global _applied
    if _applied:
        return
    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"infrastructure/local/moto_fixes.py was written for moto {EXPECTED_MOTO}, found "
            f"{moto.__version__}: check whether moto still needs it, then update EXPECTED_MOTO.")
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    _applied = True
