"""A small local stand-in for the Stripe API, for tests that must not reach the internet.

What it covers, as Stripe documents it (API v1):
- ``POST /v1/accounts`` (Connect Express), ``GET /v1/accounts/{id}``;
- ``POST /v1/account_links`` (returns an onboarding ``url``);
- ``POST /v1/transfers``, ``GET /v1/transfers/{id}``, ``GET /v1/transfers?transfer_group=``;
- form-encoded bodies with bracketed nesting (``metadata[key]=value``), a bearer secret key
  (401 without), errors as ``{"error": {"type", "code", "message"}}``;
- ``Idempotency-Key`` on POST: the first result for a key (status and body, 500s included)
  is replayed with ``Idempotent-Replayed: true``; the same key with other parameters is a
  400 ``idempotency_error``.

Faults, each for the next request whose path starts with a prefix: ``error`` (answer with
a status and error body, saved under the key like Stripe does), ``timeout`` (hang
without doing anything), ``timeout_after`` (do the work, then hang: the client times out
although the object exists) and ``drop_after`` (do the work, then close the connection
without answering).

Not covered: everything else (balances, payouts, charges, pagination beyond one page,
API versions, Connect-account headers, rate limits unless injected as a fault).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Fault:
    prefix: str
    kind: str  # error | timeout | timeout_after | drop_after
    status: int = 500
    error: dict[str, Any] = field(default_factory=dict)


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][c]=v`` → ``{"a": {"b": {"c": "v"}}}`` (Stripe's form encoding)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class StripeStub:
    """Start with ``start()``; point ``STRIPE_API_BASE`` at ``url``; ``stop()`` after."""

    def __init__(self, *, hang_seconds: float = 2.0) -> None:
        self.hang_seconds = hang_seconds
        self.accounts: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.saved: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- control -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StripeStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub._handle(self, "GET")

            def do_POST(self) -> None:
                stub._handle(self, "POST")

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def fail_next(self, prefix: str, *, status: int = 500, type_: str = "api_error",
                  code: str | None = None, message: str = "An error occurred.") -> None:
        error = {"type": type_, "message": message}
        if code:
            error["code"] = code
        self.faults.append(Fault(prefix, "error", status, error))

    def fault_next(self, prefix: str, kind: str) -> None:
        self.faults.append(Fault(prefix, kind))

    def posts(self, prefix: str) -> list[tuple[str, str, dict[str, Any], str | None]]:
        return [r for r in self.requests if r[0] == "POST" and r[1].startswith(prefix)]

    def reverse(self, transfer_id: str) -> dict[str, Any]:
        """What Stripe does on a reversal of the full amount (dashboard or API)."""
        transfer = self.transfers[transfer_id]
        transfer.update(reversed=True, amount_reversed=transfer["amount"])
        return transfer

    # --- serving -----------------------------------------------------------------------
    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length).decode() if length else ""
        params = _nest(parse_qsl(raw or parts.query, keep_blank_values=True))
        key = http.headers.get("Idempotency-Key") if method == "POST" else None
        with self.lock:
            self.requests.append((method, parts.path, params, key))
            fault = next((f for f in self.faults if parts.path.startswith(f.prefix)), None)
            if fault is not None:
                self.faults.remove(fault)
        if not (http.headers.get("Authorization") or "").startswith("Bearer sk_"):
            return self._send(http, 401, {"error": {
                "type": "invalid_request_error", "message": "You did not provide an API key."}})
        if fault is not None and fault.kind == "timeout":
            time.sleep(self.hang_seconds)
            return None
        with self.lock:
            if key is not None and key in self.saved:
                saved_params, status, body = self.saved[key]
                if saved_params != params:
                    return self._send(http, 400, {"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the "
                                   "same parameters they were first used with."}})
                return self._send(http, status, body, replayed=True)
            if fault is not None and fault.kind == "error":
                status, body = fault.status, {"error": fault.error}
            else:
                status, body = self._route(method, parts.path, params)
            if key is not None and status != 400:  # validation failures are not saved
                self.saved[key] = (params, status, body)
        if fault is not None and fault.kind == "timeout_after":
            time.sleep(self.hang_seconds)
            return None
        if fault is not None and fault.kind == "drop_after":
            http.close_connection = True
            http.connection.close()
            return None
        return self._send(http, status, body)

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict]:
        segments = path.strip("/").split("/")
        if segments[:2] == ["v1", "accounts"]:
            if method == "POST" and len(segments) == 2:
                account = {"id": f"acct_{secrets.token_hex(8)}", "object": "account",
                           "type": params.get("type", "express"), "charges_enabled": False,
                           "payouts_enabled": False, "details_submitted": False,
                           "metadata": params.get("metadata", {}), "requirements": {}}
                self.accounts[account["id"]] = account
                return 200, account
            if method == "GET" and len(segments) == 3 and segments[2] in self.accounts:
                return 200, self.accounts[segments[2]]
            return 404, _missing("account")
        if segments == ["v1", "account_links"] and method == "POST":
            if params.get("account") not in self.accounts:
                return 400, _invalid("account", "No such account.")
            return 200, {"object": "account_link", "created": int(time.time()),
                         "expires_at": int(time.time()) + 300,
                         "url": f"https://connect.stripe.com/setup/e/{params['account']}/"
                                f"{secrets.token_hex(6)}"}
        if segments[:2] == ["v1", "transfers"]:
            return self._transfers(method, segments, params)
        return 404, {"error": {"type": "invalid_request_error",
                               "message": f"Unrecognized request URL ({method}: {path})."}}

    def _transfers(self, method: str, segments: list[str], params: dict[str, Any]
                   ) -> tuple[int, dict]:
        if method == "POST" and len(segments) == 2:
            for name in ("amount", "currency", "destination"):
                if not params.get(name):
                    return 400, _invalid(name, f"Missing required param: {name}.")
            if params["destination"] not in self.accounts:
                return 400, _invalid("destination", "No such destination.")
            transfer = {"id": f"tr_{secrets.token_hex(8)}", "object": "transfer",
                        "amount": int(params["amount"]), "currency": params["currency"],
                        "destination": params["destination"], "reversed": False,
                        "amount_reversed": 0, "transfer_group": params.get("transfer_group"),
                        "metadata": params.get("metadata", {}), "created": int(time.time())}
            self.transfers[transfer["id"]] = transfer
            return 200, transfer
        if method == "GET" and len(segments) == 3:
            if segments[2] in self.transfers:
                return 200, self.transfers[segments[2]]
            return 404, _missing("transfer")
        if method == "GET":
            group = params.get("transfer_group")
            data = [t for t in self.transfers.values()
                    if group is None or t["transfer_group"] == group]
            return 200, {"object": "list", "url": "/v1/transfers", "has_more": False,
                         "data": data}
        return 404, _missing("transfer")

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, status: int, body: dict[str, Any],
              replayed: bool = False) -> None:
        data = json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/json")
        http.send_header("Content-Length", str(len(data)))
        http.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
        if replayed:
            http.send_header("Idempotent-Replayed", "true")
        http.end_headers()
        http.wfile.write(data)


def _missing(kind: str) -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "code": "resource_missing",
                      "message": f"No such {kind}."}}


def _invalid(param: str, message: str) -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "code": "parameter_invalid",
                      "param": param, "message": message}}
