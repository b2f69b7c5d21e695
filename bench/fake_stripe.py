"""A Stripe-compatible stand-in for the production end-to-end test and the load benchmark.

    .venv/bin/python bench/fake_stripe.py --port 8123 [--base-url http://127.0.0.1:8123]

The production settings never run the in-app test gateway, so there the real Stripe SDK talks to
this process instead (`STRIPE_API_BASE=http://127.0.0.1:8123`). It answers the one call a one-off
gift makes, `POST /v1/checkout/sessions`, with a Stripe-shaped session built from Stripe's
published example object, and honours `Idempotency-Key` as Stripe does (the same key returns the
same session, never a second one). `GET /v1/checkout/sessions/<id>` reads a session back.

Two routes are not Stripe's, for the tests to look behind the curtain:
`GET /_sessions` (every session created, as JSON) and `GET /_stats` (counts of requests).
Nothing here charges, stores card data or sends events: the caller completes a session by
POSTing a signed `checkout.session.completed` event (`completed_event`) to the site's webhook.
"""

import argparse
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "charity" / "stripe_examples.json"


def _example(resource: str, **fields) -> dict:
    obj = json.loads(EXAMPLES.read_text())["resources"][resource]
    obj.update(fields)
    return obj


def _nested(form: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`metadata[donation]=5`, `line_items[0][quantity]=1`) as a dict;
    list indexes stay string keys, which is all this stand-in needs."""
    result: dict = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def checkout_session(params: dict, *, base_url: str) -> dict:
    """The session Stripe would return for `params` (as the SDK posted them)."""
    session_id = f"cs_test_{secrets.token_hex(12)}"
    item = (params.get("line_items") or {}).get("0") or {}
    price = item.get("price_data") or {}
    amount = int(price.get("unit_amount") or 0) * int(item.get("quantity") or 1)
    return _example(
        "checkout.session",
        id=session_id,
        object="checkout.session",
        url=f"{base_url}/pay/{session_id}",
        mode=params.get("mode", "payment"),
        status="open",
        payment_status="unpaid",
        amount_subtotal=amount,
        amount_total=amount,
        currency=price.get("currency"),
        client_reference_id=params.get("client_reference_id"),
        customer_email=params.get("customer_email"),
        metadata=params.get("metadata") or {},
        success_url=params.get("success_url"),
        cancel_url=params.get("cancel_url"),
        payment_intent=None,
        created=int(time.time()),
        livemode=False,
    )


def completed_event(session: dict) -> dict:
    """The `checkout.session.completed` event Stripe sends once the donor has paid `session`."""
    paid = dict(
        session,
        status="complete",
        payment_status="paid",
        payment_intent=f"pi_test_{secrets.token_hex(12)}",
    )
    return _example(
        "event",
        id=f"evt_test_{secrets.token_hex(12)}",
        type="checkout.session.completed",
        data={"object": paid},
        created=int(time.time()),
        livemode=False,
    )


class FakeStripe(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address, base_url: str | None = None):
        super().__init__(address, Handler)
        self.base_url = base_url or f"http://{address[0]}:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.sessions: dict[str, dict] = {}
        self.by_idempotency_key: dict[str, str] = {}
        self.stats = {"created": 0, "replayed": 0, "unauthorized": 0, "not_found": 0}


class Handler(BaseHTTPRequestHandler):
    server: FakeStripe
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass  # quiet: thousands of requests under load

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        self._send(status, {"error": {"type": kind, "message": message}})

    def _authorized(self) -> bool:
        if self.headers.get("Authorization", "").startswith("Bearer sk_"):
            return True
        with self.server.lock:
            self.server.stats["unauthorized"] += 1
        self._error(401, "Invalid API Key provided", "authentication_error")
        return False

    def do_GET(self):
        if self.path == "/_sessions":
            with self.server.lock:
                self._send(200, {"data": list(self.server.sessions.values())})
            return
        if self.path == "/_stats":
            with self.server.lock:
                self._send(200, dict(self.server.stats, sessions=len(self.server.sessions)))
            return
        if self.path.startswith("/v1/checkout/sessions/") and self._authorized():
            session_id = self.path.rsplit("/", 1)[-1].split("?")[0]
            with self.server.lock:
                session = self.server.sessions.get(session_id)
            if session is None:
                self._error(404, f"No such checkout.session: '{session_id}'")
            else:
                self._send(200, session)
            return
        if not self.path.startswith("/v1/"):
            self._error(404, "Not a Stripe route")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path != "/v1/checkout/sessions":
            with self.server.lock:
                self.server.stats["not_found"] += 1
            self._error(404, f"Unrecognized request URL (POST: {self.path})")
            return
        if not self._authorized():
            return
        params = _nested(parse_qsl(body, keep_blank_values=True))
        key = self.headers.get("Idempotency-Key")
        with self.server.lock:
            if key and key in self.server.by_idempotency_key:
                # Stripe replays the first answer to a retried request.
                self.server.stats["replayed"] += 1
                session = self.server.sessions[self.server.by_idempotency_key[key]]
            else:
                session = checkout_session(params, base_url=self.server.base_url)
                self.server.sessions[session["id"]] = session
                if key:
                    self.server.by_idempotency_key[key] = session["id"]
                self.server.stats["created"] += 1
        self._send(200, session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--base-url", help="the address put in sessions' payment URLs")
    args = parser.parse_args()
    server = FakeStripe((args.host, args.port), base_url=args.base_url)
    # The first line of output tells a parent process where to find us.
    print(f"listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
