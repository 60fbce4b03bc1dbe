"""The sealer: journal entries in, sealed records in the vault out.

Fed by the journal table's stream (``seal_journal`` in app.py). For each chain
(tenant, chain name) the records of a batch are sealed in stream order:

1. *dedupe*: entries that have a claim are sealed already and are skipped
   (strongly consistent reads: a redelivery a millisecond later is still seen);
2. *finish what is pending*: if the chain's head lists reserved ranks, those
   records are completed first — whichever journal entries they are, ours or
   those of an attempt that crashed (their content is read back from the journal);
3. *reserve* ranks for the remaining entries (one conditional write on the head),
   then *complete* them: build each record (deterministic from the journal entry,
   its rank, the previous hash and the ``sealed_at`` fixed at reservation), store it
   in the vault (S3 first, ``If-None-Match``), then index items + claims + head in
   one transaction.

Crash windows and why a retry converges:

- before the reservation: nothing happened; the retry starts over;
- after it, before or during the S3 writes: the head says which seq has which rank
  and ``sealed_at``; the retry (or the next record of the chain) rebuilds the same
  bytes for the same key; a key already written answers "precondition failed" and
  its checksum is compared, so no second version is ever stored;
- after S3, before the transaction: the same, every object is found in place;
- after the transaction, before the stream is acknowledged: the claims say sealed.

Failures: a record that can never be sealed (payload not gzip JSON, a kind that
belongs to no chain) is a *poison* record. It is reported — the batch raises at
the end — but does not hold back the other records of its chain: it has no place
to keep. A transient failure (S3, DynamoDB) stops its chain for the rest of the
batch (later records must not overtake it) and the batch raises too; other
chains go on. In AWS the event-source mapping retries the batch, bisecting it,
then gives up after its maximum attempts and sends the batch's position to the
on-failure queue, whose alarm calls for a human; the journal entry itself stays
in the journal table and can be sealed again with :func:`reseal`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters import vault
from chalicelib.adapters.repositories import chain_heads, journal, seal_failures, sealed_records
from chalicelib.adapters.repositories.chain_heads import ChainHead, Contention, Pending
from chalicelib.adapters.repositories.journal import JournalRecord
from chalicelib.adapters.repositories.sealed_records import Claim, Entry
from chalicelib.config import get_settings
from chalicelib.domain import retention, seal
from chalicelib.observability import logger

# Conditional-write losses tolerated per chain before the batch is failed (and retried).
MAX_ATTEMPTS = 60
# Ranks another sealer reserved are left to it this long (seconds), then taken over:
# it must have crashed between its reservation and its index write.
TAKE_OVER_AFTER = 2.0


class SealingError(RuntimeError):
    """Some records of the batch are not sealed: the batch must be delivered again."""

    def __init__(self, failures: list[dict[str, str]]) -> None:
        self.failures = failures
        summary = "; ".join(f"{f['tenant_id']}/{f['seq']} ({f['kind']}): {f['error']}" for f in failures[:10])
        super().__init__(f"{len(failures)} journal record(s) not sealed: {summary}")


class PoisonRecordError(ValueError):
    """A journal record that can never be sealed as it is."""


class DamagedIndexError(RuntimeError):
    """The index says an entry is sealed, but no sealed record of the chain is that entry."""


@dataclass
class SealReport:
    sealed: list[tuple[str, str, int]] = field(default_factory=list)  # (tenant, chain, rank)
    duplicates: int = 0
    ignored: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Ready:
    """A journal record decoded and placed in its chain."""

    record: JournalRecord
    chain: str
    content: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _decode(record: JournalRecord) -> _Ready:
    try:
        chain = seal.chain_of(record.kind)
    except seal.SealError as exc:
        raise PoisonRecordError(str(exc)) from None
    try:
        content = journal.decode_payload(record.payload)
        seal.canonical(content)  # refuses floats and the like now, not halfway
    except (OSError, EOFError, ValueError, UnicodeDecodeError, seal.SealError) as exc:
        raise PoisonRecordError(f"undecodable payload: {type(exc).__name__}: {exc}") from None
    return _Ready(record, chain, content)


def _summary(chain: str, kind: str, content: dict[str, Any]) -> dict[str, Any] | None:
    if chain == seal.POLICE_REGISTER:
        lot = content.get("lot") or {}
        return {"lot_ref": lot.get("ref"), "version": content.get("version"), "event": content.get("event"),
                "purchase_date": lot.get("purchase_date")}
    if chain in (seal.RECEIPT, seal.CLOSING):
        keep = ("ticket_number", "register", "at", "kind", "total", "transaction_ref", "invoice_number", "period",
                "period_total", "tickets")
        return {k: content[k] for k in keep if k in content and not isinstance(content[k], (dict, list))} or None
    if chain == seal.INSPECTION:
        return {"inspector": content.get("inspector"), "service": content.get("service")}
    if chain == seal.TRAINING:  # a training (fictitious) receipt: chalicelib/domain/training.py
        from chalicelib.domain import training

        return training.summary(content) or None
    if chain == seal.CHAIN_HEAD:
        return {"heads": len(content.get("heads", []))}
    if chain == seal.EVENT:  # the event log's list reads this, never the vault
        from chalicelib.domain import audit

        return audit.event_summary(content)
    if chain == seal.CONSULTATION:  # the consultation log's list reads this, never the vault
        inspector = content.get("inspector") or {}
        return {"at": content.get("at"), "who": content.get("who"), "what": content.get("what"),
                "purpose": content.get("purpose"), "inspector": inspector.get("name"),
                "inspector_service": inspector.get("service"), "access": content.get("access"),
                "refused": content.get("refused")}
    return None


def _retain_until(sealed_at: str) -> datetime:
    """Set explicitly on each object: ten *calendar* years from its sealing (not 3,650 days)."""
    return retention.retain_until(datetime.fromisoformat(sealed_at), get_settings().vault_retention_years)


# Chains of one stream batch, and PutObjects of the batch, in flight at once against AWS,
# where each request waits on a round trip (python -m bench.sealing estimate: bench/README.md).
# A batch of 100 over 20 tenants waits ~8 round trips one after the other with 32 chains and
# 64 puts, ~19 with 8 and 8; past that the Lambda's CPU is the limit (~3 ms a record, mostly
# botocore's own work: 1.42 requests a record), hence the sealer's 1,769 MB (one vCPU).
# The connection pools follow: S3's 64 (adapters/aws.py), DynamoDB's 50 for 32 chains.
# Against moto (the local stack, the tests: an endpoint is set) one at a time: threads
# there only contend for the one interpreter moto runs in.
PUT_THREADS = 64
CHAIN_THREADS = 32
_pool_guard = threading.Lock()
_report_guard = threading.Lock()
_pools: dict[tuple[str, int], ThreadPoolExecutor] = {}


def _side_by_side() -> bool:
    return PUT_THREADS > 1 and not get_settings().aws_endpoint_url


def _pool_of(name: str, size: int) -> ThreadPoolExecutor:
    """The process's pool of ``size`` threads named ``name`` (built at its first use)."""
    with _pool_guard:
        pool = _pools.get((name, size))
        if pool is None:
            pool = _pools[(name, size)] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
        return pool


def _put_pool() -> ThreadPoolExecutor:
    return _pool_of("seal-put", PUT_THREADS)


def _chain_pool() -> ThreadPoolExecutor:
    """Apart from the PutObjects' pool: a chain waits on its puts, never on a chain."""
    return _pool_of("seal-chain", CHAIN_THREADS)


def _finish(head: ChainHead, known: dict[str, _Ready]) -> list[Entry]:
    """Store and index every record the head lists as pending."""
    items = []
    for pending in head.pending:
        ready = known.get(pending.seq)
        if ready is None:  # reserved by an attempt that did not finish: read it back
            ready = _decode(journal.get_journal(head.tenant_id, pending.seq))
        items.append((pending, ready))
    built = seal.seal_many(head.chain, head.sealed + 1, head.sha256,
                           [(p.kind, r.content, p.sealed_at) for p, r in items])

    # The objects of a batch are stored side by side (each PutObject is one round trip); the
    # ranks stay as built and the index below is still one transaction, in order.
    def put(pair: tuple[tuple[Pending, _Ready], seal.Sealed]) -> vault.StoredObject:
        (pending, _), record = pair
        return vault.put_sealed(vault.object_key(head.tenant_id, head.chain, record.rank), record.body,
                                record.sha256, _retain_until(pending.sealed_at))

    pairs = list(zip(items, built, strict=True))
    if len(pairs) < 2 or not _side_by_side():
        stored_objects = [put(pair) for pair in pairs]
    else:
        stored_objects = list(_put_pool().map(put, pairs))  # in order; the first failure is raised
    entries = []
    for (pending, ready), record, stored in zip(items, built, stored_objects, strict=True):
        entries.append(Entry(
            tenant_id=head.tenant_id, chain=head.chain, rank=record.rank, seq=pending.seq, kind=pending.kind,
            number=seal.record_number(head.chain, record.rank, ready.content), subject=ready.record.subject,
            sealed_at=pending.sealed_at, sha256=record.sha256, prev_sha256=record.prev_sha256,
            bucket=stored.bucket, key=stored.key, version_id=stored.version_id,
            retention_mode=stored.retention_mode or vault.RETENTION_MODE, retain_until=stored.retain_until,
            summary=_summary(head.chain, pending.kind, ready.content)))
    sealed_records.complete(head, entries)
    return entries


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.002 * 2 ** min(attempt, 8), 0.25)))


def _stale(head: ChainHead) -> bool:
    """Ranks reserved long enough ago that whoever reserved them must have failed."""
    if not head.pending:
        return False
    reserved_at = min(datetime.fromisoformat(p.sealed_at) for p in head.pending)
    return (datetime.now(UTC) - reserved_at).total_seconds() > TAKE_OVER_AFTER


def _wait_for_others(head: ChainHead) -> ChainHead:
    """Let a live sealer finish the ranks it reserved; take them over once stale."""
    pending = head.pending
    pause = 0.01
    while head.pending == pending and not _stale(head):
        time.sleep(random.uniform(pause / 2, pause))
        pause = min(pause * 1.5, 0.2)
        head = chain_heads.get_head(head.tenant_id, head.chain)
    return head


_locks_guard = threading.Lock()
_locks: dict[tuple[str, str], threading.Lock] = {}


def _chain_lock(tenant_id: str, chain: str) -> threading.Lock:
    """One sealer per chain at a time in this process.

    Only an economy: a Lambda container runs one invocation at a time, but the
    local stack and the tests seal from many threads at once, and racing there
    costs requests. Ranks stay gap-free through the conditional writes alone.
    """
    with _locks_guard:
        return _locks.setdefault((tenant_id, chain), threading.Lock())


def _claim_holds(tenant_id: str, seq: str, claim: Claim) -> bool:
    entry = sealed_records.get_entry(tenant_id, claim.chain, claim.rank)
    return entry is not None and entry.seq == seq and entry.sha256 == claim.sha256


def _check_claims(tenant_id: str, chain: str, claims: dict[str, Claim]) -> None:
    """A redelivered entry is skipped only if its claim leads to the sealed record it
    made; a claim that leads nowhere (a damaged or forged index) must not silence it."""
    for seq, claim in claims.items():
        if claim.chain != chain or not _claim_holds(tenant_id, seq, claim):
            raise DamagedIndexError(f"journal entry {seq} is claimed as {claim.chain} rank {claim.rank}, "
                                    "but that sealed record is not this entry")


def _seal_chain(tenant_id: str, chain: str, records: list[_Ready], report: SealReport,
                read: tuple[ChainHead, dict[str, Claim]] | None = None) -> None:
    """Seal ``records`` (one chain, stream order), finishing any pending rank first.

    ``read``: the chain's head and its records' claims as the batch read them (head
    first), for the first round; later rounds read them again.
    """
    known = {r.record.seq: r for r in records}
    order = list(dict.fromkeys(r.record.seq for r in records))  # a seq twice in a batch is one record
    ours = set(order)
    attempt = 0
    first = True
    finished: set[str] = set()
    while True:
        # The head before the claims: an entry sealed by someone else after this head was
        # read moves the head, so the reservation below fails and the claims are read again.
        if first and read is not None:
            head, done = read[0], {seq: claim for seq, claim in read[1].items() if seq in ours}
        else:
            head = chain_heads.get_head(tenant_id, chain)
            done = sealed_records.claims(tenant_id, [seq for seq in order if seq not in finished])
            done |= dict.fromkeys(finished)  # type: ignore[arg-type] # sealed by this call: no claim read
        if first:
            _check_claims(tenant_id, chain, done)
            with _report_guard:  # chains may be sealed side by side
                report.duplicates += len(done)
            first = False
        if head.pending and not _stale(head):
            # Ranks another sealer reserved (a redelivery of ours included): it is
            # probably alive and completing them; wait, then look again.
            _wait_for_others(head)
            continue
        in_flight = {p.seq for p in head.pending}
        todo = [seq for seq in order if seq not in done and seq not in in_flight]
        if not head.pending and not todo:
            return
        try:
            reserved_here = not head.pending
            if reserved_here:
                head = chain_heads.reserve(
                    head, [(seq, known[seq].record.kind) for seq in todo[:chain_heads.MAX_PENDING]], _now())
            for entry in _finish(head, known):
                if entry.seq in ours:
                    report.sealed.append((tenant_id, chain, entry.rank))
                    finished.add(entry.seq)
            if reserved_here and len(todo) <= chain_heads.MAX_PENDING:
                return  # everything this batch brought is sealed, by this very transaction
        except Contention:
            attempt += 1
            if attempt >= MAX_ATTEMPTS:
                raise
            _backoff(attempt)


def _read_batch(groups: dict[tuple[str, str], list[_Ready]]
                ) -> dict[tuple[str, str], tuple[ChainHead, dict[str, Claim]]]:
    """The heads of a batch's chains, then its entries' claims: two BatchGetItems (100 keys
    each) for the whole batch instead of a GetItem and a BatchGetItem per chain. Empty when
    they cannot be read: each chain then reads its own (and fails on its own)."""
    if not groups:
        return {}
    try:
        heads = chain_heads.heads_of(groups)
        claims = sealed_records.claims_of((tenant_id, ready.record.seq) for (tenant_id, _), records in groups.items()
                                for ready in records)
    except Exception:  # noqa: BLE001 - an optimisation only
        logger.warning("could not read the batch's heads and claims at once", exc_info=True)
        return {}
    by_tenant: dict[str, dict[str, Claim]] = {}
    for (tenant_id, seq), claim in claims.items():
        by_tenant.setdefault(tenant_id, {})[seq] = claim
    return {key: (heads[key], by_tenant.get(key[0], {})) for key in groups}


def seal_journal_records(records: Iterable[JournalRecord]) -> SealReport:
    """Seal a batch of journal records; raises :class:`SealingError` if any is left.

    Idempotent: a record delivered twice is sealed once.
    """
    report = SealReport()
    groups: dict[tuple[str, str], list[_Ready]] = {}
    for record in records:
        try:
            ready = _decode(record)
        except PoisonRecordError as exc:
            logger.error("poison journal record", extra={"tenant_id": record.tenant_id, "seq": record.seq,
                                                         "kind": record.kind, "error": str(exc)})
            report.failures.append({"tenant_id": record.tenant_id, "seq": record.seq, "kind": record.kind,
                                    "error": str(exc), "poison": "true"})
            continue
        groups.setdefault((record.tenant_id, ready.chain), []).append(ready)

    read = _read_batch(groups)

    def seal_group(group: tuple[tuple[str, str], list[_Ready]]) -> None:
        (tenant_id, chain), ready_records = group
        try:
            with _chain_lock(tenant_id, chain):
                _seal_chain(tenant_id, chain, ready_records, report, read.get((tenant_id, chain)))
        except Exception as exc:  # noqa: BLE001 - any failure: this chain waits for the retry
            logger.exception("sealing failed", extra={"tenant_id": tenant_id, "chain": chain})
            for ready in ready_records:
                report.failures.append({"tenant_id": tenant_id, "seq": ready.record.seq,
                                        "kind": ready.record.kind, "error": f"{type(exc).__name__}: {exc}"})

    if len(groups) < 2 or not _side_by_side():
        for group in groups.items():
            seal_group(group)
    else:  # the chains of a batch are independent: sealed side by side, as their objects
        list(_chain_pool().map(seal_group, groups.items()))
    if report.failures:
        _note_failures(report.failures)
        raise SealingError(report.failures)
    return report


def _note_failures(failures: list[dict[str, str]]) -> None:
    """Keep every failure where the health check, the verification and the retries see it
    (best effort: when DynamoDB itself is down, the log and the stream's retries remain)."""
    at = _now()
    for failure in failures:
        if failure["tenant_id"] in ("", "?") or failure["seq"] in ("", "?"):
            continue
        try:
            attempts = seal_failures.record_failure(failure["tenant_id"], failure["seq"], failure["kind"],
                                                    failure["error"], failure.get("poison") == "true", at)
        except Exception:  # noqa: BLE001 - the batch raises anyway; this is only the note of it
            logger.exception("could not record a sealing failure", extra=failure)
            continue
        if attempts == 1:
            _failure_event(failure)


def _failure_event(failure: dict[str, str]) -> None:
    """An entry's first sealing failure is an event of the log — unless the entry is one
    of the event log's own (its failure would fail the same way: no loop)."""
    try:
        chain = seal.chain_of(failure["kind"])
    except seal.SealError:
        chain = None  # an unreadable or unknown entry: not one of the log's own events
    if chain == seal.EVENT:
        return
    from chalicelib.services import audit

    try:
        audit.record_event(failure["tenant_id"], "sealing_failure", user=None, details={
            "seq": failure["seq"], "kind": failure["kind"], "chain": chain, "error": failure["error"][:300],
            "needs_a_human": failure.get("poison") == "true"})
    except Exception:  # noqa: BLE001 - best effort, as the note above
        logger.exception("could not record a sealing failure event", extra=failure)


def seal_stream_records(stream_records: Iterable[Any]) -> SealReport:
    """The stream handler's work: Chalice ``DynamoDBRecord`` objects (or raw dicts).

    Inserts (and, should one ever happen, modifications) are sealed; removals
    are ignored — the journal is append-only and what was sealed stays sealed.
    """
    records: list[JournalRecord] = []
    failures: list[dict[str, str]] = []
    ignored = 0
    for item in stream_records:
        if isinstance(item, dict):
            name, image = item.get("eventName"), item.get("dynamodb", {}).get("NewImage")
            keys = item.get("dynamodb", {}).get("Keys") or {}
        else:
            name, image, keys = item.event_name, item.new_image, item.keys or {}
        if name == "REMOVE" or image is None:
            ignored += 1
            continue
        try:
            records.append(journal.record_from_image(image))
        except (KeyError, ValueError, TypeError) as exc:
            seq = str(keys.get("seq", {}).get("S", "?")) if isinstance(keys, dict) else "?"
            tenant = str(keys.get("tenant_id", {}).get("S", "?")) if isinstance(keys, dict) else "?"
            logger.error("poison stream record", extra={"tenant_id": tenant, "seq": seq, "error": str(exc)})
            failures.append({"tenant_id": tenant, "seq": seq, "kind": "?", "error": f"unreadable image: {exc}",
                             "poison": "true"})
    try:
        report = seal_journal_records(records)
    except SealingError as exc:
        raise SealingError(failures + exc.failures) from None
    if failures:
        _note_failures(failures)
        raise SealingError(failures)
    report.ignored = ignored
    return report


def reseal(tenant_id: str, seq: str) -> SealReport:
    """Seal one journal entry again by hand (after its batch went to the dead-letter queue)."""
    return seal_journal_records([journal.get_journal(tenant_id, seq)])


# ---------------------------------------------------------------- failures: visible, retried


def _sealed(tenant_id: str, seqs: list[str]) -> set[str]:
    """Those of ``seqs`` whose claim leads to the sealed record they made."""
    return {seq for seq, claim in sealed_records.claims(tenant_id, seqs).items()
            if _claim_holds(tenant_id, seq, claim)}


def open_failures(failures: list[seal_failures.Failure]) -> list[seal_failures.Failure]:
    """The failures whose entry is still unsealed (a later delivery may have sealed it)."""
    by_tenant: dict[str, list[seal_failures.Failure]] = {}
    for failure in failures:
        by_tenant.setdefault(failure.tenant_id, []).append(failure)
    still = []
    for tenant_id, mine in by_tenant.items():
        sealed = _sealed(tenant_id, [f.seq for f in mine])
        still += [f for f in mine if f.seq not in sealed]
    return sorted(still, key=lambda f: (f.first_at, f.tenant_id, f.seq))


def tenant_status(tenant_id: str) -> list[seal_failures.Failure]:
    """What the tenant's verification screen shows: its entries not sealed, and why."""
    return open_failures(seal_failures.tenant_failures(tenant_id))


def health() -> dict[str, Any]:
    """Counts only (the health check is public): entries not sealed, the oldest failure."""
    failing = open_failures(seal_failures.all_failures())
    if not failing:
        return {"status": "ok", "unsealed": 0}
    return {"status": "failing", "unsealed": len(failing), "tenants": len({f.tenant_id for f in failing}),
            "since": failing[0].first_at}


def retry_failures() -> dict[str, Any]:
    """The schedule's retry of every failed entry (the stream's own retries come first).

    An entry sealed since is forgotten; a poison entry waits for a human (it would fail
    the same way); the others are sealed again, each failure counted and kept.
    """
    sealed, failed, cleared = 0, 0, 0
    for failure in seal_failures.all_failures():
        if _sealed(failure.tenant_id, [failure.seq]):
            seal_failures.clear_failure(failure.tenant_id, failure.seq)
            cleared += 1
            continue
        if failure.poison:
            failed += 1
            continue
        try:
            reseal(failure.tenant_id, failure.seq)
        except Exception:  # noqa: BLE001 - noted again by the sealer; the others go on
            failed += 1
            continue
        seal_failures.clear_failure(failure.tenant_id, failure.seq)
        sealed += 1
    if failed:
        logger.error("journal entries still unsealed", extra={"unsealed": failed})
    return {"sealed": sealed, "cleared": cleared, "unsealed": failed}


# ---------------------------------------------------------------- anchoring


def anchor_tenant(tenant_id: str) -> str | None:
    """Seal the heads of the tenant's chains as a ``chain_head`` record.

    Goes through the journal like every sealed record. Nothing is written when
    the heads are those of the last anchor. Returns the journal seq, if any.
    """
    heads = [seal.Head(h.chain, h.sealed, h.sha256) for h in chain_heads.list_heads(tenant_id)
             if h.chain != seal.CHAIN_HEAD and h.sealed > 0]
    if not heads:
        return None
    content = seal.anchor_content(heads, _now())
    last = sealed_records.last_entry(tenant_id, seal.CHAIN_HEAD)
    if last is not None:
        stored = vault.read(last.key, last.version_id)
        if stored is not None:
            try:
                previous = seal.parse(stored[0])["content"].get("heads")
            except seal.SealError:
                previous = None
            if previous == content["heads"]:
                return None
    return journal.put_journal(tenant_id, "chain_head", "heads", content)


def anchor_all() -> dict[str, Any]:
    """The daily job: anchor the chain heads of every tenant that has chains."""
    anchored, failed = [], []
    for tenant_id in chain_heads.tenants_with_chains():
        try:
            if anchor_tenant(tenant_id) is not None:
                anchored.append(tenant_id)
        except Exception:  # noqa: BLE001 - one tenant's failure must not stop the others
            logger.exception("anchoring failed", extra={"tenant_id": tenant_id})
            failed.append(tenant_id)
    if failed:
        raise RuntimeError(f"anchoring failed for {len(failed)} tenant(s)")
    return {"anchored": len(anchored)}
