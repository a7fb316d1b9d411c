"""Persistent user tables through TAP: pyvo reading tap_user tables as their owners, isolation
of users against every way of naming another user's table (subqueries, joins, WITH, UNION,
delimited and odd spellings, the random SQL names, TAP_SCHEMA, /tap/tables), CREATE TABLE AS
sync and async (also from TAP_UPLOAD, replacing itself, not cut by MAXREC), and an upload
crossmatch against an indexed user table compared with brute force."""
import io
import re
import time
import xml.etree.ElementTree as ET

import requests

from harness import Meles, check, import_stars, run_tests, sky_distance
from tapdata import xsd_problems
from test_user_tables import auth, dali_message, enabled_instance, get, post, put, sql_name, wait_job
from votable_encode import Col, encode

UWS = "{http://www.ivoa.net/xml/UWS/v1.0}"

TABLE = [Col("id", "long", ucd="meta.id"),
         Col("ra", "double", unit="deg", ucd="pos.eq.ra", description="Right ascension"),
         Col("dec", "double", unit="deg", ucd="pos.eq.dec"),
         Col("Odd Name", "char", "*", description="a delimited column"),
         Col("mag", "float", unit="mag", ucd="phot.mag")]


def rows_of(n, offset, star_rows=None):
    out = []
    for i in range(n):
        if star_rows:   # near catalogue stars, 0.3 arcsec off in dec
            _, ra, dec, _ = star_rows[(i * 97) % len(star_rows)]
            out.append([offset + i, ra, dec + 0.3 / 3600, "src %d" % (offset + i), 10.0 + i % 5])
        else:
            out.append([offset + i, (i * 1.7) % 360, (i * 0.9) % 170 - 85, "row %d" % (offset + i), 10.0 + i % 5])
    return out


def sync(m, query, user=None, **extra):
    fields = {"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": query}
    fields.update(extra)
    return post(m, "/tap/sync", fields, user)


def votable(body):
    from astropy.io.votable import parse
    return parse(io.BytesIO(body), verify="ignore").get_first_table()


def session(m, user=None):
    s = requests.Session()
    if user:
        s.auth = (user, user + "-pw")
    return s


def test_queries_and_isolation():
    m = enabled_instance("utq_isolation")
    try:
        m.stop()
        star_rows = import_stars(m, 20000)
        m.start()
        check(put(m, "mine", encode(TABLE, rows_of(30, 1000), "binary2", "Alice's"), user="alice").status == 201, "alice")
        check(put(m, "mine", encode(TABLE, rows_of(7, 2000), "tabledata"), user="bob").status == 201, "bob")
        check(put(m, "private", encode(TABLE, rows_of(5, 3000), "binary"), user="bob").status == 201, "bob private")
        check(put(m, "anon", encode(TABLE, rows_of(4, 4000), "binary2")).status == 201, "anonymous")
        bob_private = sql_name(m, "private", "bob")

        import pyvo
        alice = pyvo.dal.TAPService(m.url + "/tap", session=session(m, "alice"))
        bob = pyvo.dal.TAPService(m.url + "/tap", session=session(m, "bob"))
        anonymous = pyvo.dal.TAPService(m.url + "/tap")
        t = alice.run_sync('SELECT id, ra, "Odd Name", mag FROM tap_user.mine ORDER BY id').to_table()
        check(list(t["id"]) == list(range(1000, 1030)), list(t["id"]))
        check(str(t["ra"].unit) == "deg" and t["ra"].description == "Right ascension", (t["ra"].unit, t["ra"].description))
        check(t["Odd Name"][3] == "row 1003", t["Odd Name"][3])
        r = alice.run_sync("SELECT * FROM tap_user.mine")
        check(r.fieldname_with_ucd("phot.mag") == "mag", "UCDs reach the result")
        check(len(bob.run_sync("SELECT * FROM tap_user.mine")) == 7, "bob's own")
        # pyvo's AuthSession picks HTTP Basic from the securityMethods of the capabilities
        from pyvo.auth import authsession
        s = authsession.AuthSession()
        s.credentials.set_password("bob", "bob-pw")
        check(len(pyvo.dal.TAPService(m.url + "/tap", session=s).run_sync("SELECT * FROM tap_user.mine")) == 7,
              "AuthSession logs in")
        check(len(alice.run_sync("SELECT * FROM tap_user.anon")) == 4, "anonymous tables for users too")
        check(len(anonymous.run_sync("SELECT * FROM tap_user.anon")) == 4, "anonymous")
        # an anonymous table named like a public one leaves everybody's unqualified name alone
        check(put(m, "main", encode(TABLE, rows_of(3, 5000), "binary2")).status == 201, "anonymous main")
        check(len(bob.run_sync("SELECT TOP 5 id FROM main")) == 5, "FROM main is still stars.main")
        check(len(bob.run_sync("SELECT id FROM tap_user.main")) == 3, "tap_user.main is the user table")
        r = sync(m, "SELECT * FROM anon", "alice")
        check(r.status == 400 and "did you mean tap_user.anon?" in dali_message(r), dali_message(r))
        # another user's table cannot be reached by any spelling
        tricks = [
            "SELECT * FROM tap_user.private",
            "SELECT * FROM TAP_USER.PRIVATE",
            'SELECT * FROM "tap_user"."private"',
            'SELECT * FROM tap_user."private"',
            "SELECT * FROM private",
            'SELECT * FROM tap_user."%s"' % bob_private,
            'SELECT * FROM "%s"' % bob_private,
            "SELECT * FROM tap_user.%s" % bob_private,
            "SELECT * FROM bob.private",
            "SELECT * FROM tap_user.bob.private",
            "SELECT * FROM tap_user.mine WHERE id IN (SELECT id FROM tap_user.private)",
            "SELECT m.id FROM tap_user.mine AS m JOIN tap_user.private AS p ON m.id = p.id",
            "SELECT m.id FROM tap_user.mine AS m, tap_user.private AS p",
            "WITH q AS (SELECT * FROM tap_user.private) SELECT * FROM q",
            "SELECT id FROM tap_user.mine UNION SELECT id FROM tap_user.private",
            "SELECT (SELECT COUNT(*) FROM tap_user.private) FROM tap_user.mine",
            "SELECT * FROM tap_user.mine WHERE EXISTS (SELECT 1 FROM tap_user.private)",
            "CREATE TABLE tap_user.stolen AS SELECT * FROM tap_user.private",
            "SELECT * FROM tap_user.mine; SELECT * FROM tap_user.private",
        ]
        for q in tricks:
            r = sync(m, q, "alice")
            check(r.status == 400, "%s: %d %s" % (q, r.status, r.text[:300]))
            check(bob_private not in dali_message(r) or bob_private in q, "leaks the SQL name: " + dali_message(r))
        check(get(m, "/tap/user_tables/stolen", "alice").status == 404, "nothing stolen")
        # user tables are in neither TAP_SCHEMA nor /tap/tables
        for q in ["SELECT * FROM TAP_SCHEMA.tables WHERE table_name LIKE '%mine%' OR schema_name = 'tap_user'",
                  "SELECT * FROM TAP_SCHEMA.columns WHERE table_name LIKE 'tap_user%'",
                  "SELECT * FROM TAP_SCHEMA.schemas WHERE schema_name = 'tap_user'"]:
            check(len(alice.run_sync(q)) == 0, q)
        tables = get(m, "/tap/tables", "alice").text
        check("tap_user" not in tables and "stars.main" in tables, "/tap/tables")
        # bob's table is unchanged by all that
        check(len(bob.run_sync("SELECT * FROM tap_user.private")) == 5, "bob still reads his table")

        # an upload crossmatch against an indexed user table is right (brute force) and quick
        check(put(m, "near", encode(TABLE, rows_of(300, 0, star_rows), "binary2"), user="alice").status == 201, "near")
        check(post(m, "/tap/user_tables/near/index", {"INDEX": "ra,dec"}, "alice").status == 303, "index")
        check(wait_job(m, "/tap/user_tables/near/index", "alice")[0] == "COMPLETED", "index job")
        q = ("SELECT u.id AS uid, s.id AS sid FROM tap_user.near AS u JOIN stars.main AS s "
             "ON 1 = CONTAINS(POINT(s.ra, s.dec), CIRCLE(u.ra, u.dec, 1./3600))")
        got = set((int(a), int(b)) for a, b in alice.run_sync(q, maxrec=100000).to_table().iterrows("uid", "sid"))
        near = rows_of(300, 0, star_rows)
        want = set()
        for r_ in near:
            for sid, ra, dec, _ in star_rows:
                if abs(dec - r_[2]) < 0.001 and sky_distance(ra, dec, r_[1], r_[2]) < 1. / 3600:
                    want.add((r_[0], sid))
        check(got == want and len(want) >= 300, "crossmatch: %d rows, brute force %d" % (len(got), len(want)))
    finally:
        m.__exit__(None, None, None)


def test_create_table_as():
    m = enabled_instance("utq_ctas")
    try:
        m.stop()
        star_rows = import_stars(m, 20000)
        m.start()
        bright = [r for r in star_rows if r[3] < 14]
        # sync, as alice: a VOTable with the new table's columns and no rows
        r = sync(m, "CREATE TABLE tap_user.bright AS SELECT id, ra, dec, mag, mag - 1 AS mag1 FROM stars.main WHERE mag < 14",
                 "alice", MAXREC="5")
        check(r.status == 200, r.text[:500])
        t = votable(r.body)
        check([f.name for f in t.fields] == ["id", "ra", "dec", "mag", "mag1"] and len(t.array) == 0,
              ([f.name for f in t.fields], len(t.array)))
        check(t.get_field_by_id_or_name("mag").unit == "mag" and t.get_field_by_id_or_name("mag1").unit == "mag",
              "units carry over")
        check(b'value="OVERFLOW"' not in r.body, "no overflow")
        # MAXREC did not cut the table
        n = votable(sync(m, "SELECT COUNT(*) AS n FROM tap_user.bright", "alice").body).array["n"][0]
        check(n == len(bright) and n > 5, "rows: %d, want %d" % (n, len(bright)))
        doc = ET.fromstring(get(m, "/tap/user_tables/bright", "alice").body)
        cols = {c.find("name").text: c for c in doc.findall("column")}
        check(cols["mag"].find("unit").text == "mag" and cols["mag"].find("ucd") is not None, ET.tostring(cols["mag"]))
        check(cols["ra"].find("description") is not None, "descriptions carry over")
        check(sync(m, "SELECT * FROM tap_user.bright", "bob").status == 400, "bob cannot read it")
        # over itself: replaced by the result
        r = sync(m, "CREATE TABLE tap_user.bright AS SELECT * FROM tap_user.bright WHERE mag < 12", "alice")
        check(r.status == 200, r.text[:300])
        n = votable(sync(m, "SELECT COUNT(*) AS n FROM tap_user.bright", "alice").body).array["n"][0]
        check(n == len([x for x in bright if x[3] < 12]), "replaced: %d" % n)
        # from an inline upload (the query's TAP_UPLOAD table on the same connection)
        up = encode(TABLE, rows_of(12, 500), "binary2")
        boundary = "b0uNd"
        body = b"".join([("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode()
                         for k, v in [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("UPLOAD", "t,param:t"),
                                      ("QUERY", "CREATE TABLE tap_user.kept AS SELECT * FROM TAP_UPLOAD.t WHERE id > 505")]])
        body += ("--%s\r\nContent-Disposition: form-data; name=\"t\"; filename=\"t.vot\"\r\n"
                 "Content-Type: application/x-votable+xml\r\n\r\n" % boundary).encode() + up + ("\r\n--%s--\r\n" % boundary).encode()
        h = {"Content-Type": "multipart/form-data; boundary=" + boundary}
        h.update(auth("alice"))
        r = m.request("POST", "/tap/sync", body=body, headers=h)
        check(r.status == 200, r.text[:300])
        n = votable(sync(m, "SELECT COUNT(*) AS n FROM tap_user.kept", "alice").body).array["n"][0]
        check(n == 6, "from the upload: %d" % n)
        # async, anonymous
        r = m.post("/tap/async", fields={"REQUEST": "doQuery", "LANG": "ADQL", "PHASE": "RUN",
                                         "QUERY": "CREATE TABLE tap_user.asy AS SELECT TOP 100 id, ra, dec FROM stars.main ORDER BY id"})
        check(r.status == 303, r.text)
        job = r.header("Location").replace(m.url, "")
        for _ in range(60):
            d = ET.fromstring(m.get(job + "?WAIT=5").body)
            if d.find(UWS + "phase").text not in ("PENDING", "QUEUED", "EXECUTING"):
                break
        check(d.find(UWS + "phase").text == "COMPLETED", ET.tostring(d))
        res = m.get(job + "/results/result")
        check(res.status == 200 and len(votable(res.body).array) == 0, res.text[:300])
        import pyvo
        anon = pyvo.dal.TAPService(m.url + "/tap")
        t = anon.run_sync("SELECT id FROM tap_user.asy ORDER BY id").to_table()
        check(list(t["id"]) == sorted(r_[0] for r_ in star_rows)[:100], "async table rows")
        # pyvo as a client of CREATE TABLE AS
        alice = pyvo.dal.TAPService(m.url + "/tap", session=session(m, "alice"))
        alice.run_sync("CREATE TABLE tap_user.viapyvo AS SELECT TOP 3 * FROM stars.main")
        check(len(alice.run_sync("SELECT * FROM tap_user.viapyvo")) == 3, "pyvo CTAS")
        # errors
        for q, msg in [("CREATE TABLE stars.x AS SELECT * FROM stars.main", "only create tables in schema tap_user"),
                       ("CREATE TABLE x AS SELECT * FROM stars.main", "only create tables in schema tap_user"),
                       ("CREATE TABLE tap_user.join AS SELECT * FROM stars.main", ""),
                       ("CREATE TABLE tap_user.\"Odd\" AS SELECT * FROM stars.main", "cannot be used as an upload table name"),
                       ("CREATE TABLE tap_user.y AS SELECT nosuch FROM stars.main", "nosuch")]:
            r = sync(m, q, "alice")
            check(r.status == 400 and msg in dali_message(r), "%s: %d %s" % (q, r.status, r.text[:300]))
        check(get(m, "/tap/user_tables/y", "alice").status == 404, "nothing made by a failed query")
        # without //tap_user: refused with a clear message
        r = m.cli("drop", "--system", "//tap_user")
        check(r.returncode == 0, r.stderr)
        r = sync(m, "CREATE TABLE tap_user.z AS SELECT * FROM stars.main", "alice")
        check(r.status in (400, 404) and "not enabled" in dali_message(r), r.text[:300])
        check(sync(m, "SELECT TOP 1 * FROM stars.main").status == 200, "TAP still works")
    finally:
        m.__exit__(None, None, None)


def multipart_sync(m, fields, files, user=None):
    boundary = "b0uNd"
    body = b"".join([("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode()
                     for k, v in fields])
    for name, data in files:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s.vot\"\r\n"
                 "Content-Type: application/x-votable+xml\r\n\r\n" % (boundary, name, name)).encode() + data + b"\r\n"
    body += ("--%s--\r\n" % boundary).encode()
    h = {"Content-Type": "multipart/form-data; boundary=" + boundary}
    if user:
        h.update(auth(user))
    return m.request("POST", "/tap/sync", body=body, headers=h)


def test_delimited_upload_names():
    """Issue 11.1: FIELDs named MixedCase, select and "Ra Col" are found by delimited identifiers,
    exactly as written, in TAP_UPLOAD tables, in user tables uploaded with PUT and in user tables
    made by CREATE TABLE AS; results carry the original names."""
    m = enabled_instance("utq_delimited")
    cols = [Col("MixedCase", "int"), Col("select", "int"), Col("Ra Col", "double", unit="deg")]
    data = encode(cols, [[i, i * 10, 100.0 + i] for i in range(5)], "binary2")
    q = 'SELECT "MixedCase", "select", "Ra Col" FROM %s WHERE "select" > 1 ORDER BY "select"'
    names = ["MixedCase", "select", "Ra Col"]
    try:
        r = multipart_sync(m, [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("UPLOAD", "t1,param:t1"),
                               ("QUERY", q % "TAP_UPLOAD.t1")], [("t1", data)])
        check(r.status == 200, r.text[:500])
        t = votable(r.body)
        check([f.name for f in t.fields] == names, [f.name for f in t.fields])
        check(list(t.array["select"]) == [10, 20, 30, 40] and list(t.array["MixedCase"]) == [1, 2, 3, 4], t.array)
        # unquoted, a regular name still folds
        r = multipart_sync(m, [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("UPLOAD", "t1,param:t1"),
                               ("QUERY", "SELECT mixedcase, MIXEDCASE AS m2 FROM TAP_UPLOAD.t1")], [("t1", data)])
        check(r.status == 200 and [f.name for f in votable(r.body).fields] == ["MixedCase", "m2"], r.text[:500])
        # a persistent user table uploaded with PUT
        check(put(m, "odd", data, user="alice").status == 201, "PUT")
        r = sync(m, q % "tap_user.odd", "alice")
        check(r.status == 200, r.text[:500])
        t = votable(r.body)
        check([f.name for f in t.fields] == names and list(t.array["select"]) == [10, 20, 30, 40], t.array)
        doc = ET.fromstring(get(m, "/tap/user_tables/odd", "alice").body)
        shown = [c.find("name").text for c in doc.findall("column")]
        check(shown == ["MixedCase", '"select"', '"Ra Col"'], shown)
        for path in ("/tap/user_tables/odd", "/tap/user_tables"):
            problems = xsd_problems(get(m, path, "alice").body)
            check(problems == [], (path, problems))
        # ... and one made by CREATE TABLE AS from the upload
        r = multipart_sync(m, [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("UPLOAD", "t1,param:t1"),
                               ("QUERY", 'CREATE TABLE tap_user.made AS SELECT "MixedCase", "select", "Ra Col" '
                                         'FROM TAP_UPLOAD.t1')], [("t1", data)], user="alice")
        check(r.status == 200 and [f.name for f in votable(r.body).fields] == names, r.text[:500])
        r = sync(m, q % "tap_user.made", "alice")
        check(r.status == 200, r.text[:500])
        t = votable(r.body)
        check([f.name for f in t.fields] == names and list(t.array["Ra Col"]) == [101.0, 102.0, 103.0, 104.0], t.array)
    finally:
        m.__exit__(None, None, None)


if __name__ == "__main__":
    run_tests([test_queries_and_isolation, test_create_table_as, test_delimited_upload_names])
