"""What an operator watches: Prometheus metrics (``/metrics``), readiness (``/readyz``, served by
``nashra.observe.web``) and structured logs (one line per event, key=value or JSON)."""

from nashra.observe.logs import configure_logging, event
from nashra.observe.metrics import METRICS, MetricsMiddleware

__all__ = ["METRICS", "MetricsMiddleware", "configure_logging", "event"]
