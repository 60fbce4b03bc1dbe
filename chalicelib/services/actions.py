"""Bulk actions (actions groupées): every status change of an article goes through here.

All or nothing: an article in the wrong status refuses the whole action; a
selection larger than one DynamoDB transaction is written in chunks whose
failure is compensated; numbers (invoices, receipts, credit notes, lot ranks)
advance only with a committed action, so they stay gap-free.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.adapters import unit_of_work
from chalicelib.adapters.repositories import articles as articles_repo
from chalicelib.adapters.repositories import catalog as catalog_repo
from chalicelib.adapters.repositories import counters as counters_repo
from chalicelib.adapters.repositories import sales as sales_repo
from chalicelib.adapters.repositories import tenants as tenant_repo
from chalicelib.adapters.repositories._common import new_id
from chalicelib.auth import Principal
from chalicelib.domain import actions as rules
from chalicelib.domain import references, register, sales, training
from chalicelib.domain import transfers as transfer_rules
from chalicelib.domain.article import Article
from chalicelib.domain.entities import Party
from chalicelib.domain.lot import Lot
from chalicelib.domain.money import ZERO, fmt
from chalicelib.domain.profiles import Profile
from chalicelib.domain.records import JournalEntry, NewLot, NewSale, Record, SearchDocument
from chalicelib.domain.sale import CREDIT_NOTE, SALE, Sale, SaleLine, minute
from chalicelib.domain.vat import DEFAULT_MARGIN_CATEGORY
from chalicelib.errors import (
    BusinessRuleError,
    CounterMovedError,
    DateBeforePurchaseError,
    DateBeforeSaleError,
    DateInFutureError,
    EmptySelectionError,
    IdempotencyKeyReusedError,
    InvoiceDateBeforeLastError,
    InvoiceNumberRequiredError,
    InvoiceNumberTakenError,
    NotFoundError,
    RequestInProgressError,
    RetriesExhaustedError,
    TrainingModeError,
    ValidationError,
    WrongStatusError,
)
from chalicelib.services import articles as articles_service
from chalicelib.services import transfers

PARIS = ZoneInfo("Europe/Paris")
# At most this many articles in an action's last transaction: the sale, its receipt and the
# journal entries there are large items.
LAST_CHUNK = 80
ATTEMPTS = 8


def _now() -> datetime:
    return datetime.now(UTC)


def _check_date(when: date | None) -> None:
    if when is not None and when > _now().astimezone(PARIS).date():
        raise DateInFutureError()


def _require_client(who: Principal, client_id: str | None) -> Party | None:
    if client_id is None:
        return None
    try:
        return catalog_repo.get_party(who.tenant_id, "client", client_id)
    except NotFoundError:
        raise ValidationError(details={"client_id": "Client introuvable."}) from None


def allowed(who: Principal, action: str) -> None:
    if action not in rules.TRANSITIONS:
        raise NotFoundError(f"Action inconnue : {action}.")
    who.require(f"action:{action}")  # chalicelib/domain/profiles.py: the till sells and prints labels


def _load(who: Principal, action: str, refs: list[str] | None) -> list[Article]:
    wanted = [r.strip().upper() for r in refs] if refs is not None else articles_service.selection_refs(who)
    if not wanted:
        raise EmptySelectionError()
    found = articles_repo.get_articles(who.tenant_id, wanted)
    unknown = [r for r in wanted if r not in found]
    if unknown:
        raise NotFoundError("Référence(s) inconnue(s) : " + ", ".join(unknown) + ".", details={"refs": unknown})
    articles = [found[r] for r in dict.fromkeys(wanted)]
    wrong = rules.check_statuses(action, articles)
    if wrong:
        raise WrongStatusError(
            f"Action impossible : {len(wrong)} article(s) n'ont pas le bon statut.", details={"refs": wrong})
    return articles


# ---------------------------------------------------------------- writing


def _write(who: Principal, before: list[Article],
           changes: Sequence[rules.Change | tuple[Article, str | None]],
           counters: dict[str, counters_repo.CounterMove] | None = None, records: list[Record] | None = None) -> None:
    """The action's whole write, as one unit of work (chalicelib/adapters/unit_of_work.py):
    its articles, counters and records, with the Σ buckets' changes, all or nothing.

    ``before`` are the articles as the action read them; a change whose expected status is
    None creates its article.
    """
    originals = {a.ref: a for a in before}
    unit = unit_of_work.UnitOfWork(who.tenant_id, last_articles=LAST_CHUNK)
    for change in changes:
        article, expected = (change.article, change.expected_status) if isinstance(change, rules.Change) else change
        if expected is None:
            unit.create(article)
        else:
            unit.change(originals[article.ref], article)
    for key, counter in (counters or {}).items():
        unit.move_counter(key, counter)
    unit.add(*(records or []))
    unit.commit()


def _retrying(attempt: Any) -> Any:
    """Run ``attempt`` again when a number sequence moved under it (another sale).

    After a short random pause, growing with each loss: retrying at once, every loser of
    a busy moment collides again with the others.
    """
    for n in range(ATTEMPTS):
        try:
            return attempt()
        except CounterMovedError:
            if n < ATTEMPTS - 1:
                time.sleep(random.uniform(0, min(0.02 * 2 ** n, 0.5)))
    raise RetriesExhaustedError()


# ---------------------------------------------------------------- sell


def _check_not_before_purchase(when: date, articles: list[Article]) -> None:
    early = sorted(a.ref for a in articles if a.purchase_date is not None and when < a.purchase_date)
    if early:
        raise DateBeforePurchaseError(details={"refs": early})


def _sale_lines(who: Principal, articles: list[Article], params: dict[str, Any]) -> list[SaleLine]:
    used = [a for a in articles if (a.condition or "used") == "used"]
    margin = {f.id: f.margin_category for f in catalog_repo.list_families(who.tenant_id)} if used else {}
    categories = {a.ref: margin.get(a.family_id or "", DEFAULT_MARGIN_CATEGORY) for a in used}
    try:
        return sales.sale_lines(articles, params.get("prices") or {}, params.get("vat_rates") or {}, categories)
    except sales.SaleInputError as exc:
        raise ValidationError(details=exc.details) from None


def _training_sell(who: Principal, articles: list[Article], params: dict[str, Any],
                   settings: dict[str, Any]) -> dict[str, Any]:
    """A sale in training mode (chalicelib/domain/training.py): the same lines, VAT and
    receipt as a real one, but no article, sale record, invoice number, real register
    counter, Σ bucket or transfer written: one transaction of the training register's
    counter and the ``training_sale`` journal entry, sealed in the ``training`` chain."""
    when: date = params["date"]
    lines = _sale_lines(who, articles, params)
    total = sum((line.total for line in lines), ZERO)

    def attempt() -> dict[str, Any]:
        local = _now().astimezone(PARIS)
        seen, state = counters_repo.counter_state(who.tenant_id, training.COUNTER_KEY)
        totals = sales.next_totals(state, local, total)
        # never stored: what the training receipt is made of
        sale = Sale(transaction_ref=training.transaction_ref(when), at=local, payment_method=params["payment_method"],
                    lines=tuple(lines), vat=sales.vat_breakdown(lines), total=total, invoice_number=None,
                    register=training.REGISTER, receipt_number=training.ticket_number(seen + 1))
        content = training.mark(sales.receipt(sale, totals, settings), date=when.isoformat(), seller=who.email,
                                client_id=params.get("client_id"), lines=lines)
        journal = JournalEntry(training.JOURNAL_KIND, sale.transaction_ref, content)
        (unit_of_work.UnitOfWork(who.tenant_id)
         .move_counter(training.COUNTER_KEY, counters_repo.CounterMove(seen, seen + 1, totals.to_json()))
         .add(journal).commit())
        return {"articles": articles,
                "sale": {"transaction_ref": sale.transaction_ref, "invoice_number": None,
                         "receipt_number": sale.receipt_number, "total": fmt(sale.total), "training": True,
                         "mention": training.MENTION}}

    return _retrying(attempt)


def _sell(who: Principal, articles: list[Article], params: dict[str, Any]) -> dict[str, Any]:
    when: date = params["date"]
    _check_date(when)
    _check_not_before_purchase(when, articles)
    client = _require_client(who, params.get("client_id"))
    tenant = tenant_repo.get_tenant(who.tenant_id)
    settings = tenant.settings
    if who.email.lower() in tenant.training_users:  # the table's word, never a container's cached one
        return _training_sell(who, articles, params, settings)
    auto = bool(settings.get("invoicing", {}).get("auto", True))
    typed_number = params.get("invoice_number")
    if not auto:
        if not typed_number:
            raise InvoiceNumberRequiredError()
        if any(articles_repo.refs_by_index("by_invoice", f"{who.tenant_id}#{typed_number}", limit=1)):  # keys only
            raise InvoiceNumberTakenError()
    lines = _sale_lines(who, articles, params)
    total = sum((line.total for line in lines), ZERO)
    by_ref = {line.ref: line for line in lines}

    def attempt() -> dict[str, Any]:
        now = _now()
        local = now.astimezone(PARIS)
        counters: dict[str, counters_repo.CounterMove] = {}
        number = typed_number
        if auto:
            key = sales.invoice_counter_key(settings, when)
            seen, state = counters_repo.counter_state(who.tenant_id, key)
            last = state.get("last_date")
            if last and when.isoformat() < last:  # invoices numbered in date order (art. 242 nonies A, I-2°)
                raise InvoiceDateBeforeLastError(details={"date": f"La dernière facture est datée du "
                                                                  f"{date.fromisoformat(last):%d/%m/%Y}."})
            counters[key] = counters_repo.CounterMove(seen, seen + 1, {"last_date": max(last or "", when.isoformat())})
            number = sales.invoice_number(settings, when, seen + 1)
        register_key = f"register#{sales.REGISTER}"
        seen_receipts, state = counters_repo.counter_state(who.tenant_id, register_key)
        totals = sales.next_totals(state, local, total)
        counters[register_key] = counters_repo.CounterMove(seen_receipts, seen_receipts + 1, totals.to_json())
        sale = Sale(
            kind=SALE, transaction_ref=sales.transaction_ref(when), date=when,
            at=local.replace(second=0, microsecond=0), client_id=params.get("client_id"),
            payment_method=params["payment_method"], lines=tuple(lines), vat=sales.vat_breakdown(lines),
            total=total, invoice_number=number, register=sales.REGISTER,
            receipt_number=sales.receipt_number(sales.REGISTER, seen_receipts + 1),
            seller=who.email,
        )
        receipt = sales.receipt(sale, totals, settings)
        sale = replace(sale, receipt=receipt)
        changes = []
        for article in articles:
            line = by_ref[article.ref]
            event = {"at": now.isoformat(), "user": who.email, "event": "sell", "date": when.isoformat(),
                     "details": {"transaction_ref": sale.transaction_ref, "price": fmt(line.unit_price),
                                 "invoice_number": number}}
            new = article.with_event(
                event, status="sold", sale_price=line.unit_price, sale_date=when, client_id=params.get("client_id"),
                transaction_ref=sale.transaction_ref, invoice_number=number,
                payment_method=params["payment_method"], vat_rate=line.vat_rate,
                vat_rate_before_sale=article.vat_rate)  # the rate a return puts back
            changes.append(rules.Change(new, article.status))
        journal = JournalEntry("sale", sale.transaction_ref, receipt)
        transfer = transfers.outgoing_put(who, client, lambda own, to: transfer_rules.from_sale(
            sale.transaction_ref, own, to, when, params["payment_method"], articles, lines),
            tenant.subscriber_ref)
        _write(who, articles, changes, counters, [NewSale(sale), journal, *transfer])
        return {"articles": [c.article for c in changes],
                "sale": {"transaction_ref": sale.transaction_ref, "invoice_number": number,
                         "receipt_number": sale.receipt_number, "total": fmt(sale.total)}}

    return _retrying(attempt)


# ---------------------------------------------------------------- customer return

# The sale of an article returned without one (none recorded): no lines, no numbers.
_NO_SALE = Sale(transaction_ref="", total=ZERO)


def _customer_return(who: Principal, articles: list[Article], params: dict[str, Any]) -> dict[str, Any]:
    when: date = params["date"]
    _check_date(when)
    early = sorted(a.ref for a in articles if a.sale_date is not None and when < a.sale_date)
    if early:
        raise DateBeforeSaleError(details={"refs": early})
    reason: str = params["reason"]
    by_sale: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_sale[article.transaction_ref or ""].append(article)
    originals = {ref: sales_repo.get_sale(who.tenant_id, ref) for ref in by_sale if ref}
    tenant = tenant_repo.get_tenant(who.tenant_id)

    def attempt() -> dict[str, Any]:
        now = _now()
        local = now.astimezone(PARIS)
        actor = register.Actor(who.email, now)
        changes = rules.apply_customer_return(articles, actor, when, reason)
        seen_notes = counters_repo.counter_value(who.tenant_id, "credit_note")
        register_key = f"register#{sales.REGISTER}"
        seen_receipts, state = counters_repo.counter_state(who.tenant_id, register_key)
        records: list[Record] = []
        notes = []
        for n, (transaction, returned) in enumerate(sorted(by_sale.items()), start=1):
            sale = originals.get(transaction, _NO_SALE)
            returned_refs = {a.ref for a in returned}
            lines = tuple(line for line in sale.lines if line.ref in returned_refs)
            amount = sum((line.total for line in lines), ZERO)
            note_number = sales.credit_note_number(seen_notes + n)
            notes.append(Sale(
                kind=CREDIT_NOTE, transaction_ref=note_number, credit_note_number=note_number,
                date=when, at=local.replace(second=0, microsecond=0), reason=reason,
                original_transaction_ref=transaction or None, invoice_number=sale.invoice_number,
                client_id=sale.client_id, lines=lines, vat=sales.vat_breakdown(lines),
                # refunded by the sale's own method (what the closings count it under)
                payment_method=sale.payment_method,
                total=-amount, vat_to_recover=sum((line.vat for line in lines), ZERO),
            ))
        amount = sum((note.total for note in notes), ZERO)
        totals = sales.next_totals(state, local, amount)
        receipt_number = sales.receipt_number(sales.REGISTER, seen_receipts + 1)
        notes = [replace(note, receipt_number=receipt_number, running_totals=totals.to_json()) for note in notes]
        records.extend(NewSale(note) for note in notes)
        receipt = {
            "record": "receipt", "ticket_number": receipt_number, "register": sales.REGISTER,
            "at": minute(local), "kind": "customer_return", "reason": reason,
            "company": {k: tenant.settings.get(k) for k in ("company_name", "siret", "vat_number", "street_number",
                                                            "street_type", "street_name", "postcode", "city")},
            "credit_notes": [note.credit_note_number for note in notes],
            # the tickets this one refunds (DOMAIN.md "Receipt": a refund ticket names them)
            "refunds": [originals[ref].receipt_number for ref in sorted(originals)
                        if originals[ref].receipt_number],
            "lines": [{**{k: line[k] for k in ("ref", "label", "quantity", "vat_rate", "vat_rate_percent")},
                       "unit_price": fmt(-Decimal(line["unit_price"])),
                       "total_excl_vat": fmt(-Decimal(line["total_excl_vat"])), "vat": fmt(-Decimal(line["vat"]))}
                      for note in notes for line in (each.to_record() for each in note.lines)],
            "total": fmt(amount), "payment": {"method": "refund", "amount": fmt(amount)},
            "running_totals": totals.to_json(),
        }
        records.append(JournalEntry("sale_return", receipt_number, receipt))
        counters = {"credit_note": counters_repo.CounterMove(seen_notes, seen_notes + len(notes)),
                    register_key: counters_repo.CounterMove(seen_receipts, seen_receipts + 1, totals.to_json())}
        _write(who, articles, changes, counters, records)
        return {"articles": [c.article for c in changes],
                "credit_note_number": notes[0].credit_note_number if len(notes) == 1 else None,
                "credit_note_numbers": [note.credit_note_number for note in notes],
                "receipt_number": receipt_number}

    return _retrying(attempt)


# ---------------------------------------------------------------- buy consigned


def _buy_consigned(who: Principal, articles: list[Article], params: dict[str, Any]) -> dict[str, Any]:
    """New purchase lots dated that day, one per original supplier, with new references."""
    when: date = params["date"]
    _check_date(when)
    prices: dict[str, Decimal] = params.get("prices") or {}
    unknown = sorted(set(prices) - {a.ref for a in articles})
    missing = sorted(a.ref for a in articles if a.ref not in prices and a.reserve_price is None)
    if unknown or missing:
        raise ValidationError(details={"prices": "Prix d'achat manquant ou hors sélection : "
                                       + ", ".join(unknown + missing) + "."})
    tenant = tenant_repo.get_tenant(who.tenant_id)
    creation_year = int(tenant.settings["creation_year"])
    families = {f.id: f.label for f in catalog_repo.list_families(who.tenant_id)}
    by_supplier: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_supplier[article.supplier_id or ""].append(article)  # a committed lot's articles all have one
    identities = {sid: register.frozen_identity(sid, catalog_repo.get_party(who.tenant_id, "supplier", sid).fields)
                  for sid in by_supplier}
    key = references.counter_key("purchase", when)

    def attempt() -> dict[str, Any]:
        now = _now()
        actor = register.Actor(who.email, now)
        seen = counters_repo.counter_value(who.tenant_id, key)
        changes: list[tuple[Article, str | None]] = []
        records: list[Record] = []
        created = []
        for n, (supplier_id, group) in enumerate(sorted(by_supplier.items()), start=1):
            try:
                lot_ref = references.lot_ref(creation_year, when, seen + n, consignment=False)
            except references.ReferenceFormatError as exc:
                raise BusinessRuleError(str(exc)) from None
            new_articles = []
            for rank, old in enumerate(sorted(group, key=lambda a: a.ref), start=1):
                new_ref = references.article_ref(lot_ref, rank)
                event = {"at": now.isoformat(), "user": who.email, "event": "buy_consigned",
                         "date": when.isoformat(), "details": {"former_ref": old.ref, "new_ref": new_ref}}
                new = old.with_event(event, ref=new_ref, lot_ref=lot_ref, status="stock",
                                     purchase_price=prices.get(old.ref, old.reserve_price), purchase_date=when,
                                     former_refs=(*old.former_refs, old.ref))
                new_articles.append(new)
                changes.append((new, None))
                changes.append((old.with_event(event, status="replaced", replaced_by=new_ref), old.status))
            total = sum((a.purchase_price or ZERO for a in new_articles), ZERO)
            lot = Lot(ref=lot_ref, kind="purchase", status="committed", supplier_id=supplier_id,
                      supplier=identities[supplier_id], purchase_date=when, purchase_price=total, tmp=False,
                      price_incl_tmp=None, tmp_rate=None, payment_method=params.get("payment_method"),
                      condition=group[0].condition,
                      comment="Rachat d'articles confiés : " + ", ".join(a.ref for a in group),
                      article_count=len(new_articles), committed_at=now, committed_by=who.email,
                      register_version=1, traces=(), bought_from_consignment=tuple(a.ref for a in group))
            payload = register.register_version(lot, new_articles, families, "lot_committed", actor)
            records.append(NewLot(lot))
            records.append(JournalEntry("lot_committed", lot_ref, payload))
            records.append(SearchDocument.of(lot_ref, new_articles))
            created.append(lot_ref)
        # the new records first, the old ones last: the last transaction flips the visible state
        changes.sort(key=lambda pair: pair[1] is not None)
        _write(who, articles, changes, {key: counters_repo.CounterMove(seen, seen + len(by_supplier))}, records)
        return {"articles": [a for a, expected in changes if expected is None], "lots": created}

    return _retrying(attempt)


# ---------------------------------------------------------------- dispatch


def _plain(who: Principal, action: str, articles: list[Article], params: dict[str, Any]) -> dict[str, Any]:
    actor = register.Actor(who.email, _now())
    when = params.get("date")
    _check_date(when)
    transfer: list[Record] = []
    try:
        if action in ("deposit", "deposit_update"):
            client = _require_client(who, params.get("client_id"))
            changes = rules.apply_deposit(articles, actor, action, params.get("client_id"), when,
                                          params.get("prices"))
            if action == "deposit":
                source = new_id(f"D{actor.at.astimezone(PARIS):%y%m%d%H%M%S}")
                transfer = transfers.outgoing_put(who, client, lambda own, to: transfer_rules.from_deposit(
                    source, own, to, when, [c.article for c in changes]))
        elif action == "reserve_price":
            changes = rules.apply_reserve_price(articles, actor, params["prices"])
        elif action == "melt_sell":
            changes = rules.apply_melt_sell(articles, actor, when, params["prices"])
        else:
            if action == "melt_deposit":
                _require_client(who, params.get("client_id"))
            changes = rules.apply_simple(articles, actor, action, when, params.get("reason"),
                                         params.get("client_id"))
    except rules.ActionInputError as exc:
        raise ValidationError(details=exc.details) from None
    _write(who, articles, changes, records=transfer)
    return {"articles": [c.article for c in changes]}


def _read_only(action: str, articles: list[Article]) -> dict[str, Any]:
    """``labels`` and ``deposit_list``: the data the printed document shows."""
    return {"articles": articles, "document": action}


def execute(who: Principal, action: str, refs: list[str] | None, params: dict[str, Any]) -> dict[str, Any]:
    allowed(who, action)
    if who.training and not training.action_allowed(action, action in rules.READ_ONLY):
        raise TrainingModeError()  # in training only the till's (fictitious) sale and the prints run
    if action not in rules.READ_ONLY:
        unit_of_work.recover(who.tenant_id)  # an action never starts from a half-written one
    articles = _load(who, action, refs)
    if action in rules.READ_ONLY:
        result = _read_only(action, articles)
    elif action == "sell":
        result = _sell(who, articles, params)
    elif action == "customer_return":
        result = _customer_return(who, articles, params)
    elif action == "buy_consigned":
        result = _buy_consigned(who, articles, params)
    else:
        result = _plain(who, action, articles, params)
    result["articles"] = [articles_service.view(who, a) for a in result["articles"]]
    return result


# ---------------------------------------------------------------- idempotency


_runner: dict[str, Any] = {}

# A request that never finishes (a crash, a timeout) must not block its key for
# long: its in-progress record expires with the request's remaining time (the
# Lambda's), and never later than this, so a till retrying after a crash of the
# local stack waits at most a minute.
IN_PROGRESS_CAP_MS = 60_000


class _RequestDeadline:
    """The Lambda context Powertools asks for the request's remaining time.

    Registered once with the idempotency config; each request sets its own
    remaining time (thread-local: the local server runs requests in threads).
    """

    _local = threading.local()

    def set(self, remaining_ms: int | None) -> None:
        self._local.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        remaining = getattr(self._local, "remaining_ms", None)
        return IN_PROGRESS_CAP_MS if remaining is None else max(0, min(remaining, IN_PROGRESS_CAP_MS))


_deadline = _RequestDeadline()


def _idempotent_runner() -> Any:
    """Powertools idempotency on DynamoDB, built on first use (no client at import)."""
    if "run" not in _runner:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        from chalicelib.adapters.aws import client
        from chalicelib.config import get_settings

        store = DynamoDBPersistenceLayer(table_name=get_settings().table_name("idempotency"),
                                         boto3_client=client("dynamodb"), static_pk_value="actions")
        config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                                   expires_after_seconds=24 * 3600, use_local_cache=False)
        config.register_lambda_context(_deadline)  # type: ignore[arg-type]  # only its remaining time is read

        @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)
        def run(request: dict[str, Any]) -> dict[str, Any]:
            who = Principal(**{**request["who"], "profile": Profile(request["who"]["profile"])})
            params = _params_from_json(request["body"]["params"])
            return execute(who, request["action"], request["body"]["refs"], params)

        _runner["run"] = run
    return _runner["run"]


def _params_to_json(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=str))


def _params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if out.get("date"):
        out["date"] = date.fromisoformat(out["date"])
    for name in ("prices",):
        if out.get(name):
            out[name] = {ref: Decimal(v) for ref, v in out[name].items()}
    return out


def run(who: Principal, action: str, refs: list[str] | None, params: dict[str, Any],
        idempotency_key: str | None, remaining_ms: int | None = None) -> dict[str, Any]:
    """Execute an action; with an Idempotency-Key the same request acts once in 24 h.

    ``remaining_ms``: the time the request has left (the Lambda context's); a
    request that dies leaves its key in progress that long at most.
    """
    allowed(who, action)
    if not idempotency_key or action in rules.READ_ONLY:
        return execute(who, action, refs, params)
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    if refs is None:  # the selection at this moment is part of what the key stands for
        refs = articles_service.selection_refs(who)
    request = {
        # the profile too: a replay after a demotion must not hand back what the old profile saw
        # and the training mode: a key used for a fictitious sale never replays it as a real one
        "key": f"{who.tenant_id}#{who.user_id}#{who.profile.value}#{action}#{idempotency_key}"
               + ("#training" if who.training else ""),
        "action": action,
        "who": {"tenant_id": who.tenant_id, "user_id": who.user_id, "email": who.email,
                "profile": who.profile.value, "training": who.training},
        "body": {"refs": refs, "params": _params_to_json(params)},
    }
    _deadline.set(remaining_ms)
    try:
        return dict(_idempotent_runner()(request=request))
    except IdempotencyValidationError:
        raise IdempotencyKeyReusedError() from None
    except IdempotencyAlreadyInProgressError:
        raise RequestInProgressError() from None
