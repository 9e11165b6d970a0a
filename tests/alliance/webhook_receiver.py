"""A marketplace stand-in for the webhook tests: a threaded HTTP server on 127.0.0.1."""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One POST the receiver got: its headers and the exact bytes of its body."""

    headers: dict
    body: bytes

    @property
    def document(self) -> dict:
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Alliance-Delivery"]


class Receiver:
    """Record every POST and answer as `respond(document)` says: a status, or (seconds, status)
    to answer late."""

    def __init__(self):
        self.received: list[Received] = []
        self.respond = lambda _document: 200
        self.answer_text = b""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the sender uses it

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(Received(dict(self.headers), body))
                answer = receiver.respond(json.loads(body))
                if isinstance(answer, tuple):
                    time.sleep(answer[0])
                    answer = answer[1]
                self.send_response(answer)
                self.send_header("Content-Length", str(len(receiver.answer_text)))
                self.end_headers()
                self.wfile.write(receiver.answer_text)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_port}/alliance/events?v=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> list[str]:
        return [item.delivery_id for item in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
