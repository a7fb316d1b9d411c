"""Hostile uploads (issue 10, items 1-4 and 14) against a real daemon: VOTables without FIELDs
through every upload path, deeply nested XML and oversized bodies in PUT /tap/user_tables,
megabyte attributes fed in small pieces (also abandoned half-way), slow PUTs that must not take
database connections, a connection failure that must not show server paths, undefined and
external entities, and spool files left by a killed daemon.  After each probe the daemon must
answer a tiny query quickly, use no CPU, give memory back and hold no extra connections."""
import os
import signal
import socket
import sys
import time

import hostile
import tapdata
from harness import Meles, check, run_tests
from hostile import NO_FIELDS, VOT_HEAD, backends, pieces_of, serve_bytes
from tapdata import sync

M = None
PUT_LIMIT = 8 << 20
CONFIG = """[upload]
maxUserTableUploadSize = 8M
[db]
uploadPoolSize = 2
"""

SMALL = tapdata.votable_bytes([("ra", "f8"), ("dec", "f8")], [(1.0, 2.0), (3.0, 4.0)], "BINARY2")


def cpu_seconds():
    return hostile.cpu_seconds(M.proc.pid)


def rss_mb():
    return hostile.rss_mib(M.proc.pid)


def tiny_query():
    """A tiny TAP query from another client address than the probes' (one address gets only
    [web] maxClientRequests handlers at once): must answer at once (seconds are a hang, not a
    measurement)."""
    start = time.time()
    r = hostile.get_from(M, "/tap/sync?LANG=ADQL&QUERY=SELECT+TOP+1+table_name+FROM+TAP_SCHEMA.tables", "127.0.0.2",
                         timeout=10)
    took = time.time() - start
    check(r.status == 200 and b'value="ERROR"' not in r.body, (r.status, r.text[:300]))
    check(took < 2, "a tiny query took %.1f s" % took)
    return took


def settled(what, idle=1.5):
    hostile.settled(M, what, idle, probe=tiny_query)


def clean_error(r, statuses, needle):
    return hostile.clean_error(M, r, statuses, needle)


def raw_put(path, pieces, **kw):
    return hostile.raw_put(M, path, pieces, **kw)


# ---------------------------------------------------------------- probes

def test_table_without_fields_every_path():
    """Item 1: the reader used to add zero-byte rows forever (full CPU, an aborted transaction
    held, the client's disconnect and the time limit ignored)."""
    base = backends(M)
    needle = "the TABLE has no FIELD"
    # sync, multipart upload
    r = sync(M, "SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", NO_FIELDS)], UPLOAD="t,param:f", timeout=20)
    clean_error(r, (400,), needle)
    settled("sync upload")
    # async job
    job = tapdata.create_job(M, "SELECT * FROM TAP_UPLOAD.t", run=True, files=[("f", "f.vot", NO_FIELDS)],
                             UPLOAD="t,param:f")
    j = tapdata.wait_job(M, job, timeout=20)
    check(j["phase"] == "ERROR" and needle in (j.get("errorSummary") or ""), j)
    r = M.get("/tap/async/%s/error" % job)
    check(r.status == 200 and needle.encode() in r.body, (r.status, r.text[:300]))
    settled("async upload")
    # URL upload (a local server; a service that refuses loopback URLs answers 400 as well)
    srv = serve_bytes({"/nofields.vot": NO_FIELDS})
    try:
        r = sync(M, "SELECT * FROM TAP_UPLOAD.t", UPLOAD="t,http://127.0.0.1:%d/nofields.vot" % srv.server_address[1],
                 timeout=20)
        check(r.status == 400, (r.status, r.text[:300]))
        clean_error(r, (400,), needle if srv.hits else "")
    finally:
        srv.shutdown()
    settled("URL upload")
    # PUT /tap/user_tables/NAME
    r = raw_put("/tap/user_tables/nofields", [NO_FIELDS], content_length=len(NO_FIELDS), timeout=20)
    clean_error(r, (400,), needle)
    check(M.get("/tap/user_tables/nofields").status == 404, "a table was made")
    settled("PUT")
    check(backends(M) <= max(base, 1) + 3, "connections: %d before, %d after" % (base, backends(M)))


def test_deeply_nested_put():
    """Item 2: 16 MB of nested <a> grew the daemon by about 45 times the input, for good."""
    tiny_query()
    rss0 = rss_mb()
    doc = VOT_HEAD + b"<a>" * ((16 << 20) // 3)
    r = raw_put("/tap/user_tables/deep", pieces_of(doc, 64 << 10))
    clean_error(r, (413,), "nests elements deeper than 64 levels")
    settled("nested PUT")
    grown = rss_mb() - rss0
    check(grown < 48, "the daemon grew by %.0f MB for a 16 MB upload" % grown)


def test_put_size_limit():
    """Item 2: PUT bodies are limited ([upload] maxUserTableUploadSize, 8M here)."""
    # Announced too large: refused before a byte of the body is read.
    start = time.time()
    r = raw_put("/tap/user_tables/big", [b" " * 1024], content_length=PUT_LIMIT + 1)
    clean_error(r, (413,), "larger than the limit")
    check(time.time() - start < 5, "the announced size was not refused at once")
    # Chunked (no length announced): cut once the limit is passed.  A valid table followed by
    # whitespace, which XML allows after the root element.
    body = SMALL + b" " * (PUT_LIMIT + (1 << 20))
    r = raw_put("/tap/user_tables/big", pieces_of(body, 256 << 10))
    clean_error(r, (413,), "larger than the limit")
    check(M.get("/tap/user_tables/big").status == 404, "a table was made")
    # Within the limit all is well.
    r = raw_put("/tap/user_tables/fits", pieces_of(SMALL + b" " * (1 << 20), 64 << 10))
    check(r.status == 201, (r.status, r.text[:300]))
    settled("PUT size")


def test_megabyte_attribute_in_small_pieces():
    """Item 3: a 3 MB attribute arriving in 2 kB pieces made expat 2.5 rescan the unfinished tag
    for every piece (quadratic: 8 MB took 96 s), an abandoned PUT kept a core busy for minutes,
    and the error quoted the whole name back."""
    name = b"n" * (3 << 20)
    doc = VOT_HEAD + b"<RESOURCE><TABLE><FIELD name='" + name + b"'/><DATA><TABLEDATA/></DATA></TABLE></RESOURCE></VOTABLE>"
    cpu0 = cpu_seconds()
    r = raw_put("/tap/user_tables/attr", pieces_of(doc, 2048), pace=0.0002)
    clean_error(r, (400, 413), "longer than")
    check(r.body.count(b"n" * 100) == 0, "the name was quoted back")
    used = cpu_seconds() - cpu0
    check(used < 1.0, "the daemon used %.1f s of CPU for a 3 MB upload" % used)
    settled("large attribute")
    # Abandoned half-way: the client goes away, the work stops.
    hostile.abandon_put(M, "/tap/user_tables/gone", doc)
    settled("abandoned PUT")


def test_slow_puts_take_no_connections():
    """Item 4: each PUT opened its own database connection before reading the body; slow PUTs
    exhausted PostgreSQL's max_connections (and the 500 showed the socket path)."""
    tiny_query()
    base = backends(M)
    slow = []
    # The slow PUTs come from one client address (which gets [web] maxClientRequests handlers
    # at once, the rest wait without a thread); the holders and the third upload from another.
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", M.port), source_address=("127.0.0.3", 0))
        s.sendall(b"PUT /tap/user_tables/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-votable+xml\r\n"
                  b"Content-Length: 100000\r\n\r\n<?xml version='1.0'?>\n")
        slow.append(s)
    # Two uploads whose data has begun hold the two upload connections ([db] uploadPoolSize = 2).
    header = VOT_HEAD + b"<RESOURCE><TABLE><FIELD name='x' datatype='double'/><DATA><BINARY2><STREAM encoding='base64'>"
    holders = []
    for i in range(2):
        s = socket.create_connection(("127.0.0.1", M.port))
        s.sendall(b"PUT /tap/user_tables/hold%d HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-votable+xml\r\n"
                  b"Content-Length: 5000000\r\n\r\n" % i + header + b" " * (300 << 10))
        holders.append(s)
    try:
        for _ in range(3):
            time.sleep(1.5)
            for s in slow:
                s.sendall(b" ")
            for s in holders:
                s.sendall(b" ")
            tiny_query()
        n = backends(M)
        # the upload pool (2) and the admin pool growing to its size (4) for the PUTs' bookkeeping
        print("connections: %d before, %d with the PUTs in flight" % (base, n))
        check(n <= base + 2 + 4, "%d connections with 42 PUTs in flight (%d before)" % (n, base))
        # The pool is exhausted: a third upload is told to come back later.
        start = time.time()
        r = raw_put("/tap/user_tables/third", [SMALL], content_length=len(SMALL), timeout=30)
        clean_error(r, (503,), "try again")
        check(r.header("Retry-After") and r.header("Retry-After").isdigit(), r.headers)
        check(time.time() - start < 10, "the 503 took %.1f s" % (time.time() - start))
    finally:
        for s in holders:
            s.close()
    # With the holders gone, uploads work again, while the slow PUTs still wait.
    deadline = time.time() + 10
    while True:
        r = raw_put("/tap/user_tables/after", [SMALL], content_length=len(SMALL), timeout=30)
        if r.status != 503 or time.time() > deadline:
            break
        time.sleep(0.5)
    check(r.status == 201, (r.status, r.text[:300]))
    for s in slow:
        s.close()
    time.sleep(1)
    settled("slow PUTs")
    check(backends(M) <= base + 2 + 4, "connections leaked: %d (%d before)" % (backends(M), base))


def test_connection_failure_shows_no_path():
    """Item 4: when PostgreSQL refuses a new connection, the client hears that the database is
    not available, not libpq's message with the server's socket path."""
    tiny_query()
    M.superuser_sql("ALTER DATABASE %s CONNECTION LIMIT 0" % M.dbname)
    try:
        # Every pooled connection goes: the daemon has to open new ones, which are refused.
        M.superuser_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()" % M.dbname)
        r = raw_put("/tap/user_tables/refused", [SMALL], content_length=len(SMALL))
        clean_error(r, (503,), "database")
        check(r.header("Retry-After"), r.headers)
        r = sync(M, "SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", SMALL)], UPLOAD="t,param:f")
        clean_error(r, (503,), "database")
    finally:
        M.superuser_sql("ALTER DATABASE %s CONNECTION LIMIT -1" % M.dbname)
    check(raw_put("/tap/user_tables/again", [SMALL], content_length=len(SMALL)).status == 201, "uploads work again")
    tiny_query()


def test_entities():
    """Item 14: undefined entities became empty strings; external ones must never be fetched."""
    table = (b"<RESOURCE><TABLE><FIELD name='t' datatype='char' arraysize='*'/><DATA><TABLEDATA><TR><TD>%s</TD></TR>"
             b"</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>")
    doc = b'<!DOCTYPE VOTABLE SYSTEM "http://example.org/VOTable.dtd">' + VOT_HEAD + table % b"a&undefined;b"
    r = raw_put("/tap/user_tables/ent", [doc], content_length=len(doc))
    clean_error(r, (400,), "the entity &undefined;, which is not defined")
    check(M.get("/tap/user_tables/ent").status == 404, "a table was made")
    srv = serve_bytes({"/secret": b"secret"})
    try:
        url = "http://127.0.0.1:%d/secret" % srv.server_address[1]
        for d in (b'<!DOCTYPE VOTABLE [<!ENTITY xxe SYSTEM "%s">]>' % url.encode() + VOT_HEAD + table % b"&xxe;",
                  b'<!DOCTYPE VOTABLE [<!ENTITY % p SYSTEM "' + url.encode() + b'"> %p;]>' + VOT_HEAD + table % b"x"):
            r = sync(M, "SELECT * FROM TAP_UPLOAD.t", files=[("f", "f.vot", d)], UPLOAD="t,param:f", timeout=20)
            clean_error(r, (400,), "entity declarations are not accepted")
            r = raw_put("/tap/user_tables/ent", [d], content_length=len(d))
            clean_error(r, (400,), "entity declarations are not accepted")
        check(srv.hits == 0, "an external entity was fetched")
    finally:
        srv.shutdown()
    settled("entities")


def test_spool_files_of_a_killed_daemon_are_removed():
    """Item 1: upload files spooled by a daemon killed with -9 stay in [general] tmpDir; the next
    start removes them (files of a daemon that still runs are left alone)."""
    tmp = os.path.join(M.state, "tmp")
    body_len = 50 << 20
    s = socket.create_connection(("127.0.0.1", M.port))
    part = (b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.vot\"\r\n"
            b"Content-Type: application/x-votable+xml\r\n\r\n")
    s.sendall(b"POST /tap/sync HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
              b"Content-Length: %d\r\n\r\n" % body_len + part + b" " * (256 << 10))
    deadline = time.time() + 10
    spooled = []
    while time.time() < deadline and not spooled:
        spooled = [f for f in os.listdir(tmp) if f.startswith("upload-")] if os.path.isdir(tmp) else []
        time.sleep(0.1)
    check(spooled, "no spool file appeared in %s" % tmp)
    M.proc.send_signal(signal.SIGKILL)
    M.proc.wait()
    M.proc = None
    s.close()
    check(all(os.path.exists(os.path.join(tmp, f)) for f in spooled), "the spool files should still be there")
    # A file of a process that still runs (this test) is not the new daemon's to remove.
    alive = os.path.join(tmp, "upload-%d-1-1" % os.getpid())
    open(alive, "w").close()
    M.start(port=M.port)
    tiny_query()  # the port opens before the services start
    left = [f for f in os.listdir(tmp) if f.startswith("upload-")]
    check(left == [os.path.basename(alive)], "left in tmpDir after the restart: %s" % left)
    os.unlink(alive)


def main():
    global M
    with Meles("hostile_uploads", extra_config=CONFIG) as m:
        r = m.cli("imp", "//tap_user")
        check(r.returncode == 0, r.stdout + r.stderr)
        m.start()
        M = m
        tests = [test_table_without_fields_every_path, test_deeply_nested_put, test_put_size_limit,
                 test_megabyte_attribute_in_small_pieces, test_slow_puts_take_no_connections,
                 test_connection_failure_shows_no_path, test_entities, test_spool_files_of_a_killed_daemon_are_removed]
        # `test_hostile_uploads.py NAME...` runs only the tests named
        run_tests([t for t in tests if len(sys.argv) < 2 or t.__name__ in sys.argv[1:]])


if __name__ == "__main__":
    main()
