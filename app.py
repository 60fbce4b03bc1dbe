"""Routes and wiring only: every route reads the request, calls one service, returns."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib.api import accounts, catalog
from chalicelib.observability import logger, metrics

app = Chalice(app_name="lotbook")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

API_PREFIX = "/api"
for blueprint in (accounts.bp, catalog.bp):
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)
