"""Routes and wiring only: every route reads the request, calls one service, returns."""

from chalice import ConvertToMiddleware

from chalicelib.api import accounts, catalog, lots
from chalicelib.api.routing import ThreadSafeChalice
from chalicelib.observability import logger, metrics

app = ThreadSafeChalice(app_name="lotbook")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

API_PREFIX = "/api"
for blueprint in (accounts.bp, catalog.bp, lots.bp):
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)
