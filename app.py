"""Routes and wiring only: every route reads the request, calls one service, returns."""

from chalice import ConvertToMiddleware, Cron, Rate

from chalicelib.api import accounts, articles, catalog, compliance, documents, exports, lots, openapi, year_end
from chalicelib.api import fiscal_archives as fiscal_archives_api
from chalicelib.api import inspectors as inspectors_api
from chalicelib.api import media as media_api
from chalicelib.api.routing import ThreadSafeChalice
from chalicelib.observability import logger, metrics
from chalicelib.tracing import traced

app = ThreadSafeChalice(app_name="lotbook")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
app.api.binary_types.append("application/pdf")  # chalicelib/api/documents.py

API_PREFIX = "/api"
for blueprint in (accounts.bp, catalog.bp, lots.bp, articles.bp, compliance.bp, documents.bp, year_end.bp,
                  exports.bp, openapi.bp, media_api.bp, inspectors_api.bp, fiscal_archives_api.bp):
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)


# The journal's stream: every legal record is sealed from here (chalicelib/services/sealing.py).
# The ARN is a placeholder: the local stack maps it to the journal table's stream and the
# cloud template replaces it with the table's StreamArn (infrastructure/cloud/sealing.py).
@app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:eu-west-3:123456789012:table/journal/stream/local",
                        batch_size=100, starting_position="TRIM_HORIZON")
@traced
def seal_journal(event):
    from chalicelib.services import sealing

    sealing.seal_stream_records(event)


# The transfers' stream: a sale or deposit to another subscriber becomes that subscriber's
# pending lot (chalicelib/services/transfers.py). Placeholder ARN, mapped like the journal's.
@app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:eu-west-3:123456789012:table/transfers/stream/local",
                        batch_size=25, starting_position="TRIM_HORIZON")
@traced
def deliver_transfers(event):
    from chalicelib.services import transfers

    return transfers.deliver_stream_records(event)


# Daily, after the day's business: the head of every chain is sealed in the chain_head chain.
@app.schedule(Cron(50, 23, "*", "*", "?", "*"), name="anchor_chain_heads")
def anchor_chain_heads(event):
    from chalicelib.services import sealing

    return sealing.anchor_all()


# Every 5 minutes: journal entries the stream's retries could not seal are sealed again, so a
# failure never stops sealing silently (their count shows in /api/health until they are).
@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_sealing")
def retry_sealing(event):
    from chalicelib.services import sealing

    return sealing.retry_failures()


# January 2nd: a draft 2093 (its pre-check) for every tenant with metal purchases last year.
@app.schedule(Cron(0, 5, 2, 1, "?", "*"), name="prepare_2093_drafts")
def prepare_2093_drafts(event):
    from chalicelib.services import declarations

    return declarations.prepare_drafts()


# Long work (2093 file, backups, closures): the one task of the "jobs" state machine
# (infrastructure/statemachines/jobs.asl.json, chalicelib/services/jobs.py).
@app.lambda_function(name="run_job")
@traced
def run_job(event, context):
    from chalicelib.services import jobs

    return jobs.run(event)


# Each night (00:10 or 01:10 in Paris): the cash register's closings of the days, months and
# years that are over, sealed in the closing chain (chalicelib/services/closings.py).
@app.schedule(Cron(10, 23, "*", "*", "?", "*"), name="close_registers")
def close_registers(event):
    from chalicelib.services import closings

    return closings.close_all()


# The media bucket's uploads (ObjectCreated under originals/): check each file, make the
# image thumbnails, mark the media ready or rejected (chalicelib/services/media.py). A plain
# function, as `chalice package` cannot package on_s3_event: the local stack and the cloud
# template wire the bucket's notification to it.
@app.lambda_function(name="make_thumbnail")
@traced
def make_thumbnail(event, context):
    from chalicelib.services import media

    return media.process_upload_event(event)
