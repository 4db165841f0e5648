"""OpenTelemetry spans of every answer step: the answer (or summary) as a whole, and within it
retrieve, evidence, gate, compose, verdict, generate and each check of the draft's sentences,
with the figures `--json` shows (timings, P(yes), sentences kept and removed, tokens).

Spans go nowhere unless configured (QA_TELEMETRY__EXPORTER): `console` prints them, `otlp`
sends them to a collector (QA_TELEMETRY__OTLP_ENDPOINT, gRPC). Without a configured provider
the OpenTelemetry API hands out no-op spans, so tracing costs nothing when off.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace

from qa.config import Settings

__all__ = ["configure", "note", "span", "timings"]

_provider: Any = None
_from_settings = False  # the settings' exporter is added once per process, however many services
_lock = threading.Lock()


def configure(settings: Settings | None = None, exporter: Any = None) -> bool:
    """Send qa's spans to `exporter` (any SpanExporter, e.g. the SDK's in-memory one), or to
    the one settings.telemetry names; the provider is installed once per process, later calls
    add their exporter to it. False when there is nothing to export to."""
    global _provider, _from_settings
    from_settings = exporter is None
    if from_settings:
        kind = settings.telemetry.exporter if settings else "none"
        if kind == "none" or _from_settings:
            return False
        _from_settings = True
        exporter = _exporter(settings)  # type: ignore[arg-type]
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    with _lock:
        if _provider is None:
            _provider = TracerProvider(resource=Resource.create({"service.name": "qa"}))
            trace.set_tracer_provider(_provider)
        # a collector gets batches; the console and a test's exporter see each span as it ends
        batch = from_settings and settings.telemetry.exporter == "otlp"  # type: ignore[union-attr]
        _provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    return True


def _exporter(settings: Settings):
    if settings.telemetry.exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    endpoint = settings.telemetry.otlp_endpoint
    return OTLPSpanExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))


def _value(v: Any) -> Any:
    """An attribute value OpenTelemetry takes: str, bool, int, float or a list of one of them."""
    if isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, (list, tuple)):
        return [x if isinstance(x, (str, bool, int, float)) else str(x) for x in v]
    return str(v)


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span `qa.<name>` around the block, with the attributes that are not None (set more
    on the yielded span as they become known)."""
    tracer = trace.get_tracer("qa")
    attrs = {f"qa.{k}": _value(v) for k, v in attributes.items() if v is not None}
    with tracer.start_as_current_span(f"qa.{name}", attributes=attrs) as sp:
        yield sp


def note(sp: trace.Span, **values: Any) -> None:
    """Set `qa.<name>` attributes on sp, leaving out those that are None."""
    sp.set_attributes({f"qa.{k}": _value(v) for k, v in values.items() if v is not None})


def timings(sp: trace.Span, values: dict[str, float], prefix: str = "qa.seconds") -> None:
    """Each timing (seconds) as an attribute of sp."""
    for k, v in values.items():
        sp.set_attribute(f"{prefix}.{k}", float(v))
