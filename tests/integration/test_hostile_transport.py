"""Hostile clients against the transport, threads and outgoing fetches (issue 10, items 5-8
and 11), each probe run against a real daemon while a watcher measures the latency of `/`
and of a tiny TAP query from another client address and samples the daemon's threads:

- 250 blocking WAITs hold no thread (parked on the event loop), and a client's share of
  waits is bounded; the waits end when the job changes;
- clients that stop reading a large result do not keep its database connection (the rest
  of the result waits in a bounded file), still get the whole document, and one falling
  too far behind gets it cut with an in-band error;
- an exhausted pool answers 503 with Retry-After and a DALI document; one client cannot
  take every connection;
- UPLOAD URLs to loopback, link-local and this server itself are refused with one neutral
  message that tells nothing about the target (nothing is fetched);
- NUL and control characters in paths are refused early; no response shows a server path.

Clients that misbehave connect from other loopback addresses (127.0.0.2, ...), as separate
machines would; the watcher uses 127.0.0.1."""
import os
import time
import urllib.parse

import hostile
import tapdata
from harness import Meles, check, run_tests
from hostile import NEUTRAL, body_of, raw_request, read_all
from tapdata import SLOW_QUERY, create_job, error_message, read_votable, sync, uws_job

M = None
PORT = None
WEB = """workers = 24
maxClientRequests = 6
slowClientSpool = 16M
writeTimeout = 60
"""
CONFIG = """[db]
poolSize = 4
shortQueryConnections = 1
acquireTimeout = 1
[async]
defaultExecTimeSync = 8
maxWait = 20
maxWaitsPerClient = 200
maxTAPRunning = 1
"""
BASE_THREADS = None  # the daemon's threads at rest
MONITOR = None  # measures `/` and a tiny TAP query from 127.0.0.1 all the time
BODIES = []  # every response body the probes saw, checked for server paths at the end
TINY = "/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM tapt.main"})
# (worst latency of `/` and of the tiny query seen while a probe ran, in seconds)
LATENCY_BOUND = 2.0


def daemon_threads():
    return hostile.threads(M.proc.pid)


class Watcher:
    """What the monitor saw while a probe ran: its requests answered, the latency bounded,
    the daemon's threads bounded."""

    def __enter__(self):
        MONITOR.window()  # what came before the probe
        return self

    def __exit__(self, *exc):
        w = MONITOR.window()
        if exc[0] is None:
            check(not w.failures, "the watcher's requests failed: %s" % w.failures[:5])
            check(w.worst("/") < LATENCY_BOUND and w.worst("tiny") < LATENCY_BOUND,
                  "latency while the probe ran: / %.2f s, tiny query %.2f s" % (w.worst("/"), w.worst("tiny")))
            # The thread pool may grow from ioThreads (4) to workers (24), never further.
            check(w.threads <= BASE_THREADS + 20, "daemon threads grew to %d (%d at rest)" % (w.threads, BASE_THREADS))
        print("    worst latency / %.0f ms, tiny query %.0f ms; at most %d threads" %
              (w.worst("/") * 1000, w.worst("tiny") * 1000, w.threads))
        return False


def client_socket(source):
    return hostile.client_socket(PORT, source)


def active_ro_queries(needle):
    return hostile.active_ro_queries(M, needle)


def ro_connections():
    return hostile.ro_connections(M)


# ---------------------------------------------------------------------------- item 5: WAIT

def test_waits_hold_no_thread():
    job = create_job(M, "SELECT TOP 1 id FROM tapt.main")  # PENDING: a WAIT blocks until it runs
    socks = []
    threads_before = daemon_threads()
    with Watcher():
        t0 = time.time()
        for i in range(250):
            s = client_socket("127.0.0.2")
            s.sendall(raw_request("GET", "/tap/async/%s?WAIT=15" % job))
            socks.append(s)
        # Past its share (200) a client is answered at once: 50 come back now, PENDING.
        early, still_open = read_all(socks, time.time() + 3, close_rest=False)
        answered = [s for s in socks if s not in still_open]
        check(len(answered) == 50, "%d WAITs answered at once, expected the 50 past the share" % len(answered))
        for s in answered:
            head, body = body_of(early[s])
            BODIES.append(body)
            check(b" 200 " in head.split(b"\r\n")[0] and uws_job(body)["phase"] == "PENDING", head)
        waiting = [s for s in socks if s not in answered]
        threads_parked = daemon_threads()
        time.sleep(1)  # the watcher measures / and the tiny query meanwhile
        # The job changes: every parked WAIT answers now, long before its 15 s.
        r = M.post("/tap/async/%s/phase" % job, fields={"PHASE": "RUN"})
        check(r.status == 303, r.text)
        done, _ = read_all(waiting, time.time() + 10)
        check(time.time() - t0 < 12, "the waits did not end with the phase change")
        for s, data in done.items():
            head, body = body_of(data)
            BODIES.append(body)
            check(b" 200 " in head.split(b"\r\n")[0], head[:200])
            check(uws_job(body)["phase"] in ("QUEUED", "EXECUTING", "COMPLETED"), body[:300])
    # Threads follow the handlers running at once (this client's 6 turns, the watcher's request
    # and one spare), not the 200 waits; before, each wait held one, up to workers (24).
    check(threads_parked <= threads_before + 6 + 2, "%d threads while 200 WAITs were parked (%d before)" %
          (threads_parked, threads_before))
    # Clients that hang up while parked end their waits; the server goes on as before.
    gone = [client_socket("127.0.0.3") for _ in range(5)]
    job2 = create_job(M, "SELECT TOP 1 id FROM tapt.main")
    for s in gone:
        s.sendall(raw_request("GET", "/tap/async/%s?WAIT=15" % job2))
    time.sleep(0.3)
    for s in gone:
        s.close()
    t0 = time.time()
    r = M.get("/tap/async/%s?WAIT=1" % job2)
    check(r.status == 200 and 0.8 < time.time() - t0 < 5, "WAIT=1 after hang-ups: %.1f s" % (time.time() - t0))


# ---------------------------------------------------------------------------- item 6: slow readers

# ~15 MB of TABLEDATA (a cross join makes the rows): more than the socket buffers of both ends
# hold (up to ~10 MB on loopback), less than the spool (16M) and the socket buffers together.
MEDIUM = ("SELECT TOP 100000 a.id, a.ra, a.dec, a.name, b.name AS other FROM tapt.main AS a, tapt.main AS b "
          "WHERE b.id <= 2")
# ~50 MB: more than the spool (16M) and the socket buffers together.
LARGE = ("SELECT TOP 400000 a.id, a.ra, a.dec, a.name, b.name AS other FROM tapt.main AS a, tapt.main AS b "
         "WHERE b.id <= 10")


def test_slow_readers_release_connections():
    fields = {"REQUEST": "doQuery", "LANG": "ADQL", "MAXREC": "1000000", "RESPONSEFORMAT": "votable/td"}
    with Watcher():
        readers = []
        for i in range(2):  # with the large one, three client addresses take 3 of the 4 connections
            s = client_socket("127.0.0.%d" % (10 + i))
            s.sendall(raw_request("POST", "/tap/sync", dict(fields, QUERY=MEDIUM)))
            readers.append(s)
        big = client_socket("127.0.0.20")
        big.sendall(raw_request("POST", "/tap/sync", dict(fields, QUERY=LARGE)))
        # Nobody reads.  The results go to spool files; the connections come back.
        deadline = time.time() + 20
        time.sleep(1)
        while time.time() < deadline and active_ro_queries("other") > 0:
            time.sleep(0.25)
        check(active_ro_queries("other") == 0, "%d queries still hold their connections while their clients "
                                        "do not read" % active_ro_queries("other"))
        r = sync(M, "SELECT TOP 1 id FROM tapt.main")
        check(r.status == 200, "a query while slow readers wait: %d %s" % (r.status, r.text[:300]))
        time.sleep(1)
        results, _ = read_all(readers + [big], time.time() + 60)
    for s in readers:
        head, body = body_of(results[s])
        check(b" 200 " in head.split(b"\r\n")[0], head[:300])
        t = read_votable(body)
        check(len(t) == 100000, "a slow reader got %d rows" % len(t))
        check(tapdata.query_statuses(body) == ["OK"], tapdata.query_statuses(body))
    head, body = body_of(results[big])
    check(body.rstrip().endswith(b"</VOTABLE>"), "the cut result is a complete document: %r" % body[-300:])
    msg = error_message(body)
    check(msg and "reads more slowly" in msg, "in-band error for the reader that fell too far behind: %r" % msg)
    BODIES.append(body[-2000:])


# ---------------------------------------------------------------------------- item 6: 503

def test_exhausted_pool_answers_503():
    # A client gets at most 3 of the 4 connections ([db] maxPerClient 0: all but one); the
    # fourth is kept for short queries ([db] shortQueryConnections 1).
    slow = []
    def run(source, out):
        s = client_socket(source)
        s.sendall(raw_request("POST", "/tap/sync", {"LANG": "ADQL", "QUERY": SLOW_QUERY}))
        out.append(s)
    for _ in range(3):
        run("127.0.0.30", slow)
    deadline = time.time() + 10
    while time.time() < deadline and active_ro_queries("a.mag + b.mag") < 3:
        time.sleep(0.1)
    check(active_ro_queries("a.mag + b.mag") == 3, "three slow queries of one client run")
    # The same client's fourth query: its share is used up.
    s4 = client_socket("127.0.0.30")
    s4.sendall(raw_request("POST", "/tap/sync", {"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM tapt.main"}))
    head, body = body_of(read_all([s4], time.time() + 10)[0][s4])
    BODIES.append(body)
    check(b" 503 " in head.split(b"\r\n")[0] and b"retry-after:" in head.lower(), head)
    check("as many as one client may" in (error_message(body) or ""), body)
    # Another client still finds the fourth connection.
    r = sync(M, "SELECT TOP 1 id FROM tapt.main")
    check(r.status == 200, "another client's query while one holds its share: %d %s" % (r.status, r.text[:300]))
    # A long query from elsewhere does not get it: it waits 1 s for one of the other three, then
    # 503 (before, it took the last connection, and the tiny query below got the 503).
    t0 = time.time()
    s5 = client_socket("127.0.0.31")
    s5.sendall(raw_request("POST", "/tap/sync", {"LANG": "ADQL", "QUERY": SLOW_QUERY}))
    head, body = body_of(read_all([s5], time.time() + 10)[0][s5])
    BODIES.append(body)
    check(b" 503 " in head.split(b"\r\n")[0] and b"retry-after: 5" in head.lower(), head)
    check(b"application/x-votable+xml" in head.lower() and "kept for short ones" in (error_message(body) or ""),
          body)
    check(time.time() - t0 < 4, "the 503 came after %.1f s" % (time.time() - t0))
    check(active_ro_queries("a.mag + b.mag") == 3, "a fourth slow query ran")
    # ... and a short query still runs at once, on the connection kept for it.
    r = sync(M, "SELECT TOP 1 id FROM tapt.main")
    check(r.status == 200, "a short query while long ones hold all they may: %d %s" % (r.status, r.text[:300]))
    for s in slow:
        s.close()
    deadline = time.time() + 15
    while time.time() < deadline and active_ro_queries("a.mag + b.mag") > 0:
        time.sleep(0.2)
    check(active_ro_queries("a.mag + b.mag") == 0 and ro_connections() <= 4, "connections after the slow queries")


# ---------------------------------------------------------------------------- items 7, 8: URL uploads

def test_upload_urls_refused_with_one_message():
    srv = hostile.serve_bytes({"/t.vot": b"<capabilities/>"})
    local = srv.server_address[1]
    urls = ["http://127.0.0.1:%d/t.vot" % local,            # loopback: not allowed by default
            "http://localhost:%d/t.vot" % local,            # checked on the resolved address
            "http://127.0.0.1:1/",                          # a closed port looks the same
            "http://[fe80::1]/latest/meta-data/",           # link-local (cloud metadata): never
            "http://0.0.0.0:%d/" % local,                   # "this host"
            M.url + "/tap/sync?LANG=ADQL&QUERY=SELECT+1",   # this server itself: never
            "http://127.0.0.1:%d/tap/sync" % PORT]
    try:
        with Watcher():
            for url in urls:
                r = sync(M, "SELECT * FROM TAP_UPLOAD.t", UPLOAD="t," + url)
                BODIES.append(r.body)
                msg = error_message(r.body) or ""
                check(r.status == 400 and msg == "upload t: %s %s" % (url, NEUTRAL), (url, r.status, msg))
            # async jobs fetch the same way (before they take a connection)
            job = create_job(M, "SELECT * FROM TAP_UPLOAD.t", run=True, UPLOAD="t,http://[fe80::1]/x")
            j = tapdata.wait_job(M, job)
            check(j["phase"] == "ERROR" and NEUTRAL in j["errorSummary"], j)
    finally:
        srv.shutdown()
    check(srv.paths == [], "the local server was asked for %s" % srv.paths)
    log = M.daemon_log()
    check("refused to fetch from the loopback address 127.0.0.1" in log and
          "refused to fetch from the link-local address fe80::1" in log and
          "refused to fetch from this server itself" in log, "the log tells the operators why")


# ---------------------------------------------------------------------------- item 11: paths

def test_control_characters_in_paths_and_no_server_paths():
    inputs = os.path.join(M.state, "inputs")
    with open(os.path.join(inputs, "broken.rd"), "w") as f:
        f.write('<resource schema="broken">\n<service id="s">\n')  # not even well-formed
    with Watcher():
        for path in ["/tapt/data/cat.csv%00/x/info", "/tapt/data/cat.csv%00.rd/x/info", "/tapt/q%01/x/info",
                     "/tap%0async", "/%7f"]:
            r = M.get(path)
            BODIES.append(r.body)
            check(r.status == 400 and b"control characters" in r.body, (path, r.status, r.text[:300]))
        # only .rd files are RDs
        for path in ["/tapt/data/cat.csv/x/info", "/tapt/data/cat/x/info"]:
            r = M.get(path)
            BODIES.append(r.body)
            check(r.status == 404, (path, r.status, r.text[:300]))
        r = M.get("/broken/s/info")
        BODIES.append(r.body)
        # the public learns that the RD is broken, the file and line go to the operators' log
        check(r.status == 503 and b"resource descriptor has errors" in r.body, (r.status, r.text[:500]))
        check("broken.rd" in M.daemon_log(), "the log names the broken RD")
    for body in BODIES:
        for needle in (M.state.encode(), b"/tmp/", os.path.realpath(M.state).encode()):
            check(needle not in body, "a response shows the server path %r: %r" % (needle, body[:500]))


if __name__ == "__main__":
    PORT, config = tapdata.config_with_url(WEB + CONFIG)
    with Meles("hostile_transport", config) as m:
        M = m
        tapdata.setup(m, nrows=50000, with_types=False)
        m.start(port=PORT)
        BASE_THREADS = daemon_threads()
        with hostile.Monitor(m, {"/": "/", "tiny": TINY}, interval=0.1) as MONITOR:
            run_tests([test_waits_hold_no_thread, test_slow_readers_release_connections, test_exhausted_pool_answers_503,
                       test_upload_urls_refused_with_one_message, test_control_characters_in_paths_and_no_server_paths])
