"""Tools of the hostile-input probes (issue 10), shared by test_hostile_uploads.py,
test_hostile_transport.py, test_hostile_auth.py and the acceptance run test_hostile.py
(`scripts/bench hostile` runs it at full size): raw HTTP the standard clients will not send,
readings of the daemon's process (/proc) and connections (pg_stat_activity), what must never
reach a client, and a latency monitor in its own process.

Clients that misbehave connect from other loopback addresses (127.0.0.2, ...), as separate
machines would: one address gets only [web] maxClientRequests handlers at once."""
import http.client
import http.server
import multiprocessing
import os
import re
import select
import socket
import threading
import time
import urllib.parse

from harness import Response, check
from tapdata import error_message

VOT_HEAD = b'<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
# The reproducer of issue 10 item 1, byte for byte.
NO_FIELDS = (b'<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE><DATA><BINARY2>'
             b'<STREAM encoding="base64">AAAAAAAAAAAAAA==</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>')

# The one message for any URL upload that cannot be used (items 7, 8).
NEUTRAL = ("could not be used: it could not be fetched, or what it returned is not a VOTable this service can "
           "read (the service does not say which, so as not to tell what it can reach)")

# ---------------------------------------------------------------- what must never reach a client

# PostgreSQL's, libpq's, the kernel's and Python's words, and server paths (case-insensitive).
INTERNALS = ["byte sequence", "SQLSTATE", "select list", "ERROR:", "syntax error at or near", "does not exist",
             "postgres", "PGSQL", "pg_temp", "tap_upload_", "meles_ro", "meles_admin", "libpq", "Traceback", "FATAL:",
             "/tmp/", "/var/", "/root", "/home/", "/usr/lib/postgresql"]
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Queries PostgreSQL would have answered with its own texts (item 13): (query, what Meles says;
# None for the last, whose 0xff byte is refused as not UTF-8).
HOSTILE_QUERIES = [
    ("SELECT id FROM tapt.main ORDER BY -1", "ORDER BY position -1 is out of range"),
    ("SELECT id FROM tapt.main GROUP BY -1", "GROUP BY position -1 is out of range"),
    ("SELECT id FROM tapt.main ORDER BY 'x'", "is a constant"),
    ("SELECT id, 1e400 AS big FROM tapt.main", "outside the range of double precision"),
    ("SELECT id FROM tapt.main WHERE ra < " + "1" * 400, "outside the range of double precision"),
    ("SELECT DISTINCT ra FROM tapt.main ORDER BY dec", "With SELECT DISTINCT, ORDER BY can only sort by selected"),
    ("SELECT id FROM tapt.main WHERE name = '\udcff'", None),  # a raw 0xff byte
]


def query_bytes(q):
    return q.encode("utf-8", "surrogateescape")


def leaks(m, body, digits=True):
    """The internals a response body shows (empty: none).  digits=False for documents that
    echo the query (a job's parameters), where the user's own long number may stand."""
    text = body.decode("utf-8", "replace")
    found = [s for s in INTERNALS if s.lower() in text.lower()]
    for path in (m.state, os.path.realpath(m.state), SOURCE_DIR):
        if path in text:
            found.append("path " + path)
    if digits and re.search(r"\d{60}", text):
        found.append("a number of 60 or more digits")
    return found


def no_leaks(m, r, what, digits=True):
    found = leaks(m, r.body, digits)
    check(not found, "%s: response shows %s: %d %s" % (what, found, r.status, r.text[:400]))


def clean_error(m, r, statuses, needle):
    """A DALI error document with one of `statuses`, naming the problem, short, without internals."""
    check(r.status in statuses, "status %d (wanted %s): %s" % (r.status, statuses, r.body[:300]))
    msg = error_message(r.body)
    check(msg is not None, "no DALI error document: %r" % r.body[:300])
    check(needle in msg, "message %r does not say %r" % (msg[:300], needle))
    check(len(r.body) < 4096, "error document of %d bytes" % len(r.body))
    no_leaks(m, r, needle)
    return msg


# ---------------------------------------------------------------- the daemon's process

def proc_status(pid, key):
    """A number of /proc/PID/status (VmRSS, VmHWM in kB; Threads)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (key, pid))


def rss_mib(pid):
    return proc_status(pid, "VmRSS") / 1024.0


def threads(pid):
    return proc_status(pid, "Threads")


class PeakRss:
    """Samples a process's resident memory every 10 ms while the block runs: .grown_mib is
    the peak over the start."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.base = self.peak = proc_status(self.pid, "VmRSS")
        self.stop = threading.Event()

        def sample():
            while not self.stop.is_set():
                self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))
                time.sleep(0.01)
        self.thread = threading.Thread(target=sample)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.grown_mib = (self.peak - self.base) / 1024.0
        return False


def cpu_seconds(pid):
    """User and system CPU time the process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- its database connections

def count_backends(m, where):
    """Client backends of the test's database (other than the one asking) matching `where`."""
    out = m.superuser_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND backend_type = "
                          "'client backend' AND pid <> pg_backend_pid() AND (%s)" % (m.dbname, where), db=m.dbname)
    return int(re.search(r"\d+", out.split("\n", 2)[2]).group(0))


def backends(m, state_like="%"):
    return count_backends(m, "coalesce(state, '') LIKE '%s'" % state_like)


def active_ro_queries(m, needle):
    """Statements of the read role containing `needle` that are not done (running, or blocked
    sending their rows)."""
    return count_backends(m, "usename = 'meles_ro' AND state <> 'idle' AND query LIKE '%%%s%%'" % needle)


def ro_connections(m):
    return count_backends(m, "usename = 'meles_ro'")


def wait_until(cond, seconds, step=0.2):
    deadline = time.time() + seconds
    while not cond() and time.time() < deadline:
        time.sleep(step)
    return cond()


def settled(m, what, idle=1.5, probe=None):
    """After a probe: no CPU burnt (nothing spinning), no transaction left open, the daemon
    answers (`probe`, a tiny request, when given)."""
    time.sleep(0.3)
    before = cpu_seconds(m.proc.pid)
    time.sleep(idle)
    used = cpu_seconds(m.proc.pid) - before
    check(used < 0.25, "%s: the daemon used %.2f s of CPU in %.1f s after the request ended" % (what, used, idle))
    check(backends(m, "idle in transaction%") == 0, "%s: a connection was left in a transaction" % what)
    if probe:
        probe()


# ---------------------------------------------------------------- raw HTTP

class RawResponse:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name)


def client_socket(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def get_from(m, path, source, headers=None, timeout=60):
    """GET from another client address."""
    c = http.client.HTTPConnection("127.0.0.1", m.port, timeout=timeout, source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        resp = c.getresponse()
        return Response(resp.status, resp.getheaders(), resp.read())
    finally:
        c.close()


def raw_request(method, path, fields=None):
    body = urllib.parse.urlencode(fields).encode() if fields else b""
    head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
    if fields:
        head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n" % len(body)
    return (head + "\r\n").encode() + body


def read_all(sockets, deadline, close_rest=True):
    """Reads the sockets until each ends (or the deadline); returns {socket: bytes} and, with
    close_rest=False, leaves the sockets that have not ended open."""
    out = {s: b"" for s in sockets}
    open_ = set(sockets)
    while open_ and time.time() < deadline:
        ready, _, _ = select.select(list(open_), [], [], 0.2)
        for s in ready:
            try:
                data = s.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                open_.discard(s)
                s.close()
            else:
                out[s] += data
    if close_rest:
        for s in open_:
            s.close()
    return out, open_


def body_of(response):
    """(head, body) of a raw HTTP response, chunked transfer decoded."""
    head, _, body = response.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = [], body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            out.append(rest[:n])
            rest = rest[n + 2:]
        body = b"".join(out)
    return head, body


def status_of(head):
    return int(head.split(b"\r\n", 1)[0].split()[1])


def raw_put(m, path, pieces, content_length=None, pace=0.0, headers=None, timeout=60, source="127.0.0.1"):
    """PUT with the body from `pieces` (chunked unless content_length), `pace` seconds between
    pieces; stops sending when the server answers early."""
    s = client_socket(m.port, source)
    s.settimeout(timeout)
    h = {"Host": "x", "Content-Type": "application/x-votable+xml"}
    h.update(headers or {})
    if content_length is None:
        h["Transfer-Encoding"] = "chunked"
    else:
        h["Content-Length"] = str(content_length)
    s.sendall(("PUT %s HTTP/1.1\r\n%s\r\n" % (path, "".join("%s: %s\r\n" % kv for kv in h.items()))).encode())
    answered = threading.Event()

    def send():
        try:
            for p in pieces:
                if answered.is_set():
                    return
                s.sendall(("%x\r\n" % len(p)).encode() + p + b"\r\n" if content_length is None else p)
                if pace:
                    time.sleep(pace)
            if content_length is None:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: that is what some probes expect
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    resp = http.client.HTTPResponse(s)
    try:
        resp.begin()
        body = resp.read()
    finally:
        answered.set()
    out = RawResponse(resp.status, dict(resp.getheaders()), body)
    s.close()
    return out


def abandon_put(m, path, doc, source="127.0.0.1"):
    """A PUT announcing twice `doc`'s size that sends its first third in small pieces and goes
    away: the daemon must stop working on it."""
    s = client_socket(m.port, source)
    s.sendall(b"PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-votable+xml\r\n"
              b"Content-Length: %d\r\n\r\n" % (path.encode(), len(doc) * 2))
    try:
        for p in pieces_of(doc[:len(doc) // 3], 2048):
            s.sendall(p)
            time.sleep(0.0002)
    except OSError:
        pass  # the daemon refused the document before the third was sent
    s.close()


def pieces_of(data, size):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def serve_bytes(files):
    """A local HTTP server for `files` {path: bytes, or a str: the URL it redirects to};
    .hits counts requests, .paths lists them."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            srv.hits += 1
            srv.paths.append(self.path)
            data = files.get(self.path)
            if data is None:
                self.send_error(404)
                return
            if isinstance(data, str):
                self.send_response(302)
                self.send_header("Location", data)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-votable+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.hits = 0
    srv.paths = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def basic(credentials):
    """Authorization header for raw credential bytes (str is encoded as UTF-8)."""
    import base64
    if isinstance(credentials, str):
        credentials = credentials.encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}


# ---------------------------------------------------------------- the latency monitor

def percentile(values, p):
    """The p-th percentile (nearest rank) of values; None when there are none."""
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


def _monitor_main(conn, port, pid, targets, interval, source):
    """The monitor's process: one thread per target requesting it again and again (a new
    connection each time, so that a starved accept shows), one sampling the daemon's threads
    and memory; answers the parent's "collect" with what came since the last one."""
    lock = threading.Lock()
    samples, procs = [], []
    stop = threading.Event()

    def request(name, path):
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
                c.request("GET", path)
                r = c.getresponse()
                body = r.read()
                c.close()
                status = r.status if b'value="ERROR"' not in body else -r.status
            except Exception as e:  # noqa: a failure is a sample too
                status = str(e)
            t1 = time.monotonic()
            with lock:
                samples.append((name, t0, t1 - t0, status))
            stop.wait(interval)

    def sample_process():
        while not stop.is_set():
            try:
                p = (time.monotonic(), threads(pid), proc_status(pid, "VmRSS"))
            except (OSError, AssertionError):
                break
            with lock:
                procs.append(p)
            stop.wait(0.05)

    workers = [threading.Thread(target=request, args=t, daemon=True) for t in targets.items()]
    workers.append(threading.Thread(target=sample_process, daemon=True))
    for w in workers:
        w.start()
    while True:
        cmd = conn.recv()
        with lock:
            out = (samples[:], procs[:])
            del samples[:], procs[:]
        conn.send(out)
        if cmd == "stop":
            stop.set()
            return


class Monitor:
    """Requests `targets` ({name: path}) from `source` continuously, in a process of its own
    (the probes' Python work would otherwise delay its requests: one interpreter lock), and
    samples the daemon's threads and resident memory every 50 ms.  `window()` returns what
    was seen since the last call: latencies per target, failures, the most threads and the
    largest RSS."""

    def __init__(self, m, targets, interval=0.02, source="127.0.0.1"):
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.targets = targets
        self.interval = interval
        self.proc = ctx.Process(target=_monitor_main, args=(child, m.port, m.proc.pid, targets, interval, source),
                                daemon=True)
        self.proc.start()

    def window(self, cmd="collect"):
        self.conn.send(cmd)
        samples, procs = self.conn.recv()
        out = Window(self.targets, self.interval)
        for name, t0, took, status in samples:
            out.latency[name].append(took)
            if status != 200:
                out.failures.append((name, status))
        out.threads = max((p[1] for p in procs), default=0)
        out.rss_kib = max((p[2] for p in procs), default=0)
        return out

    def stop(self):
        if self.proc.is_alive():
            w = self.window("stop")
            self.proc.join(10)
            return w
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Window:
    """What the monitor saw in a stretch of time.  Percentiles are corrected for coordinated
    omission: a request that took L while the monitor would have sent one every `interval`
    stands for the L / interval requests it kept from being sent, which would have waited
    L - interval, L - 2 interval, ... (as HdrHistogram's recordValueWithExpectedInterval);
    else one request stuck for four seconds would be a single sample among hundreds."""

    def __init__(self, targets, interval):
        self.latency = {name: [] for name in targets}
        self.interval = interval
        self.failures = []
        self.threads = 0
        self.rss_kib = 0

    def corrected(self, name):
        out = []
        for took in self.latency[name]:
            out.append(took)
            missed = took - self.interval
            while missed > self.interval:
                out.append(missed)
                missed -= self.interval
        return out

    def p(self, name, q):
        return percentile(self.corrected(name), q)

    def worst(self, name):
        return max(self.latency[name], default=0.0)

    def summary(self, name):
        """p50/p99/max in milliseconds and the number of requests."""
        v = self.latency[name]
        if not v:
            return "no requests"
        return "p50 %5.1f  p99 %6.1f  max %6.1f ms (n=%d)" % (self.p(name, 50) * 1000, self.p(name, 99) * 1000,
                                                              self.worst(name) * 1000, len(v))
