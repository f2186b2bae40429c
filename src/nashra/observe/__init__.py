"""What an operator watches: Prometheus metrics (``/metrics``), readiness (``/readyz``) and
structured logs (one line per event, key=value or JSON)."""

from nashra.observe.logs import configure_logging, event
from nashra.observe.metrics import METRICS, MetricsMiddleware, routes

__all__ = ["METRICS", "MetricsMiddleware", "configure_logging", "event", "routes"]
