"""A real OTLP/HTTP receiver for the host's tests: it takes POST /v1/traces
(protobuf), decodes each request with the official OpenTelemetry protobuf
definitions (the opentelemetry-proto package), and appends every span to a
JSON-lines file. Writes its port to PORT_FILE once it accepts connections.

usage: otlp_receiver.py SPANS_FILE PORT_FILE
"""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(item) for item in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces":
            self.send_error(404)
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with open(sys.argv[1], "a", encoding="utf-8") as spans:
            for resource_spans in request.resource_spans:
                resource = {item.key: value(item.value) for item in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        spans.write(json.dumps({
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_span_id": span.parent_span_id.hex(),
                            "name": span.name,
                            "kind": span.kind,
                            "start": span.start_time_unix_nano,
                            "end": span.end_time_unix_nano,
                            "status": span.status.code,
                            "attributes": {item.key: value(item.value) for item in span.attributes},
                            "service": resource.get("service.name"),
                        }) + "\n")
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


# A test starts this beside others that spawn processes at the same moment: a
# pipe of theirs inherited here would keep their reader waiting for an end of
# file until this server stops. Keep stdin, stdout and stderr only.
os.closerange(3, os.sysconf("SC_OPEN_MAX"))
# A parent that ignores SIGTERM (a host under test does) passes that on; stop when told.
signal.signal(signal.SIGTERM, signal.SIG_DFL)

server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as port:
    port.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
