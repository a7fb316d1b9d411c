"""Simple Cone Search over an imported catalogue: correctness against brute force, pyvo,
votlint, SCS error documents, VOSI, the form, and `meles imp`/`drop` from the CLI."""
import math
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

from harness import MELES, SOURCE, Meles, check, run_tests
from tapdata import xsd_problems

ROWS = 100000


def setup_catalogue(m):
    inputs = os.path.join(m.state, "inputs", "stars")
    os.makedirs(os.path.join(inputs, "data"), exist_ok=True)
    shutil.copy(os.path.join(SOURCE, "demo", "stars", "q.rd"), inputs)
    gen = os.path.join(os.path.dirname(os.path.dirname(MELES)), "tests", "bench_grammars")
    csv = os.path.join(inputs, "data", "cat1m.csv")
    subprocess.run([gen, "gen", str(ROWS), csv], check=True, capture_output=True)
    r = m.cli("imp", "stars/q")
    check(r.returncode == 0, r.stdout + r.stderr)
    check("stars.main: 100,000 rows" in r.stdout, r.stdout)
    rows = []
    with open(csv) as f:
        next(f)
        for line in f:
            i, ra, dec, mag, name = line.rstrip("\n").split(",")
            rows.append((int(i), float(ra), float(dec)))
    return rows


def distance(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(math.radians, (ra1, dec1, ra2, dec2))
    s = math.sin((dec2 - dec1) / 2) ** 2 + math.cos(dec1) * math.cos(dec2) * math.sin((ra2 - ra1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1, math.sqrt(s))))


def votable_rows(text):
    import io
    from astropy.io.votable import parse
    t = parse(io.BytesIO(text), verify="ignore").get_first_table()
    return t.array


def votlint(data):
    with tempfile.NamedTemporaryFile(suffix=".vot", delete=False) as f:
        f.write(data)
        path = f.name
    r = subprocess.run(["stilts", "votlint", path], capture_output=True, text=True)
    os.unlink(path)
    return (r.stdout + r.stderr).strip()


def test_cone_search():
    with Meles("scs") as m:
        rows = setup_catalogue(m)
        m.start()
        base = "/stars/q/cone/scs.xml"
        cones = [(10, 10, 0.5), (359.9, 0.2, 1.0), (0.05, -0.3, 0.7), (45, 89.5, 2.0), (200, -88.9, 1.5), (123.4, 45.6, 0)]
        for ra, dec, sr in cones:
            r = m.get("%s?RA=%s&DEC=%s&SR=%s&RESPONSEFORMAT=votable/td" % (base, ra, dec, sr))
            check(r.status == 200, r.text[:300])
            got = set(int(x) for x in votable_rows(r.body)["id"])
            # brute force, leaving out points within 1e-9 deg of the edge (rounding)
            want = set(i for i, a, d in rows if distance(ra, dec, a, d) < sr - 1e-9)
            edge = set(i for i, a, d in rows if abs(distance(ra, dec, a, d) - sr) <= 1e-9)
            check(want <= got and got <= want | edge, "cone %s: got %d want %d" % ((ra, dec, sr), len(got), len(want)))
        # _r first, sorted, UCD1 names for the mandatory columns
        r = m.get(base + "?RA=10&DEC=10&SR=1")
        t = votable_rows(r.body)
        check(t.dtype.names[0] == "_r" and list(t["_r"]) == sorted(t["_r"]), t.dtype.names)
        check(b'ucd="ID_MAIN"' in r.body and b'ucd="POS_EQ_RA_MAIN"' in r.body and b'ucd="POS_EQ_DEC_MAIN"' in r.body, "UCD1")
        # every serialization validates
        for fmt in ["votable", "votable/td", "votable/b2", "application/x-votable+xml;serialization=BINARY"]:
            r = m.get(base + "?RA=10&DEC=10&SR=1&RESPONSEFORMAT=" + urllib.parse.quote(fmt))
            msgs = votlint(r.body)
            check(msgs == "", "votlint %s: %s" % (fmt, msgs))
        # VERB
        n1 = len(votable_rows(m.get(base + "?RA=10&DEC=10&SR=1&VERB=1").body).dtype.names)
        n3 = len(votable_rows(m.get(base + "?RA=10&DEC=10&SR=1&VERB=3").body).dtype.names)
        check(n1 <= n3 and n3 == 6, (n1, n3))
        # MAXREC cuts with OVERFLOW
        r = m.get(base + "?RA=10&DEC=10&SR=3&MAXREC=5&RESPONSEFORMAT=votable/td")
        check(len(votable_rows(r.body)) == 5 and b'value="OVERFLOW"' in r.body, r.text[-300:])
        # errors: SCS error documents, HTTP 200, daemon lives
        for q, words in [("RA=10&DEC=10", "SR"), ("RA=10&DEC=95&SR=1", "DEC"), ("RA=x&DEC=1&SR=1", "RA"),
                         ("RA=10&DEC=10&SR=1&VERB=7", "VERB"), ("RA=10&DEC=10&SR=1&RESPONSEFORMAT=pdf", "RESPONSEFORMAT")]:
            r = m.get(base + "?" + q)
            check(r.status == 200 and b'name="Error"' in r.body and words.encode() in r.body, r.text)
            check(votlint(r.body) == "", votlint(r.body))
        # pyvo
        out = subprocess.run(["/usr/bin/python3", "-c", """
import pyvo, sys
r = pyvo.dal.conesearch(sys.argv[1], pos=(10, 10), radius=0.5)
print(len(r))
svc = pyvo.dal.SCSService(sys.argv[1])
print(len(svc.search(pos=(200, -30), radius=1.0, verbosity=3)))
""", m.url + base], capture_output=True, text=True)
        want = sum(1 for i, a, d in rows if distance(10, 10, a, d) < 0.5)
        check(out.returncode == 0 and out.stdout.split()[0] == str(want), out.stdout + out.stderr)
        # VOSI of the service
        caps = ET.fromstring(m.get("/stars/q/cone/capabilities").body)
        ids = [c.get("standardID") for c in caps]
        check("ivo://ivoa.net/std/ConeSearch" in ids and "ivo://ivoa.net/std/VOSI#availability" in ids, ids)
        check(b"<avail:available>true" in m.get("/stars/q/cone/availability").body, "availability")
        for doc in ("capabilities", "availability"):
            problems = xsd_problems(m.get("/stars/q/cone/" + doc).body)
            check(problems == [], (doc, problems))
        # the form and the root page
        r = m.get("/stars/q/cone/form?hscs_pos=0+40+0+%2B10+0+0&hscs_sr=30")
        check(r.status == 200 and b"<table class=\"results\">" in r.body and b"ANC J" in r.body, r.text[:500])
        r = m.get("/stars/q/cone/form?hscs_pos=nowhere")
        check(r.status == 200 and b"cannot read" in r.body, r.text[-300:])
        r = m.get("/")
        check(b"stars/q" in r.body and b"stars.main" in r.body, r.text)
        check(m.get("/stars/q/cone/siap2.xml").status == 404, "unknown renderer")
        # dropping the table: the service answers with an error, not a crash
        d = m.cli("drop", "stars/q")
        check(d.returncode == 0 and "dropped stars.main" in d.stdout, d.stdout + d.stderr)
        r = m.get(base + "?RA=10&DEC=10&SR=1")
        check(b'name="Error"' in r.body, r.text)
        check(m.get("/").status == 200, "daemon alive")


if __name__ == "__main__":
    run_tests([test_cone_search])
