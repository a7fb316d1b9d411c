"""Test data for the TAP integration tests: a synthetic catalogue imported with `meles imp`
(like the demo's, uniform on the sky, deterministic), a table with every column type the
output formats must handle, and brute-force reference computations."""
import math
import os
import random
import time

RD = """<?xml version="1.0" encoding="utf-8"?>
<resource schema="tapt" resdir=".">
  <meta name="title">TAP test data</meta>
  <meta name="description">Synthetic catalogue and a table of all types, for the TAP tests.</meta>
  <meta name="creationDate">2026-11-23T00:00:00Z</meta>
  <meta name="_example" title="Bright stars near a position">
    Stars brighter than 12 mag within a degree of (10, 10) in :taptable:`tapt.main`;
    the cone uses the ``q3c`` index.

    .. tapquery::

      SELECT id, ra, dec, mag FROM tapt.main
      WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 1))
        AND mag &lt; 12
  </meta>

  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">Synthetic stars, uniform on the sky.</meta>
    <column name="id" type="bigint" ucd="meta.id;meta.main" required="True"
      tablehead="ID" description="Running source identifier" verbLevel="1"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main"
      tablehead="RA" verbLevel="1" description="ICRS right ascension" required="True"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main"
      tablehead="Dec" verbLevel="1" description="ICRS declination" required="True"/>
    <column name="mag" type="real" unit="mag" ucd="phot.mag;em.opt.V"
      tablehead="V" verbLevel="1" description="Synthetic V magnitude"/>
    <column name="name" type="text" ucd="meta.id" tablehead="Name"
      verbLevel="1" description="IAU-style designation"/>
  </table>

  <table id="types" onDisk="True" adql="True" primary="id">
    <meta name="description">One column of each type, with nulls.</meta>
    <column name="id" type="integer" required="True" description="Row number"/>
    <column name="s" type="smallint" description="A smallint"/>
    <column name="i" type="integer" description="An integer"/>
    <column name="b" type="bigint" description="A bigint"/>
    <column name="r" type="real" description="A real" unit="m"/>
    <column name="d" type="double precision" description="A double"/>
    <column name="t" type="text" description="Some text"/>
    <column name="c" type="char(3)" description="Three characters"/>
    <column name="flag" type="boolean" description="A boolean"/>
    <column name="ts" type="timestamp" description="A timestamp"/>
    <column name="arr" type="real[]" description="A real array"/>
    <column name="pos" type="spoint" description="A point" ucd="pos.eq"/>
    <column name="circ" type="scircle" description="A circle"/>
    <column name="poly" type="spoly" description="A polygon"/>
    <column name="quoted/Mixed Case" type="double precision" description="A delimited name"/>
  </table>

  <data id="import">
    <sources>data/cat.csv</sources>
    <csvGrammar topIgnoredLines="1" names="id,ra,dec,mag,name"/>
    <make table="main">
      <rowmaker idmaps="*"/>
    </make>
  </data>
  <data id="types_meta" auto="False">
    <make table="types"/>
  </data>
</resource>
"""

TYPES_SQL = """
CREATE TABLE tapt.types (id integer PRIMARY KEY, s smallint, i integer, b bigint, r real,
  d double precision, t text, c char(3), flag boolean, ts timestamp, arr real[], pos spoint,
  circ scircle, poly spoly, "Mixed Case" double precision);
INSERT INTO tapt.types VALUES
 (1, 1, 2, 3, 1.5, 2.25, 'plain', 'abc', true, '2020-01-02T03:04:05.5', '{1,2,3}',
  spoint(radians(10), radians(20)), scircle(spoint(radians(10), radians(20)), radians(1)),
  spoly '{(0.1,0.1),(0.2,0.1),(0.2,0.2)}', 1e300),
 (2, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity', 'with <markup> & "quotes", comma	tab
newline', 'x', false, '1999-12-31T23:59:59', '{}', spoint(0, 0), NULL, NULL, -0.5),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 7, 8, 9, 0, 0, 'ünïcödé ✓', 'xyz', true, '2000-02-29T12:00:00', '{4.5}',
  spoint(radians(359.5), radians(-89)), scircle(spoint(0, radians(90)), radians(0.001)),
  spoly '{(0,0),(0.01,0),(0.01,0.01),(0,0.01)}', 42);
GRANT SELECT ON tapt.types TO meles_ro;
"""


def catalogue_rows(n, seed=20240601):
    """(id, ra, dec, mag, name) uniform on the sphere."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        ra = rng.uniform(0, 360)
        dec = math.degrees(math.asin(2 * rng.random() - 1))
        mag = min(25.0, max(5.0, rng.gauss(17, 2)))
        h = ra / 15
        name = "TST J%02d%02d%05.2f%+03d%02d%04.1f" % (int(h), int(h * 60) % 60, (h * 3600) % 60,
                                                       int(dec), int(abs(dec) * 60) % 60, (abs(dec) * 3600) % 60)
        rows.append((i, round(ra, 8), round(dec, 8), round(mag, 3), name))
    return rows


def config_with_url(extra=""):
    """(port, configuration text) with [web] serverURL matching the port the daemon will use,
    so that capabilities name the URLs clients and validators use."""
    from harness import free_port
    port = free_port()
    return port, "[web]\nserverURL = http://127.0.0.1:%d\n%s" % (port, extra)


def setup(m, nrows=100000, with_types=True):
    """Writes the RD and data into the test's inputs directory and imports them."""
    base = os.path.join(m.state, "inputs", "tapt")
    os.makedirs(os.path.join(base, "data"), exist_ok=True)
    with open(os.path.join(base, "q.rd"), "w") as f:
        f.write(RD)
    rows = catalogue_rows(nrows)
    with open(os.path.join(base, "data", "cat.csv"), "w") as f:
        f.write("id,ra,dec,mag,name\n")
        for r in rows:
            f.write("%d,%r,%r,%r,%s\n" % r)
    r = m.cli("imp", "tapt/q")
    if r.returncode != 0:
        raise RuntimeError("meles imp failed:\n" + r.stdout + r.stderr)
    if not with_types:
        return rows
    m.sql(TYPES_SQL)
    r = m.cli("imp", "-m", "tapt/q", "types_meta")
    if r.returncode != 0:
        raise RuntimeError("meles imp -m failed:\n" + r.stdout + r.stderr)
    return rows


def angdist(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees (haversine, stable for small angles)."""
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    a = math.sin((d2 - d1) / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(a))))


def votable_bytes(columns, rows, serialization="TABLEDATA"):
    """A small VOTable (astropy) for uploads: columns = [(name, dtype)], rows = list of tuples."""
    import io
    from astropy.table import Table
    t = Table(rows=rows, names=[c[0] for c in columns], dtype=[c[1] for c in columns])
    from astropy.io.votable import from_table
    vot = from_table(t)
    buf = io.BytesIO()
    vot.to_xml(buf, tabledata_format=serialization.lower())
    return buf.getvalue()


# ---------------------------------------------------------------- HTTP and validation helpers
import http.client
import re
import subprocess
import tempfile
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

VOT_NS = "{http://www.ivoa.net/xml/VOTable/v1.3}"
UWS_NS = "{http://www.ivoa.net/xml/UWS/v1.0}"

# Messages of Debian's STILTS 3.4.7 that are not about our documents (see docs/output-formats.md).
VOTLINT_IGNORED = ("No arraysize for character, FIELD implies single character",)


def multipart(fields, files):
    """fields: [(name, value)], files: [(name, filename, bytes)] -> (body, content_type)."""
    boundary = "----meles" + uuid.uuid4().hex
    out = []
    for k, v in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    for k, fn, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/x-votable+xml\r\n\r\n" % (boundary, k, fn)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def sync(m, query, method="POST", files=None, timeout=120, **params):
    """Runs a sync query; params are extra TAP parameters (RESPONSEFORMAT=..., MAXREC=...)."""
    fields = [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("QUERY", query)] + [(k, str(v)) for k, v in params.items()]
    if method == "GET":
        return m.get("/tap/sync?" + urllib.parse.urlencode(fields), timeout=timeout)
    if files is not None:
        body, ctype = multipart(fields, files)
        return m.request("POST", "/tap/sync", body=body, headers={"Content-Type": ctype}, timeout=timeout)
    return m.post("/tap/sync", fields=dict(fields), timeout=timeout)


def votlint(data):
    """Runs `stilts votlint` on a document; returns the ERROR/WARNING lines (empty: clean)."""
    with tempfile.NamedTemporaryFile(suffix=".vot", delete=False) as f:
        f.write(data)
        name = f.name
    try:
        r = subprocess.run(["stilts", "votlint", "votable=" + name], capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(name)
    lines = (r.stdout + r.stderr).splitlines()
    return [l for l in lines if (l.startswith("ERROR") or l.startswith("WARNING")) and not any(i in l for i in VOTLINT_IGNORED)]


SCHEMATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemata")


def xsd_problems(data, schema="vosi-all.xsd"):
    """Validates a VOSI document (or another, with `schema`) against the IVOA schemas kept in
    tests/schemata (xmllint, no network); returns xmllint's complaints (empty: valid)."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(data)
        name = f.name
    try:
        r = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", os.path.join(SCHEMATA, schema), name],
                           capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(name)
    lines = [l for l in (r.stdout + r.stderr).splitlines()
             if l.strip() and "Schemas parser warning" not in l and not l.endswith(" validates")]
    if r.returncode != 0 and not lines:
        lines = ["xmllint exited with %d" % r.returncode]
    return lines


def infos(data):
    """(name, value, text) of every INFO of a VOTable document, in document order."""
    root = ET.fromstring(data)
    return [(e.get("name"), e.get("value"), e.text or "") for e in root.iter(VOT_NS + "INFO")]


def query_statuses(data):
    return [v for n, v, _ in infos(data) if n == "QUERY_STATUS"]


def error_message(data):
    for n, v, t in infos(data):
        if n == "QUERY_STATUS" and v == "ERROR":
            return t
    return None


def read_votable(data):
    """An astropy Table from VOTable bytes."""
    import io
    import warnings
    from astropy.io.votable import parse_single_table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_single_table(io.BytesIO(data)).to_table(use_names_over_ids=True)


def uws_job(data):
    """Job document -> dict of simple children plus 'parameters' and 'results'."""
    root = ET.fromstring(data)
    out = {}
    for child in root:
        tag = child.tag.replace(UWS_NS, "")
        if tag == "parameters":
            out["parameters"] = {p.get("id"): p.text or "" for p in child}
        elif tag == "results":
            out["results"] = {r.get("id"): r.get("{http://www.w3.org/1999/xlink}href") for r in child}
        elif tag == "errorSummary":
            out["errorSummary"] = child.find(UWS_NS + "message").text
        else:
            out[tag] = child.text
    return out


def create_job(m, query, run=False, files=None, **params):
    """POSTs a new async job; returns its id (path after /tap/async/)."""
    fields = [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("QUERY", query)] + [(k, str(v)) for k, v in params.items()]
    if run:
        fields.append(("PHASE", "RUN"))
    if files is not None:
        body, ctype = multipart(fields, files)
        r = m.request("POST", "/tap/async", body=body, headers={"Content-Type": ctype})
    else:
        r = m.post("/tap/async", fields=dict(fields))
    if r.status != 303:
        raise AssertionError("job creation: %d %s" % (r.status, r.text))
    return r.header("Location").rsplit("/", 1)[1]


def wait_job(m, job, timeout=60):
    """Polls with WAIT until the job leaves the active phases; returns the job dict."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = m.get("/tap/async/%s?WAIT=5" % job, timeout=30)
        if r.status != 200:
            raise AssertionError("job %s: %d %s" % (job, r.status, r.text))
        j = uws_job(r.body)
        if j["phase"] not in ("PENDING", "QUEUED", "EXECUTING"):
            return j
    raise AssertionError("job %s still active after %ds" % (job, timeout))


# A query that runs (nearly) forever: 10^10 pairs of a cross join, no index can help.
SLOW_QUERY = "SELECT COUNT(*) AS n FROM tapt.main AS a, tapt.main AS b WHERE a.mag + b.mag < 0"


def active_queries(m, needle="tapt.main AS a"):
    """Statements containing needle that run in the test database right now."""
    rows = m.superuser_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND state = 'active' "
                           "AND query LIKE '%%%s%%' AND pid <> pg_backend_pid()" % (m.dbname, needle.replace("'", "''")),
                           db=m.dbname)
    return int(re.search(r"\d+", rows.split("\n", 2)[2]).group(0))
