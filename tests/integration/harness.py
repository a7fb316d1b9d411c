"""Test harness for Meles integration tests (run with Debian's /usr/bin/python3).

Every test gets its own database in the shared throw-away cluster (created by the ctest
fixture `testdb`), its own state directory, and — when it asks — its own daemon on a free
port.  Everything is torn down again, also when the test fails.

    from harness import Meles
    with Meles("spine") as m:
        m.cli("config")                      # runs `meles --config <state>/meles.conf config`
        m.start()                            # daemon on a free port
        r = m.get("/")                       # urllib response wrapper: .status .headers .body .text
"""
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MELES = os.environ.get("MELES_BIN")
SHARED = os.environ.get("MELES_TEST_STATE")
SOURCE = os.environ.get("MELES_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _ephemeral_range():
    try:
        lo, hi = open("/proc/sys/net/ipv4/ip_local_port_range").read().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A port nobody listens on, chosen below the kernel's ephemeral range: a port the
    kernel handed out for bind(0) is also what it hands out to other tests' outgoing
    connections, and a test that picks its port long before its daemon starts (after
    an import, say) then finds it taken ("Address already in use", seen in CI)."""
    import random
    lo, _ = _ephemeral_range()
    rng = random.Random(os.getpid() ^ time.time_ns())
    for _ in range(200):
        port = rng.randrange(20000, lo if lo > 21000 else 30000)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Meles:
    def __init__(self, name, extra_config=""):
        if not MELES or not SHARED:
            sys.exit("MELES_BIN and MELES_TEST_STATE must be set (run through ctest)")
        self.name = name
        self.dbname = "t_" + name
        self.state = os.path.join(SHARED, "tests", name)
        self.conf = os.path.join(self.state, "meles.conf")
        self.extra_config = extra_config
        self.proc = None
        self.port = None

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self):
        shutil.rmtree(self.state, ignore_errors=True)
        os.makedirs(self.state)
        self.superuser_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.dbname)
        self.superuser_sql("CREATE DATABASE %s OWNER meles_admin TEMPLATE template0" % self.dbname)
        self.superuser_sql("CREATE EXTENSION pg_sphere; CREATE EXTENSION q3c;", db=self.dbname)
        sock = os.path.join(SHARED, "run")
        with open(self.conf, "w") as f:
            f.write("[db]\ndsn = host=%s port=5432 dbname=%s user=meles_admin\n" % (sock, self.dbname))
            f.write("[general]\nlogLevel = debug\n")
            f.write(self.extra_config)
        r = self.cli("init")
        if r.returncode != 0:
            raise RuntimeError("meles init failed:\n" + r.stdout + r.stderr)
        return self

    def __exit__(self, *exc):
        self.stop()
        with contextlib.suppress(Exception):
            self.superuser_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.dbname)
        if exc[0] is None:
            shutil.rmtree(self.state, ignore_errors=True)
        return False

    def superuser_sql(self, sql, db="postgres"):
        sock = os.path.join(SHARED, "run")
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "host=%s port=5432 user=postgres dbname=%s" % (sock, db),
                            "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, r.stderr))
        return r.stdout

    def sql(self, sql, role="meles_admin"):
        """Runs SQL in this test's database; returns rows as lists of strings."""
        sock = os.path.join(SHARED, "run")
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "host=%s port=5432 user=%s dbname=%s" % (sock, role, self.dbname), "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, r.stderr))
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def cli(self, *args, input=None, timeout=600, env=None):
        e = dict(os.environ)
        e.pop("MELES_STATE", None)
        if env:
            e.update(env)
        return subprocess.run([MELES, "--config", self.conf] + list(args), capture_output=True, text=True,
                              input=input, timeout=timeout, env=e)

    def start(self, *extra, port=None):
        """Starts the daemon on `port` (default: a free one)."""
        self.port = port or free_port()
        self.log = open(os.path.join(self.state, "daemon.log"), "w")
        self.proc = subprocess.Popen([MELES, "--config", self.conf, "serve", "--port", str(self.port)] + list(extra),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited: " + open(self.log.name).read())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("daemon did not come up: " + open(self.log.name).read())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def daemon_log(self):
        return open(os.path.join(self.state, "daemon.log")).read()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    # -- HTTP ----------------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        out = Response(r.status, r.getheaders(), r.read())
        c.close()
        return out

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields=None, body=None, headers=None, **kw):
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers = dict(headers or {}, **{"Content-Type": "application/x-www-form-urlencoded"})
        return self.request("POST", path, body=body, headers=headers, **kw)


def import_stars(m, rows=100000, read=True):
    """Puts the demo star catalogue RD (schema stars) with `rows` generated rows into the
    test's inputs and imports it; returns the rows as (id, ra, dec, mag) tuples (with
    read=False, nothing)."""
    inputs = os.path.join(m.state, "inputs", "stars")
    os.makedirs(os.path.join(inputs, "data"), exist_ok=True)
    shutil.copy(os.path.join(SOURCE, "demo", "stars", "q.rd"), inputs)
    gen = os.path.join(os.path.dirname(os.path.dirname(MELES)), "tests", "bench_grammars")
    csv = os.path.join(inputs, "data", "cat1m.csv")
    subprocess.run([gen, "gen", str(rows), csv], check=True, capture_output=True)
    r = m.cli("imp", "stars/q")
    if r.returncode != 0:
        raise RuntimeError("meles imp failed: " + r.stdout + r.stderr)
    if not read:
        return None
    out = []
    with open(csv) as f:
        next(f)
        for line in f:
            i, ra, dec, mag, name = line.rstrip("\n").split(",")
            out.append((int(i), float(ra), float(dec), float(mag)))
    return out


def sky_distance(ra1, dec1, ra2, dec2):
    import math
    ra1, dec1, ra2, dec2 = map(math.radians, (ra1, dec1, ra2, dec2))
    s = math.sin((dec2 - dec1) / 2) ** 2 + math.cos(dec1) * math.cos(dec2) * math.sin((ra2 - ra1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1, math.sqrt(s))))


def votlint(data):
    """Runs stilts votlint on a document; returns its messages ("" when clean)."""
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".vot", delete=False) as f:
        f.write(data)
        path = f.name
    r = subprocess.run(["stilts", "votlint", path], capture_output=True, text=True)
    os.unlink(path)
    return (r.stdout + r.stderr).strip()


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def check_locked_out(failures, right, block=1.0, rounds=5):
    """Checks that failed logins block an account: each callable of `failures` makes one failed
    login (and checks its answer), then `right()` logs in with the right password and must be
    refused with "too many failed logins" (returned).  The daemon times the block (`block`
    seconds at first) from its check of the last failure, which comes after that request was
    sent: a refusal is required when the right password was answered within `block` seconds of
    sending it.  Later, on a loaded machine, the block may have run out and the login succeeded
    (which resets the count); that round says nothing and is repeated."""
    for _ in range(rounds):
        for f in failures[:-1]:
            f()
        t0 = time.monotonic()
        failures[-1]()
        r = right()
        elapsed = time.monotonic() - t0
        if r.status == 401 and "too many failed logins" in r.text:
            return r
        check(elapsed >= block, "logged in %.2f s after the failure that blocks for %.1f s: %d %s" %
              (elapsed, block, r.status, r.text[:300]))
        check(r.status == 200, "the right password after the block: %d %s" % (r.status, r.text[:300]))
    raise AssertionError("the lockout could not be observed: %d rounds each took over %.1f s" % (rounds, block))


def run_tests(tests):
    """Runs test functions in order; prints a line each; exits 1 if any failed."""
    failed = 0
    for t in tests:
        start = time.time()
        try:
            t()
            print("ok   %s (%.1fs)" % (t.__name__, time.time() - start))
        except Exception as e:  # noqa
            failed += 1
            import traceback
            print("FAIL %s: %s" % (t.__name__, e))
            traceback.print_exc()
    print("%d of %d passed" % (len(tests) - failed, len(tests)))
    sys.exit(1 if failed else 0)
