"""fakehttp: the HTTP scaffolding the fake services share (fakegh, fakeargocd,
fakeoidc): what they answer lives in each fake, how it goes over the wire
lives here, once.

* ``FakeServer``: one ThreadingHTTPServer on 127.0.0.1 (port 0: a free one),
  optionally HTTPS with a self-signed certificate for 127.0.0.1 and
  localhost made by the ``openssl`` CLI (``self_signed``; ``ca_file`` is
  that certificate);
  ``start()``/``stop()`` or a ``with`` block; ``url``.  ``stop()`` also
  closes the connections still open (a client kept alive, a hung answer),
  so a test never waits on a fake it has finished with.  ``_stopping`` is
  set from stop() on: a fault that waits (hang, delay) waits on it.
  Subclasses set ``handler`` (a ``Handler`` subclass) and ``cert_name``.
* ``Handler``: HTTP/1.1 keep-alive, no logging, the TLS handshake in the
  connection's own thread (a client that refuses the certificate costs
  that connection alone), the request body (Content-Length or chunked,
  capped), ``send_json`` and ``deliver``, which sends an answer whole or
  damaged by a transport fault: ``drop`` (close without answering),
  ``hang`` (answer nothing until ``seconds`` or stop), ``truncate`` (half
  the body, its length announced whole), ``close_mid`` (half the body, then
  close), ``trickle`` (``chunk`` bytes every ``interval`` seconds).
* ``serve_until_signal``: the CLI mode: print the URL (and write it to a
  file, atomically), serve until SIGTERM or SIGINT.

Python stdlib only.
"""
import contextlib
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

TRANSPORT_FAULTS = {"drop", "hang", "truncate", "close_mid", "trickle"}


def self_signed(directory, name):
    """A self-signed certificate for 127.0.0.1 and localhost, CN "<name>
    self-signed": (cert.pem, key.pem) made in `directory`."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=%s self-signed" % name,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 256


class FakeServer:
    handler = None       # the Handler subclass that serves this fake
    cert_name = "fake"   # the certificate's CN: "<cert_name> self-signed"

    def __init__(self, host="127.0.0.1", port=0, https=False):
        self.host = host
        self.port = port
        self.https = https
        self.ca_file = None
        self._tmpdir = None
        self._server = None
        self._thread = None
        self._stopping = threading.Event()
        self._conns = set()
        self._conns_lock = threading.Lock()

    def start(self):
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self.handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        if self.https:
            self._tmpdir = tempfile.mkdtemp(prefix=self.cert_name + "-")
            cert, key = self_signed(self._tmpdir, self.cert_name)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True,
                                                  do_handshake_on_connect=False)
            self.ca_file = cert
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            with self._conns_lock:
                conns = list(self._conns)
            for c in conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
            self._server = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.https else "http", self.port)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall
    timeout = 60

    def log_message(self, fmt, *args):  # a fake logs on its own terms, if at all
        pass

    def handle(self):
        fake = self.server.fake
        with fake._conns_lock:
            fake._conns.add(self.connection)
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                try:
                    self.connection.settimeout(10)
                    self.connection.do_handshake()
                except (OSError, ssl.SSLError):
                    return  # e.g. the client refused our certificate
            super().handle()
        except OSError:
            pass
        finally:
            with fake._conns_lock:
                fake._conns.discard(self.connection)

    def read_body(self, limit):
        """The request body; ValueError past `limit` bytes."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > limit:
                    raise ValueError("body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def send_head(self, status, headers, data, close=False):
        """Status line and headers; Content-Length from `data` (none for 204
        and 304, which have no body)."""
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() != "content-length":
                self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def send_json(self, status, doc, headers=None):
        data = json.dumps(doc).encode()
        self.send_head(status, dict(headers or {"Content-Type": "application/json"}), data)
        self.wfile.write(data)

    def deliver(self, status, headers, data, kind=None, params=None):
        """Send an answer, damaged by the transport fault `kind` (None: whole)."""
        fake = self.server.fake
        params = params or {}
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "hang":
            fake._stopping.wait(params.get("seconds"))
            self.close_connection = True
            return
        if status in (204, 304):
            data = b""
        if kind == "truncate":
            data = data[:max(1, len(data) // 2)]
        if kind == "close_mid":
            self.send_head(status, headers, data, close=True)
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            return
        self.send_head(status, headers, data)
        if kind == "trickle":
            chunk = int(params.get("chunk", 1))
            interval = float(params.get("interval", 0.2))
            for i in range(0, len(data), chunk):
                if fake._stopping.is_set():
                    self.close_connection = True
                    return
                self.wfile.write(data[i:i + chunk])
                self.wfile.flush()
                time.sleep(interval)
            return
        self.wfile.write(data)


def serve_until_signal(fake, url_file=None, started=None):
    """Start `fake`, call `started()` (e.g. copy the certificate), print its
    URL (also into `url_file`, atomically), serve until SIGTERM/SIGINT."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    fake.start()
    if started:
        started()
    if url_file:
        with open(url_file + ".tmp", "w") as fh:
            fh.write(fake.url + "\n")
        os.replace(url_file + ".tmp", url_file)
    print(fake.url, flush=True)
    done.wait()
    fake.stop()
    return 0
