"""The acceptance run of issue 10 ("How it will be checked"): each of its fourteen probes rerun
against ONE daemon, through the sync, async, PUT and URL-upload paths, while a monitor in a
process of its own requests a tiny TAP query (SELECT TOP 1 on /tap/sync) and a cone search
(SCS) again and again and samples the daemon's threads and memory.  Required, probe by probe:
no endless work (no CPU burnt and no statement running once the probe is over, no transaction
left open), the monitor's requests all answered and quickly, the daemon's threads bounded,
and no server path or PostgreSQL text in any response the probes get; at the end, the
daemon's memory back within 10 % of its start.

    test_hostile.py            ctest: smaller sizes where they cost CI time; the latency bound
                               only catches hangs (other tests share the two cores)
    test_hostile.py --full     `scripts/bench hostile`: the issue's sizes; prints p50/p99 of
                               both monitored requests per probe next to their idle figures
                               from the same run, fails when a probe's tiny-query p99 passes
                               --p99 (default 100 ms)

The daemon runs with the defaults of a fresh `meles init` except: URL uploads may reach
loopback (so that the local test server's documents get to the VOTable reader; link-local,
private networks and the daemon itself stay refused) and PUT bodies are capped lower than the
default 2G (so that the cap is probed without sending gigabytes)."""
import argparse
import http.client
import socket
import statistics
import sys
import threading
import time
import traceback
import urllib.parse

import hostile
import tapdata
from harness import Meles, check, check_locked_out, import_stars
from hostile import (HOSTILE_QUERIES, NEUTRAL, NO_FIELDS, VOT_HEAD, basic, body_of, clean_error, client_socket,
                     pieces_of, query_bytes, raw_request, read_all, status_of)
from tapdata import create_job, error_message, multipart, uws_job, wait_job

SIZES = {
    # The figures.  rows: the catalogue (slow readers read all of it); hold: seconds
    # the slow clients stay; window: quick probes repeat for at least this long, so that each
    # has enough monitored requests for a p99.
    "full": dict(rows=1000000, waits=300, wait_hold=15, slow_puts=200, put_drip=4.0, put_hold=20, logins=64,
                 readers=8, reader_hold=20, nested=64 << 20, attribute=8 << 20, put_limit=100 << 20, window=5.0,
                 idle=10.0),
    # CI: the same probes, less data and shorter holds.
    "ctest": dict(rows=100000, waits=300, wait_hold=3, slow_puts=200, put_drip=2.0, put_hold=6, logins=64,
                  readers=8, reader_hold=6, nested=16 << 20, attribute=8 << 20, put_limit=16 << 20, window=1.0,
                  idle=3.0),
}
CONFIG = """[upload]
urlNetworks = loopback
maxUserTableUploadSize = %d
"""
# The defaults these probes meet (docs/configuration.md).
WORKERS, IO_THREADS, MAX_WAITS_PER_CLIENT, PASSWORD_CHECKS, UPLOAD_POOL = 256, 4, 8, 2, 4
TINY_QUERY = "SELECT TOP 1 id, ra, dec, mag FROM stars.main"
TARGETS = {"tiny": "/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": TINY_QUERY}),
           "cone": "/stars/q/cone/scs.xml?RA=10&DEC=10&SR=0.5"}
# Without --full, the monitored requests may take this long at the 99th percentile: a hang,
# not a measurement (ctest runs other tests on the same two cores, and eight big queries
# from eight clients may take every connection for seconds: [db] acquireTimeout is 10 s).
CTEST_P99 = 10.0

M = None        # the daemon (harness.Meles)
S = None        # the sizes
MON = None      # the monitor
LOCAL = None    # a local HTTP server for URL uploads
SMALL = None    # a valid two-row VOTable
IDLE_CPU = 0.0  # the daemon's CPU seconds per second while only the monitor asks
RESPONSES = 0   # responses checked for internals
ROUND = [1]     # the round of probes running (--rounds)


def seen(r, what, digits=True):
    """Every response a probe gets: no server path, no PostgreSQL text."""
    global RESPONSES
    RESPONSES += 1
    hostile.no_leaks(M, r, what, digits)
    return r


def seen_raw(data, what):
    head, body = body_of(data)
    seen(hostile.RawResponse(status_of(head) if head else 0, {}, head + b"\r\n\r\n" + body), what)
    return head, body


def put(path, pieces, **kw):
    return seen(hostile.raw_put(M, path, pieces, **kw), "PUT " + path)


def sync(query, source="127.0.0.2", files=None, **params):
    """A sync query from a probe's address (the monitor has 127.0.0.1)."""
    fields = [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("QUERY", query)] + list(params.items())
    if files:
        body, ctype = multipart(fields, files)
    else:
        body, ctype = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
    c = http.client.HTTPConnection("127.0.0.1", M.port, timeout=120, source_address=(source, 0))
    try:
        c.request("POST", "/tap/sync", body=body, headers={"Content-Type": ctype})
        resp = c.getresponse()
        r = hostile.RawResponse(resp.status, dict(resp.getheaders()), resp.read())
    finally:
        c.close()
    return seen(r, "sync %r" % query[:60])


def job_error(query, needle, files=None, **params):
    """An async job that must end in ERROR saying `needle`; its documents are checked too."""
    job = create_job(M, query, run=True, files=files, **params)
    j = wait_job(M, job)
    check(j["phase"] == "ERROR" and needle in (j.get("errorSummary") or ""), (query[:60], j))
    for child in ("", "/error"):
        seen(M.get("/tap/async/%s%s" % (job, child)), "async %r%s" % (query[:60], child), digits=child != "")
    M.request("DELETE", "/tap/async/" + job)


def repeat(probe):
    """Runs a quick probe again and again for the window (at least once); returns the rounds."""
    t0, n = time.time(), 0
    while n == 0 or time.time() - t0 < S["window"]:
        probe()
        n += 1
    return n


def cpu_in(fn):
    """The daemon's CPU seconds used while fn runs, less what the monitor costs."""
    c0, t0 = hostile.cpu_seconds(M.proc.pid), time.time()
    out = fn()
    return hostile.cpu_seconds(M.proc.pid) - c0 - IDLE_CPU * (time.time() - t0), out


# ------------------------------------------------------------------------------ the probes

def probe_01_table_without_fields():
    """Item 1: the reader added zero-byte rows forever (a core at 100 %, an aborted transaction
    held, the disconnect and the time limit ignored).  Sync, async, URL and PUT."""
    needle = "the TABLE has no FIELD"

    def once():
        clean_error(M, sync("SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", NO_FIELDS)], UPLOAD="t,param:f"),
                    (400,), needle)
        # Fetched and read, then told with the one message for URL uploads (item 8).
        hits = LOCAL.hits
        r = sync("SELECT * FROM TAP_UPLOAD.t", UPLOAD="t,http://127.0.0.1:%d/nofields.vot" % LOCAL.server_address[1])
        check(LOCAL.hits == hits + 1, "the URL upload was not fetched")
        clean_error(M, r, (400,), NEUTRAL)
        clean_error(M, put("/tap/user_tables/nofields", [NO_FIELDS], content_length=len(NO_FIELDS)), (400,), needle)
    job_error("SELECT * FROM TAP_UPLOAD.t", needle, files=[("f", "f.vot", NO_FIELDS)], UPLOAD="t,param:f")
    repeat(once)
    check(M.get("/tap/user_tables/nofields").status == 404, "a table was made")


def probe_02_nested_xml_and_body_size():
    """Item 2: a chunked PUT of 64 MB of nested <a> grew the daemon by 2.9 GB for good, and PUT
    bodies had no size limit ([upload] maxUserTableUploadSize)."""
    doc = VOT_HEAD + b"<a>" * (S["nested"] // 3)
    limit = S["put_limit"]

    def once():
        clean_error(M, put("/tap/user_tables/deep", pieces_of(doc, 64 << 10), source="127.0.0.5"), (413,),
                    "nests elements deeper than 64 levels")
        t0 = time.time()
        clean_error(M, put("/tap/user_tables/big", [b" " * 1024], content_length=limit + 1), (413,),
                    "larger than the limit")
        check(time.time() - t0 < 5, "an announced oversized body was not refused at once")
    rss0 = hostile.rss_mib(M.proc.pid)
    repeat(once)
    # Chunked, no length announced: cut once the limit is passed (whitespace may follow the root).
    clean_error(M, put("/tap/user_tables/big", pieces_of(SMALL + b" " * (limit + (1 << 20)), 256 << 10)), (413,),
                "larger than the limit")
    check(M.get("/tap/user_tables/big").status == 404, "a table was made")
    grown = hostile.rss_mib(M.proc.pid) - rss0
    check(grown < 48, "the daemon kept %.0f MB after nested uploads of %d MB" % (grown, S["nested"] >> 20))


def probe_03_large_attribute():
    """Item 3: an 8 MB attribute fed in small pieces took 96 s (expat rescanning the tag for every
    piece), an abandoned PUT kept a core busy for 14 minutes, and the error echoed the name."""
    doc = (VOT_HEAD + b"<RESOURCE><TABLE><FIELD name='" + b"n" * S["attribute"] +
           b"'/><DATA><TABLEDATA/></DATA></TABLE></RESOURCE></VOTABLE>")

    def once():
        used, r = cpu_in(lambda: put("/tap/user_tables/attr", pieces_of(doc, 2048), pace=0.0002,
                                           source="127.0.0.6"))
        clean_error(M, r, (400, 413), "longer than")
        check(r.body.count(b"n" * 100) == 0, "the name was quoted back")
        check(used < 1.0, "the daemon used %.1f s of CPU for one PUT" % used)
        # Abandoned after a third: the client goes away, the work stops (no_endless_work checks).
        hostile.abandon_put(M, "/tap/user_tables/gone", doc, "127.0.0.6")
    repeat(once)


def probe_04_slow_puts():
    """Item 4: 200 slow PUTs (Content-Length 100000, a byte every 4 s) each held a database
    connection from the start; PostgreSQL ran out and every PUT got a 500 with the socket
    path.  Now a PUT takes an upload connection only when its VOTable's data begins."""
    base = hostile.backends(M)
    addresses = 10  # 200 PUTs from ten machines: 16 handlers each at once ([web] maxClientRequests)
    slow = []
    for i in range(S["slow_puts"]):
        s = client_socket(M.port, "127.0.1.%d" % (i % addresses + 1))
        s.sendall(b"PUT /tap/user_tables/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-votable+xml\r\n"
                  b"Content-Length: 100000\r\n\r\n<?xml version='1.0'?>\n")
        slow.append(s)
    most = 0
    try:
        t0 = time.time()
        while time.time() - t0 < S["put_hold"]:
            time.sleep(S["put_drip"])
            for s in slow:
                s.sendall(b" ")
            most = max(most, hostile.backends(M))
        # Uploads from others go on meanwhile.
        r = put("/tap/user_tables/meanwhile", [SMALL], content_length=len(SMALL), source="127.0.0.7")
        check(r.status == 201, (r.status, r.text[:300]))
        check(M.request("DELETE", "/tap/user_tables/meanwhile").status in (200, 204, 303), "DELETE")
    finally:
        for s in slow:
            s.close()
    print("    database connections: %d before, at most %d with %d slow PUTs in flight" % (base, most, len(slow)))
    # the admin pool's bookkeeping connections may open (4 by default); no upload connection
    check(most <= base + 4, "%d connections with the slow PUTs in flight (%d before)" % (most, base))


def probe_05_waits():
    """Item 5: 300 WAIT=60 of an anonymous client held 264 threads and `/` stopped answering for
    the minute.  Now a WAIT is parked on the event loop (no thread) and one client has [async]
    maxWaitsPerClient (8) at once; the rest are answered at once with the job as it is.  Then
    the same from thirty clients: 240 parked."""
    job = create_job(M, "SELECT TOP 1 id FROM stars.main")  # PENDING: a WAIT blocks until it runs
    pid = M.proc.pid
    threads0 = hostile.threads(pid)

    def flood(addresses, first):
        socks = [client_socket(M.port, "127.0.2.%d" % (first + i % addresses)) for i in range(S["waits"])]
        for s in socks:
            s.sendall(raw_request("GET", "/tap/async/%s?WAIT=60" % job))
        expected = S["waits"] - addresses * MAX_WAITS_PER_CLIENT
        early, still_open, deadline = {s: b"" for s in socks}, set(socks), time.time() + 10
        while len(socks) - len(still_open) < expected and time.time() < deadline:
            got, still_open = read_all(still_open, time.time() + 0.2, close_rest=False)
            for s, data in got.items():
                early[s] += data
        answered = [s for s in socks if s not in still_open]
        check(len(answered) == expected, "%d WAITs answered at once, expected the %d past each client's share" %
              (len(answered), expected))
        for s in answered:
            head, body = seen_raw(early[s], "WAIT")
            check(status_of(head) == 200 and uws_job(body)["phase"] == "PENDING", head)
        return [s for s in socks if s not in answered]
    # The issue's: one client.  Its requests take turns ([web] maxClientRequests, 16).
    waiting = flood(1, 200)
    one = hostile.threads(pid)
    check(one <= threads0 + 16 + 1, "%d threads after one client's %d WAITs (%d before)" % (one, S["waits"], threads0))
    # Thirty clients.  Their job lookups queue for the bookkeeping connections ([db]
    # adminPoolSize) and the pool grows for them (up to [web] workers); once parked, the
    # waits hold no thread and the pool shrinks back ([web] threads beyond what the last 5 s
    # needed leave).
    waiting += flood(30, 1)
    burst = hostile.threads(pid)
    t0 = time.time()
    check(hostile.wait_until(lambda: hostile.threads(pid) <= threads0 + 2, 20),
          "%d threads 20 s after the WAITs were parked (%d before, %d at the burst)" %
          (hostile.threads(pid), threads0, burst))
    back = time.time() - t0
    time.sleep(max(0, S["wait_hold"] - back))
    parked = hostile.threads(pid)
    t0 = time.time()
    check(M.post("/tap/async/%s/phase" % job, fields={"PHASE": "RUN"}).status == 303, "PHASE=RUN")
    done, _ = read_all(waiting, time.time() + 15)
    took = time.time() - t0
    for s, data in done.items():
        head, body = seen_raw(data, "WAIT")
        check(status_of(head) == 200 and uws_job(body)["phase"] in ("QUEUED", "EXECUTING", "COMPLETED"), body[:300])
    print("    %d threads before; %d with one client's 8 WAITs parked; %d at the burst of thirty clients', "
          "%d again %.1f s later with %d parked; all answered %.1f s after the phase change"
          % (threads0, one, burst, parked, back, len(waiting), took))
    check(took < 5, "the parked WAITs took %.1f s to answer the phase change" % took)
    M.request("DELETE", "/tap/async/" + job)


def probe_06_slow_readers():
    """Item 6: eight clients reading a 1,000,000-row TABLEDATA result at 100 bytes per 5 s held
    all eight query connections for minutes; others got "all 8 connections are busy".  Now
    the result goes to a bounded spool file and the connection comes back."""
    fields = {"REQUEST": "doQuery", "LANG": "ADQL", "MAXREC": str(S["rows"]), "RESPONSEFORMAT": "votable/td",
              "QUERY": "SELECT id AS slowreader, ra, dec, mag, name FROM stars.main"}
    readers = []
    for i in range(S["readers"]):
        s = client_socket(M.port, "127.0.3.%d" % (i + 1))
        s.sendall(raw_request("POST", "/tap/sync", fields))
        readers.append(s)
    try:
        for s in readers:
            s.settimeout(0.01)
        t0, released, heads, last_read = time.time(), None, [b""] * len(readers), 0.0
        # At least the hold; on a loaded machine until the queries have been answered.
        while time.time() - t0 < S["reader_hold"] or \
                (time.time() - t0 < 60 and (released is None or not all(heads))):
            if time.time() - last_read >= 5:  # 100 bytes per 5 s
                last_read = time.time()
                for i, s in enumerate(readers):
                    try:
                        heads[i] += s.recv(100)
                    except socket.timeout:
                        pass
            if released is None and time.time() - t0 > 0.5 and hostile.active_ro_queries(M, "slowreader") == 0:
                released = time.time() - t0
            time.sleep(0.25)
        for h in heads:
            check(h.startswith(b"HTTP/1.1 200"), "a slow reader got %r" % h[:200])
        check(released is not None, "%d slow readers still hold their connections after %d s" %
              (hostile.active_ro_queries(M, "slowreader"), S["reader_hold"]))
        print("    the %d readers' connections were back after %.1f s" % (len(readers), released))
        r = sync("SELECT TOP 1 id FROM stars.main", source="127.0.0.8")
        check(r.status == 200, "a query while the slow readers read: %d %s" % (r.status, r.text[:300]))
    finally:
        for s in readers:
            s.close()


def nested_self_url(depth):
    """An UPLOAD URL that asks this server's /tap/sync to upload from itself, `depth` deep."""
    url = M.url + "/tap/sync?LANG=ADQL&QUERY=SELECT+1+AS+x"
    for _ in range(depth - 1):
        url = M.url + "/tap/sync?LANG=ADQL&QUERY=SELECT+*+FROM+TAP_UPLOAD.t&UPLOAD=" + \
            urllib.parse.quote("t," + url, safe=":/")
    return url


def probe_07_self_referencing_urls():
    """Item 7: an UPLOAD URL pointing at the server's own /tap/sync, nested ten deep, held every
    connection in one request.  URLs are fetched before a connection is taken, and this server
    is never fetched from."""
    url = nested_self_url(10)

    def once():
        t0 = time.time()
        r = sync("SELECT * FROM TAP_UPLOAD.t", UPLOAD="t," + url)
        check(r.status == 400 and NEUTRAL in (error_message(r.body) or ""), (r.status, r.text[:300]))
        check(time.time() - t0 < 5, "the self-referencing upload took %.1f s" % (time.time() - t0))
    job_error("SELECT * FROM TAP_UPLOAD.t", NEUTRAL, UPLOAD="t," + url)
    repeat(once)
    check(hostile.active_ro_queries(M, "TAP_UPLOAD") == 0, "a connection is still held")


def probe_08_request_forgery():
    """Item 8: UPLOAD URLs reached cloud metadata (169.254.169.254) and told what answered.
    Refused always: link-local, this server; refused here: private networks (urlNetworks is
    loopback); fetched but not usable: a closed port, a 404, a document that is not a
    VOTable, a redirect to link-local.  Every one gets the same message."""
    local = "http://127.0.0.1:%d" % LOCAL.server_address[1]
    urls = ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/latest/meta-data/",
            "http://10.1.2.3/t.vot", "http://192.168.1.1/t.vot",
            "http://127.0.0.1:1/t.vot", local + "/capabilities", local + "/missing", local + "/to-metadata",
            M.url + "/tap/capabilities", "http://localhost:%d/tap/sync" % M.port, "http://0.0.0.0:%d/" % M.port]

    def once():
        for url in urls:
            r = sync("SELECT * FROM TAP_UPLOAD.t", UPLOAD="t," + url)
            msg = error_message(r.body) or ""
            check(r.status == 400 and msg == "upload t: %s %s" % (url, NEUTRAL), (url, r.status, msg))
    job_error("SELECT * FROM TAP_UPLOAD.t", NEUTRAL, UPLOAD="t,http://169.254.169.254/latest/meta-data/")
    repeat(once)
    log = M.daemon_log()
    check("refused to fetch from the link-local address 169.254.169.254" in log and
          "refused to fetch from this server itself" in log, "the log tells the operators why")


def probe_09_nul_credentials():
    """Item 9: `acc1\\0:wrong` was checked against acc1's password but counted under another
    name (no lockout), and `acc1\\0:acc1pw` logged in."""
    def refused(creds):
        def attempt():
            r = seen(M.get("/tap/tables", headers=basic(creds)), repr(creds))
            check(r.status == 401 and "control characters" in (error_message(r.body) or ""),
                  "%r: %d %s" % (creds, r.status, r.text[:300]))
        return attempt
    r = check_locked_out([refused(c) for c in [b"acc1\0:acc1pw", b"acc1\0\0\0:wrong", b"acc1:acc1pw\0",
                                              b"acc1\x1b:wrong", b"acc1\0:wrong"]],
                         lambda: seen(M.get("/tap/tables", headers=basic("acc1:acc1pw")), "acc1"))
    check("too many failed logins for 'acc1'" in (error_message(r.body) or ""), (r.status, r.text[:300]))


def probe_10_concurrent_logins():
    """Item 10: 64 concurrent wrong passwords took 64 MB of Argon2 memory each (4 GB).  Now
    [web] passwordChecks (one per core) run at once, 16 wait, the rest get 503."""
    statuses, lock = [], threading.Lock()

    def attacker(i):
        creds = "flood:guess%d" % i if i % 2 else "prober%d:guess%d" % (i, i)
        r = hostile.get_from(M, "/", "127.0.4.%d" % (1 + i % 8), headers=basic(creds), timeout=120)
        seen(r, "login flood")
        with lock:
            statuses.append((r.status, r.header("Retry-After")))
    with hostile.PeakRss(M.proc.pid) as rss:
        ts = [threading.Thread(target=attacker, args=(i,)) for i in range(S["logins"])]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    grown = rss.grown_mib
    print("    RSS peak +%.0f MiB during %d concurrent wrong logins; answers %s" %
          (grown, S["logins"], sorted(set(s for s, _ in statuses))))
    check(len(statuses) == S["logins"] and all(s in (401, 503) for s, _ in statuses), statuses)
    check(all(ra and int(ra) >= 1 for s, ra in statuses if s == 503), "503 without Retry-After: %s" % statuses)
    # 64 MiB per running check, plus malloc's slack.
    check(grown < PASSWORD_CHECKS * 64 + 128, "RSS grew by %.0f MiB" % grown)


def probe_11_control_characters_in_paths():
    """Item 11: `/stars/data/cat1m.csv%00/x/info` parsed the CSV as an RD (0.27 s each, uncached
    with varying suffixes) and the 400 showed the absolute path."""
    n = [0]

    def once():
        n[0] += 1
        for path in ["/stars/data/cat1m.csv%%00/%d/info" % n[0], "/stars/data/cat1m.csv%%00.rd/%d/info" % n[0],
                     "/stars/q%01/cone/info", "/tap%0async", "/%7f"]:
            t0 = time.time()
            r = seen(M.get(path), path)
            check(r.status == 400 and b"control characters" in r.body, (path, r.status, r.text[:300]))
            check(time.time() - t0 < 1, "%s took %.2f s" % (path, time.time() - t0))
        for path in ["/stars/data/cat1m.csv/%d/info" % n[0], "/stars/data/cat1m/x/info"]:
            r = seen(M.get(path), path)
            check(r.status == 404, (path, r.status, r.text[:300]))
    repeat(once)


def probe_12_login_timing():
    """Item 12: unknown users were answered in 1 ms, known ones in 80 ms."""
    def timed(creds):
        t0 = time.perf_counter()
        r = seen(M.get("/", headers=basic(creds)), creds)
        dt = time.perf_counter() - t0
        check(r.status == 401 and "wrong user name or password" in r.text, (creds, r.status, r.text[:300]))
        return dt
    known, unknown = [], []
    for i in range(12):  # at most 3 wrong passwords per account: the fifth would block it
        known.append(timed("timing%d:wrong%d" % ((ROUND[0] - 1) * 4 + i % 4, i)))
        unknown.append(timed("nosuchuser%d:wrong" % i))
    mk, mu = statistics.median(known), statistics.median(unknown)
    print("    median known user %.1f ms, unknown %.1f ms" % (mk * 1000, mu * 1000))
    check(mu > mk / 4 and mk > mu / 4, "known users answered in %.1f ms, unknown in %.1f ms" % (mk * 1000, mu * 1000))


def probe_13_postgresql_texts():
    """Item 13: PostgreSQL's texts (invalid byte sequences, `ORDER BY position -1 is not in
    select list`, a 400-digit number from 1e400) reached clients.  Sync, async, uploads."""
    queries = [(q.replace("tapt.main", "stars.main"), e) for q, e in HOSTILE_QUERIES]
    upload = tapdata.votable_bytes([("id", "i8"), ("ra", "f8"), ("dec", "f8"), ("name", "U8")],
                                   [(1, 1.0, 2.0, "a"), (2, 3.0, 4.0, "b")], "BINARY2")

    def expect(r, expected, what):
        msg = error_message(r.body) or ""
        check(r.status == 400 and (expected in msg if expected else "UTF-8" in msg), (what, r.status, msg[:300]))

    def once():
        for q, expected in queries:
            body = urllib.parse.urlencode([("REQUEST", "doQuery"), ("LANG", "ADQL"), ("QUERY", query_bytes(q))])
            expect(seen(M.get("/tap/sync?" + body), q[:60]), expected, q[:60])
        for q, expected in queries[:4]:
            uq = q.replace("stars.main", "TAP_UPLOAD.up")
            expect(sync(uq, files=[("t", "t.vot", upload)], UPLOAD="up,param:t"), expected, uq[:60])
        r = seen(M.get("/tap/tables", headers=basic(b"\xff:x")), "user name 0xff")
        check(r.status == 401, (r.status, r.text[:300]))
    for q, expected in queries:
        if expected:
            job_error(q, expected)
    repeat(once)


def probe_14_entities():
    """Item 14: undefined entities in uploads became empty strings; external ones must never be
    fetched."""
    table = (b"<RESOURCE><TABLE><FIELD name='t' datatype='char' arraysize='*'/><DATA><TABLEDATA><TR><TD>%s</TD></TR>"
             b"</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>")
    undefined = b'<!DOCTYPE VOTABLE SYSTEM "http://example.org/VOTable.dtd">' + VOT_HEAD + table % b"a&undefined;b"
    url = b"http://127.0.0.1:%d/secret" % LOCAL.server_address[1]
    external = [b'<!DOCTYPE VOTABLE [<!ENTITY xxe SYSTEM "%s">]>' % url + VOT_HEAD + table % b"&xxe;",
                b'<!DOCTYPE VOTABLE [<!ENTITY % p SYSTEM "' + url + b'"> %p;]>' + VOT_HEAD + table % b"x"]

    def once():
        for doc, needle in [(undefined, "the entity &undefined;, which is not defined")] + \
                [(d, "entity declarations are not accepted") for d in external]:
            clean_error(M, put("/tap/user_tables/ent", [doc], content_length=len(doc)), (400,), needle)
            clean_error(M, sync("SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", doc)], UPLOAD="t,param:f"),
                        (400,), needle)
    repeat(once)
    check("/secret" not in LOCAL.paths, "an external entity was fetched")
    check(M.get("/tap/user_tables/ent").status == 404, "a table was made")


# In issue order, except that the slow PUTs, which leave the thread pool grown (it does not
# shrink), come after the WAITs, whose point is that they take no threads.
PROBES = [
    (probe_01_table_without_fields, "sync async URL PUT"), (probe_02_nested_xml_and_body_size, "PUT"),
    (probe_03_large_attribute, "PUT"), (probe_05_waits, "async"), (probe_06_slow_readers, "sync"),
    (probe_07_self_referencing_urls, "URL sync async"), (probe_08_request_forgery, "URL sync async"),
    (probe_09_nul_credentials, "auth"), (probe_10_concurrent_logins, "auth"),
    (probe_11_control_characters_in_paths, "paths"), (probe_12_login_timing, "auth"),
    (probe_13_postgresql_texts, "sync async upload auth"), (probe_14_entities, "PUT sync"),
    (probe_04_slow_puts, "PUT"),
]


# ------------------------------------------------------------------------------ the run

def no_endless_work(what):
    """After a probe: the daemon burns no CPU beyond the monitor's, no statement runs for long
    and no transaction is left open; a probe's leftovers get 20 s to go."""
    deadline = time.time() + 20
    while True:
        c0 = hostile.cpu_seconds(M.proc.pid)
        time.sleep(1.5)
        used = hostile.cpu_seconds(M.proc.pid) - c0 - IDLE_CPU * 1.5
        long_running = hostile.count_backends(M, "state = 'active' AND now() - query_start > interval '3 s'")
        in_tx = hostile.backends(M, "idle in transaction%")
        if (used < 0.3 and long_running == 0 and in_tx == 0) or time.time() > deadline:
            break
    check(used < 0.3, "%s: the daemon used %.2f s of CPU in 1.5 s after the probe (beyond the monitor's)" %
          (what, used))
    check(long_running == 0, "%s: %d statements still running" % (what, long_running))
    check(in_tx == 0, "%s: %d connections left in a transaction" % (what, in_tx))


def warm_up():
    """Every path once with valid input, and 250 queries at once, so that the starting figure
    is that of a daemon which has served a busy day: pooled connections open, RDs parsed, the
    dummy password hash made, and glibc's malloc arenas (one per thread, up to eight per
    core, never given back) made and used by as many threads as the probes will run."""
    base = hostile.threads(M.proc.pid)
    ts = [threading.Thread(target=sync, args=("SELECT COUNT(*) AS n FROM stars.main WHERE mag < 10",),
                           kwargs={"source": "127.0.5.%d" % (i % 25 + 1)}) for i in range(250)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check(sync(TINY_QUERY).status == 200, "tiny query")
    check(sync("SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", SMALL)], UPLOAD="t,param:f").status == 200, "upload")
    r = sync("SELECT * FROM TAP_UPLOAD.t", UPLOAD="t,http://127.0.0.1:%d/small.vot" % LOCAL.server_address[1])
    check(r.status == 200, ("URL upload", r.status, r.text[:300]))
    check(put("/tap/user_tables/warm", [SMALL], content_length=len(SMALL)).status == 201, "PUT")
    M.request("DELETE", "/tap/user_tables/warm")
    job = create_job(M, TINY_QUERY, run=True)
    check(wait_job(M, job)["phase"] == "COMPLETED", "async")
    M.request("DELETE", "/tap/async/" + job)
    check(M.get("/", headers=basic("warm:up")).status == 401, "login")
    check(M.get(TARGETS["cone"]).status == 200, "cone")
    hostile.wait_until(lambda: hostile.threads(M.proc.pid) <= base, 20)


def idle():
    """The monitor alone for a while; returns its window."""
    MON.window()
    time.sleep(S["idle"])
    return MON.window()


def run_probe(probe, name, paths, bound):
    """Runs one probe under the monitor; returns its window and what went wrong."""
    MON.window()
    t = time.time()
    err = None
    try:
        probe()
    except Exception as e:  # noqa: the run goes on; the summary names it
        err = e
        traceback.print_exc()
    w = MON.window()
    took = time.time() - t
    try:
        no_endless_work(name)
    except AssertionError as e:
        err = err or e
    problems = [str(err)] if err else []
    if w.failures:
        problems.append("the monitor's requests failed: %s" % w.failures[:3])
    # The bound is on the tiny query; either taking seconds is a hang.
    for target in TARGETS:
        p99 = w.p(target, 99) or 0.0
        if p99 > CTEST_P99 or (target == "tiny" and bound and p99 > bound):
            problems.append("%s p99 %.0f ms" % (target, p99 * 1000))
    print("%s %s (%.1f s, %s)%s" % ("ok  " if not problems else "FAIL", name, took, paths,
                                    "" if not problems else ": " + "; ".join(problems)))
    return w, problems


def main():
    global M, S, MON, LOCAL, SMALL, IDLE_CPU
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="the issue's sizes (scripts/bench hostile)")
    ap.add_argument("--p99", type=float, help="fail when a probe's tiny-query p99 passes this many ms "
                    "(default: 100 with --full, %d s otherwise; 0: report only)" % CTEST_P99)
    ap.add_argument("--rounds", type=int, default=1, choices=range(1, 4),
                    help="run the probes this many times (memory must not grow from round to round)")
    ap.add_argument("--set", action="append", default=[], metavar="SIZE=N",
                    help="change one of the sizes (e.g. readers=4); see SIZES")
    ap.add_argument("probes", nargs="*", help="run only the probes whose names contain these")
    args = ap.parse_args()
    S = dict(SIZES["full" if args.full else "ctest"])
    for kv in args.set:
        k, _, v = kv.partition("=")
        check(k in S, "no size %r (sizes: %s)" % (k, ", ".join(S)))
        S[k] = type(S[k])(v)
    bound = (args.p99 if args.p99 is not None else 100 if args.full else CTEST_P99 * 1000) / 1000.0
    probes = [p for p in PROBES if not args.probes or any(a in p[0].__name__ for a in args.probes)]
    SMALL = tapdata.votable_bytes([("ra", "f8"), ("dec", "f8")], [(1.0, 2.0), (3.0, 4.0)], "BINARY2")
    port, config = tapdata.config_with_url(CONFIG % S["put_limit"])
    failed = []
    with Meles("hostile", extra_config=config) as m:
        M = m
        t0 = time.time()
        import_stars(m, S["rows"], read=False)
        for cmd in [("imp", "//tap_user")] + [("adm", "adduser", u, u + "pw") for u in
                                              ["acc1", "flood"] + ["timing%d" % i for i in range(4 * args.rounds)]]:
            r = m.cli(*cmd)
            check(r.returncode == 0, r.stdout + r.stderr)
        m.start(port=port)
        print("%d rows imported, daemon up in %.0f s; load average %s" %
              (S["rows"], time.time() - t0, open("/proc/loadavg").read().split(" ", 3)[:3]))
        # The monitor forks: before this process has threads of its own.
        with hostile.Monitor(m, TARGETS) as MON:
            LOCAL = hostile.serve_bytes({"/nofields.vot": NO_FIELDS, "/small.vot": SMALL, "/secret": b"secret",
                                         "/capabilities": b"<capabilities/>",
                                         "/to-metadata": "http://169.254.169.254/latest/meta-data/"})
            warm_up()
            c0 = hostile.cpu_seconds(m.proc.pid)
            idle_w = idle()
            IDLE_CPU = (hostile.cpu_seconds(m.proc.pid) - c0) / S["idle"]
            rss0, threads0 = hostile.rss_mib(m.proc.pid), hostile.threads(m.proc.pid)
            print("idle: RSS %.1f MiB, %d threads, %.0f %% of a core for the monitor's requests" %
                  (rss0, threads0, IDLE_CPU * 100))
            rows = [("idle", "", idle_w, rss0)]
            most_threads = threads0
            for rnd in range(1, args.rounds + 1):
                ROUND[0] = rnd
                for probe, paths in probes:
                    name = probe.__name__[len("probe_"):] + ("" if args.rounds == 1 else " #%d" % rnd)
                    w, problems = run_probe(probe, name, paths, bound)
                    most_threads = max(most_threads, w.threads)
                    rows.append((name, paths, w, hostile.rss_mib(m.proc.pid)))
                    if problems:
                        failed.append((name, problems))
                if rnd < args.rounds:
                    hostile.wait_until(lambda: hostile.threads(m.proc.pid) <= threads0 + 2, 20)
                    print("after round %d: RSS %.1f MiB" % (rnd, hostile.rss_mib(m.proc.pid)))
            # The threads grown for the last probes leave within two of [web]'s 5 s intervals,
            # and the next interval gives back what they freed (malloc_trim).
            hostile.wait_until(lambda: hostile.threads(m.proc.pid) <= threads0 + 2, 20)
            time.sleep(max(0, 6 - S["idle"]))
            after = idle()
            rss1, threads1 = hostile.rss_mib(m.proc.pid), hostile.threads(m.proc.pid)
            rows.append(("idle after the probes", "", after, rss1))
            hwm = hostile.proc_status(m.proc.pid, "VmHWM") / 1024.0
            LOCAL.shutdown()

        print("\n%-34s %-46s %-46s %7s %13s" % ("probe", "tiny query (SELECT TOP 1, /tap/sync)", "cone (scs.xml)",
                                                "threads", "RSS MiB max/after"))
        for name, paths, w, rss_after in rows:
            print("%-34s %-46s %-46s %7d %6.1f %6.1f" % (name[:34], w.summary("tiny"), w.summary("cone"), w.threads,
                                                         w.rss_kib / 1024.0, rss_after))
        print("\nRSS: %.1f MiB at the start, %.1f MiB after the probes (%+.1f %%), peak %.1f MiB" %
              (rss0, rss1, (rss1 / rss0 - 1) * 100, hwm))
        print("threads: %d at the start, at most %d, %d after; %d responses checked for paths and PostgreSQL texts"
              % (threads0, most_threads, threads1, RESPONSES))
        print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split(" ", 3)[:3]))
        if rss1 > rss0 * 1.10:
            failed.append(("memory", ["RSS %.1f MiB after the probes, %.1f MiB at the start" % (rss1, rss0)]))
        # the thread pool's bound ([web] workers), plus the table builders' COPY pipes
        if most_threads > threads0 + WORKERS - IO_THREADS + UPLOAD_POOL:
            failed.append(("threads", ["%d threads" % most_threads]))
        if hostile.backends(m) > 8 + 4 + UPLOAD_POOL + 1:
            failed.append(("connections", ["%d database connections after the probes" % hostile.backends(m)]))
    for name, problems in failed:
        print("FAIL %s: %s" % (name, "; ".join(problems)))
    print("%d of %d probes passed" % (len(probes) - len([f for f in failed if f[0] not in ("memory", "threads",
                                                                                          "connections")]),
                                      len(probes)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
