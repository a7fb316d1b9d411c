"""The TAP service against real clients: taplint, votlint, pyvo; correctness of cones and
upload crossmatches against brute force; the user complaints of standards.md §C (WAIT cap,
408, OVERFLOW only when cut, DELETE redirect, PHASE=RUN at creation, persistent jobs,
execution duration, errors before/after output, identifier case); concurrency; restarts."""
import io
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

from harness import Meles, check, import_stars, run_tests, sky_distance, votlint

UWS = "{http://www.ivoa.net/xml/UWS/v1.0}"


def sync(m, query, **extra):
    fields = {"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": query}
    fields.update(extra)
    return m.post("/tap/sync", fields=fields)


def wait_final(m, path, limit=60):
    """Polls with WAIT until the job leaves PENDING/QUEUED/EXECUTING; returns the job document.
    (WAIT returns on every phase change, so one WAIT is not enough.)"""
    t0 = time.time()
    while True:
        doc = ET.fromstring(m.get(path + "?WAIT=5").body)
        if doc.find(UWS + "phase").text not in ("PENDING", "QUEUED", "EXECUTING") or time.time() - t0 > limit:
            return doc


def table(body):
    from astropy.io.votable import parse
    return parse(io.BytesIO(body), verify="ignore").get_first_table().array


def upload_votable(rows):
    """A small VOTable (TABLEDATA) with columns "Src ID", ra, dec."""
    tr = "".join("<TR><TD>%d</TD><TD>%.8f</TD><TD>%.8f</TD></TR>" % r for r in rows)
    return ('<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
            '<RESOURCE><TABLE><FIELD name="Src ID" datatype="int"/><FIELD name="ra" datatype="double" unit="deg"/>'
            '<FIELD name="dec" datatype="double" unit="deg"/><DATA><TABLEDATA>' + tr +
            '</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>').encode()


def multipart(fields, files):
    boundary = "mElEsBoUnDaRy"
    out = b""
    for k, v in fields.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode()
    for k, data in files.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s.xml\"\r\n"
                "Content-Type: application/x-votable+xml\r\n\r\n" % (boundary, k, k)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def test_tap():
    with Meles("tap", extra_config="[async]\ndefaultExecTimeSync = 3\nmaxWait = 5\n") as m:
        rows = import_stars(m)
        m.start()

        # taplint: nothing to complain about (ObsLocTAP and EPN-TAP stages are not ours)
        r = subprocess.run(["stilts", "taplint", "tapurl=" + m.url + "/tap", "maxtable=20",
                            "stages=TMV TME TMS TMC CPV CAP AVV QGE QPO QAS UWS MDQ OBS UPL EXA"],
                           capture_output=True, text=True, timeout=600)
        bad = [l for l in r.stdout.splitlines() if re.match(r"^[EWF]-", l)]
        check(not bad and "Totals: Errors: 0; Warnings: 0" in r.stdout, "taplint:\n" + "\n".join(bad) + r.stdout[-300:])

        # every serialization validates; OVERFLOW only when rows were cut
        q = "SELECT TOP 10 id, ra, dec, mag, name FROM stars.main ORDER BY id"
        for fmt in ["votable", "votable/td", "votable/b2", "application/x-votable+xml;serialization=BINARY"]:
            out = sync(m, q, RESPONSEFORMAT=fmt, MAXREC="10")
            check(out.status == 200 and votlint(out.body) == "", (fmt, votlint(out.body)))
            check(b"OVERFLOW" not in out.body, "no overflow when TOP fits MAXREC")
        out = sync(m, "SELECT id FROM stars.main ORDER BY id", MAXREC="5", RESPONSEFORMAT="votable/td")
        check(len(table(out.body)) == 5 and b'value="OVERFLOW"' in out.body and votlint(out.body) == "", out.text[-300:])
        out = sync(m, "SELECT id FROM stars.main", MAXREC="0")
        check(len(table(out.body)) == 0 and votlint(out.body) == "", "MAXREC=0")
        csv = sync(m, q, RESPONSEFORMAT="csv").text.splitlines()
        check(csv[0] == "id,ra,dec,mag,name" and len(csv) == 11, csv[:2])
        check(sync(m, q, RESPONSEFORMAT="tsv").text.splitlines()[0] == "id\tra\tdec\tmag\tname", "tsv")
        check(sync(m, q, FORMAT="application/json").header("Content-Type").startswith("application/json"), "json")
        check(sync(m, q, RESPONSEFORMAT="fits").body[:6] == b"SIMPLE", "fits")

        # errors: DALI documents with the right status and the position
        out = sync(m, "SELECT ra FROM stars.main WHERE dac > 3")
        check(out.status == 400 and b"QUERY_STATUS" in out.body and b"line 1, column 33" in out.body and b"dec" in out.body,
              out.text)
        check(votlint(out.body) == "", votlint(out.body))
        check(sync(m, "SLECT 1").status == 400, "syntax error")
        check(m.post("/tap/sync", fields={"LANG": "PQL", "QUERY": "x"}).status == 400, "bad LANG")
        check(sync(m, q, RESPONSEFORMAT="pdf").status == 400, "bad format")
        out = sync(m, "SELECT COUNT(*) FROM stars.main AS a, stars.main AS b WHERE a.mag > b.mag")
        check(out.status == 408 and b"QUERY_STATUS" in out.body, (out.status, out.text[:300]))

        # identifier case: a mixed-case alias survives into the SQL and out again
        t = table(sync(m, 'SELECT TOP 1 ra AS "RaDeg", dec AS Mixed FROM stars.main', RESPONSEFORMAT="votable/td").body)
        check(t.dtype.names == ("RaDeg", "Mixed"), t.dtype.names)

        # cones against brute force
        for ra, dec, r_ in [(10, 10, 0.5), (359.8, -0.2, 1.0), (123, 88.5, 2.0)]:
            got = set(int(x) for x in table(sync(m, "SELECT id FROM stars.main WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), "
                                                  "CIRCLE('ICRS', %s, %s, %s))" % (ra, dec, r_), MAXREC="100000").body)["id"])
            want = set(i for i, a, d, _ in rows if sky_distance(ra, dec, a, d) < r_ - 1e-9)
            edge = set(i for i, a, d, _ in rows if abs(sky_distance(ra, dec, a, d) - r_) <= 1e-9)
            check(want <= got <= want | edge, "cone %s: %d vs %d" % ((ra, dec, r_), len(got), len(want)))

        # upload crossmatch (sync, multipart) against brute force; delimited column name kept
        probes = [(k, rows[k * 997][1] + 0.001, rows[k * 997][2] - 0.001) for k in range(40)]
        body, headers = multipart({"REQUEST": "doQuery", "LANG": "ADQL", "MAXREC": "100000", "RESPONSEFORMAT": "votable/td",
                                   "UPLOAD": "mine,param:t1",
                                   "QUERY": 'SELECT u."Src ID", s.id FROM TAP_UPLOAD.mine AS u JOIN stars.main AS s '
                                            "ON 1 = CONTAINS(POINT('ICRS', s.ra, s.dec), CIRCLE('ICRS', u.ra, u.dec, 0.05))"},
                                  {"t1": upload_votable(probes)})
        out = m.post("/tap/sync", body=body, headers=headers)
        check(out.status == 200, out.text[:500])
        got = set((int(a), int(b)) for a, b in table(out.body))
        want = set((k, i) for k, pa, pd in probes for i, a, d, _ in rows if sky_distance(pa, pd, a, d) < 0.05 - 1e-9)
        check(want <= got and len(got - want) < 3, "crossmatch %d vs %d" % (len(got), len(want)))
        check(b'name="Src ID"' in out.body, "delimited upload column name")

        # async: PHASE=RUN at creation, WAIT capped, result, DELETE → 303 to a short list, then 404
        r1 = m.post("/tap/async", fields={"LANG": "ADQL", "QUERY": "SELECT TOP 3 id FROM stars.main", "PHASE": "RUN"})
        check(r1.status == 303, r1.status)
        job = urllib.parse.urlparse(r1.header("Location")).path
        doc = wait_final(m, job)
        check(doc.find(UWS + "phase").text == "COMPLETED", ET.tostring(doc)[:400])
        res = m.get(job + "/results/result")
        check(res.status == 200 and len(table(res.body)) == 3, res.status)
        d = m.request("DELETE", job)
        check(d.status == 303 and "LAST=" in d.header("Location"), d.headers)
        check(m.get(job).status == 404, "deleted job")
        # a failing job: ERROR with the message; /error is a DALI document with 200
        r2 = m.post("/tap/async", fields={"LANG": "ADQL", "QUERY": "SELECT nothere FROM stars.main", "PHASE": "RUN"})
        job2 = urllib.parse.urlparse(r2.header("Location")).path
        doc = wait_final(m, job2)
        check(doc.find(UWS + "phase").text == "ERROR" and "nothere" in ET.tostring(doc).decode(), ET.tostring(doc)[:500])
        e = m.get(job2 + "/error")
        check(e.status == 200 and b"QUERY_STATUS" in e.body, e.status)
        # execution duration enforced at the database
        r3 = m.post("/tap/async", fields={"LANG": "ADQL", "EXECUTIONDURATION": "1", "PHASE": "RUN",
                                          "QUERY": "SELECT COUNT(*) FROM stars.main AS a, stars.main AS b WHERE a.mag > b.mag"})
        job3 = urllib.parse.urlparse(r3.header("Location")).path
        doc = wait_final(m, job3, 20)
        check(doc.find(UWS + "phase").text == "ERROR" and "execution duration" in ET.tostring(doc).decode(), ET.tostring(doc)[:500])
        # WAIT is capped by [async] maxWait (5 s here)
        r4 = m.post("/tap/async", fields={"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM stars.main"})
        job4 = urllib.parse.urlparse(r4.header("Location")).path
        t0 = time.time()
        m.get(job4 + "?WAIT=600")
        check(time.time() - t0 < 8, "WAIT not capped")
        # job list filters
        lst = ET.fromstring(m.get("/tap/async?PHASE=ERROR").body)
        check(all(j.find(UWS + "phase").text == "ERROR" for j in lst) and len(lst) >= 2, ET.tostring(lst)[:300])
        check(len(ET.fromstring(m.get("/tap/async?LAST=1").body)) == 1, "LAST")

        # pyvo
        out = subprocess.run(["/usr/bin/python3", "-c", PYVO_SCRIPT, m.url + "/tap"], capture_output=True, text=True,
                             timeout=300)
        check(out.returncode == 0 and out.stdout.strip().endswith("pyvo ok"), out.stdout + out.stderr)

        # concurrency: many sync queries and jobs at once, all right
        errors = []

        def one(i):
            try:
                t = table(sync(m, "SELECT TOP 50 id FROM stars.main WHERE id > %d ORDER BY id" % (i * 100),
                               RESPONSEFORMAT="votable/b2").body)
                if list(t["id"]) != list(range(i * 100 + 1, i * 100 + 51)):
                    errors.append("wrong rows for %d" % i)
            except Exception as e:  # noqa
                errors.append(str(e))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
        jobs = [m.post("/tap/async", fields={"LANG": "ADQL", "PHASE": "RUN", "QUERY": "SELECT COUNT(*) AS n FROM stars.main"})
                for _ in range(10)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        check(not errors, errors[:3])
        for j in jobs:
            path = urllib.parse.urlparse(j.header("Location")).path
            doc = wait_final(m, path)
            check(doc.find(UWS + "phase").text == "COMPLETED", ET.tostring(doc)[:300])

        # a client that disconnects cancels its query
        s = socket.create_connection(("127.0.0.1", m.port))
        slow = urllib.parse.quote("SELECT COUNT(*) FROM stars.main AS a, stars.main AS b WHERE a.mag < b.mag + a.id")
        s.sendall(("GET /tap/sync?LANG=ADQL&QUERY=%s HTTP/1.1\r\nHost: x\r\n\r\n" % slow).encode())
        time.sleep(1)
        check(m.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%stars.main%' AND state = 'active'")[0][0] == "1",
              "query not running")
        s.close()
        gone = False
        for _ in range(50):
            time.sleep(0.1)
            if m.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%stars.main%' AND state = 'active'")[0][0] == "0":
                gone = True
                break
        check(gone, "query still running after the client left")

        # a restart during an executing job: ERROR with a clear message
        r5 = m.post("/tap/async", fields={"LANG": "ADQL", "PHASE": "RUN", "EXECUTIONDURATION": "600",
                                          "QUERY": "SELECT COUNT(*) FROM stars.main AS a, stars.main AS b WHERE a.mag < b.mag"})
        job5 = urllib.parse.urlparse(r5.header("Location")).path
        m.get(job5 + "?WAIT=5&PHASE=QUEUED")
        check(ET.fromstring(m.get(job5).body).find(UWS + "phase").text == "EXECUTING", "job 5 not executing")
        m.stop(signal.SIGKILL)
        m.start()
        doc = ET.fromstring(m.get(job5).body)
        check(doc.find(UWS + "phase").text == "ERROR" and "restarted" in ET.tostring(doc).decode(), ET.tostring(doc)[:500])
        e = m.get(job5 + "/error")
        check(e.status == 200 and b"restarted" in e.body and votlint(e.body) == "", (e.status, e.text))


PYVO_SCRIPT = r'''
import sys, io, warnings
warnings.simplefilter("ignore")
import pyvo
from astropy.table import Table
url = sys.argv[1]
svc = pyvo.dal.TAPService(url)
names = [t.name for t in svc.tables]
assert "stars.main" in names, names
r = svc.run_sync("SELECT TOP 5 id, ra, dec FROM stars.main ORDER BY id")
assert len(r) == 5 and list(r["id"]) == [1, 2, 3, 4, 5], r
r = svc.run_async("SELECT TOP 7 id FROM stars.main ORDER BY id")
assert len(r) == 7
job = svc.submit_job("SELECT TOP 3 id FROM stars.main")
job.run()
job.wait(timeout=60)
assert job.phase == "COMPLETED", job.phase
assert len(job.fetch_result()) == 3
job.delete()
r = svc.run_sync("SELECT id FROM stars.main", maxrec=10)
assert len(r) == 10 and r.query_status == "OVERFLOW", r.query_status
t = Table({"pid": [1, 2], "ra": [10.0, 20.0], "dec": [10.0, 20.0]})
r = svc.run_sync("SELECT u.pid, s.id FROM TAP_UPLOAD.probe AS u JOIN stars.main AS s ON "
                 "1 = CONTAINS(POINT('ICRS', s.ra, s.dec), CIRCLE('ICRS', u.ra, u.dec, 0.3))", uploads={"probe": t})
assert len(r) > 0
r = svc.run_async("SELECT COUNT(*) AS n FROM TAP_UPLOAD.probe", uploads={"probe": t})
assert r["n"][0] == 2
try:
    svc.run_sync("SELECT nothere FROM stars.main")
    raise SystemExit("no error raised")
except pyvo.dal.DALQueryError as e:
    assert "nothere" in str(e), e
print("pyvo ok")
'''


if __name__ == "__main__":
    run_tests([test_tap])
