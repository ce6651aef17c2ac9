"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 (port 0) for the real llm parser.

``POST /v1/chat/completions`` (the parser's AI_BASE_URL is ``server.url`` = ``http://127.0.0.1:PORT/v1``)
answers according to ``server.mode``:

- ``good``: 200 with ``choices[0].message.content`` = ``json.dumps(server.answer)``;
- ``slow``: sleeps ``server.delay`` seconds before a good answer (beyond the parser's cap);
- ``drip``: sends headers at once, then the good body one byte every ``server.delay`` seconds;
- ``error``: HTTP 500;
- ``garbage``: 200 whose message content is not JSON.

Every request is recorded (path, headers, decoded JSON body) in ``server.requests``.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD, SLOW, DRIP, ERROR, GARBAGE = "good", "slow", "drip", "error", "garbage"


class FakeAIServer:
    def __init__(self):
        self.mode = GOOD
        self.delay = 0.0
        self.answer: dict = {"category": None, "zone": None, "urgency": "normal", "language": "fr", "description": ""}
        self.requests: list[dict] = []
        self.on_request = None  # optional callable run (in the server's thread) as each request arrives
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeAIServer":
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-ai", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # sleeping handlers wake up and give up
        self.server.shutdown()
        self.server.server_close()

    def completion_body(self, content: str) -> bytes:
        return json.dumps({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }).encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAIServer

    def log_message(self, *args):  # keep test output quiet
        return

    def do_POST(self):  # noqa: N802  (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        with self.fake.lock:
            self.fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)})
        if self.fake.on_request is not None:
            self.fake.on_request()
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, b'{"error": "not found"}')
            return
        mode = self.fake.mode
        if mode == SLOW and self.fake.stopping.wait(self.fake.delay):
            return
        if mode == ERROR:
            self._send(500, b'{"error": {"message": "internal error"}}')
        elif mode == GARBAGE:
            self._send(200, self.fake.completion_body("Sure! The category is plumbing :)"))
        elif mode == DRIP:
            self._drip(self.fake.completion_body(json.dumps(self.fake.answer)))
        else:
            self._send(200, self.fake.completion_body(json.dumps(self.fake.answer)))

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for index in range(len(body)):
            if self.fake.stopping.wait(self.fake.delay):
                return
            try:
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
            except OSError:
                return  # the client gave up: that is the point of the test
