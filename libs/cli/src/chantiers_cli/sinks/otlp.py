"""A minimal OTLP/HTTP trace receiver that appends each span as one JSON line.

The services export with the standard OTLP exporter (protobuf over HTTP), exactly as they
would to Tempo; this sink lets the demo and the tests read the spans back without one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def flatten(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {
            a.key: MessageToDict(a.value).get("stringValue")
            for a in resource_spans.resource.attributes
        }
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                attributes = {
                    a.key: next(iter(MessageToDict(a.value).values()), None)
                    for a in span.attributes
                }
                spans.append({
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex() or None,
                    "name": span.name,
                    "kind": span.kind,
                    "service": resource.get("service.name"),
                    "scope": scope_spans.scope.name,
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "status": span.status.code,
                    "attributes": attributes,
                })
    return spans


def make_app(out: Path) -> FastAPI:
    app = FastAPI()
    lock = threading.Lock()
    out.parent.mkdir(parents=True, exist_ok=True)

    def append(lines: str) -> None:
        with lock, open(out, "a", encoding="utf-8") as handle:
            handle.write(lines)

    @app.post("/v1/traces")
    async def traces(request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        lines = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in flatten(message))
        await asyncio.to_thread(append, lines)
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="OTLP/HTTP trace sink writing JSON lines")
    parser.add_argument("--port", type=int, default=4328)
    parser.add_argument("--file", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(make_app(args.file), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
