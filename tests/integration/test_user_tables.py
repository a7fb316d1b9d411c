"""Persistent user tables (//tap_user) through HTTP and the CLI: switching the feature on and off,
PUT/GET/DELETE in TABLEDATA, BINARY and BINARY2 with every VOTable datatype and NULLs, names,
isolation of users and anonymous tables, destruction and expiry, index jobs, quotas, and the
account commands.  Queries through TAP are in test_user_tables_tap.py."""
import base64
import io
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

from harness import Meles, check, check_locked_out, run_tests
from votable_encode import Col, encode

VOT = {"Content-Type": "application/x-votable+xml"}
NS = {"vtm": "http://www.ivoa.net/xml/VOSITables/v1.0", "vs": "http://www.ivoa.net/xml/VODataService/v1.1",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def auth(user, password=None):
    token = base64.b64encode(("%s:%s" % (user, password or user + "-pw")).encode()).decode()
    return {"Authorization": "Basic " + token}


def put(m, name, body, user=None, headers=None):
    h = dict(VOT, **(headers or {}))
    if user:
        h.update(auth(user))
    return m.request("PUT", "/tap/user_tables/" + name, body=body, headers=h)


def get(m, path, user=None):
    return m.request("GET", path, headers=auth(user) if user else {})


def delete(m, name, user=None):
    return m.request("DELETE", "/tap/user_tables/" + name, headers=auth(user) if user else {})


def post(m, path, fields, user=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if user:
        h.update(auth(user))
    return m.request("POST", path, body=urllib.parse.urlencode(fields), headers=h)


def dali_message(r):
    m = re.search(rb'<INFO name="QUERY_STATUS" value="ERROR">(.*?)</INFO>', r.body, re.S)
    check(m, "no DALI error document: %d %s" % (r.status, r.text[:300]))
    return m.group(1).decode().replace("&apos;", "'").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def sql_name(m, name, owner=None):
    rows = m.sql("SELECT sql_name FROM meles.user_tables WHERE name = '%s' AND owner %s" %
                 (name, "= '%s'" % owner if owner else "IS NULL"))
    return rows[0][0] if rows else None


def user_relations(m):
    return m.sql("SELECT count(*) FROM pg_class WHERE relnamespace = 'tap_user'::regnamespace AND relkind = 'r'")[0][0]


STARS = [Col("id", "long", ucd="meta.id"), Col("ra", "double", unit="deg", ucd="pos.eq.ra", description="Right ascension"),
         Col("dec", "double", unit="deg", ucd="pos.eq.dec")]


def stars(n, fmt="binary2", offset=0):
    return encode(STARS, [[i + offset, (i * 0.37) % 360, (i * 0.11) % 180 - 90] for i in range(n)], fmt, "Some stars")


def enabled_instance(name, extra=""):
    m = Meles(name, extra)
    m.__enter__()
    try:
        r = m.cli("imp", "//tap_user")
        check(r.returncode == 0, r.stdout + r.stderr)
        for u in ("alice", "bob"):
            r = m.cli("adm", "adduser", u, u + "-pw")
            check(r.returncode == 0, r.stderr)
        m.start()
    except Exception:
        m.__exit__(None, None, None)
        raise
    return m


# Every VOTable datatype; cells per row, the third row all NULL (bit has no null).
TYPES = [
    (Col("flag", "boolean"), [True, False, None], ["true", "false", "NULL"]),
    (Col("bits", "bit"), [True, False, True], ["true", "false", "true"]),
    (Col("ub", "unsignedByte", null="99"), [0, 255, None], ["0", "255", "NULL"]),
    (Col("sh", "short", null="-99"), [-32768, 32767, None], ["-32768", "32767", "NULL"]),
    (Col("i", "int", null="-99", unit="ct", ucd="meta.number", description="a count"), [-5, 2147483647, None],
     ["-5", "2147483647", "NULL"]),
    (Col("l", "long", null="-99"), [-9007199254740993, 9223372036854775807, None],
     ["-9007199254740993", "9223372036854775807", "NULL"]),
    (Col("c", "char", "*"), ["hello", "tab\there & <x>\nline 2", None], ["hello", "tab\\there & <x>\\nline 2", "NULL"]),
    (Col("c8", "char", "8"), ["abc", "12345678", None], ["abc", "12345678", "NULL"]),
    (Col("u", "unicodeChar", "*"), ["Grüße", "日本", None], ["Grüße", "日本", "NULL"]),
    (Col("f", "float"), [1.5, -3.25e10, None], ["1.5", "-3.25e+10", "NULL"]),
    (Col("d", "double"), [3.141592653589793, -1e-300, None], ["3.141592653589793", "-1e-300", "NULL"]),
    (Col("ia", "int", "3", null="-99"), [[1, 2, 3], [4, 5, 6], None], ["{1,2,3}", "{4,5,6}", "NULL"]),
    (Col("da", "double", "*"), [[1.5, 2.5], [-1.0], None], ["{1.5,2.5}", "{-1}", "NULL"]),
    (Col("ts", "char", "*", xtype="timestamp"), ["2020-01-02T03:04:05", "1999-12-31T23:59:59.5", None],
     ["2020-01-02 03:04:05", "1999-12-31 23:59:59.5", "NULL"]),
    (Col("pt", "double", "2", xtype="point", unit="deg"), [[10, 20], [359.5, -89.5], None],
     ["10.000000,20.000000", "359.500000,-89.500000", "NULL"]),
    (Col("circ", "double", "3", xtype="circle", unit="deg"), [[10, 20, 0.5], [0, 0, 1], None],
     ["10.000000,20.000000,0.500000", "0.000000,0.000000,1.000000", "NULL"]),
    (Col("poly", "double", "*", xtype="polygon", unit="deg"), [[0, 0, 10, 0, 10, 10], [1, 1, 2, 1, 2, 2, 1, 2], None],
     ["3", "4", "NULL"]),
    (Col("Odd Name", "int", null="-99"), [1, 2, None], ["1", "2", "NULL"]),
    (Col("size", "int", null="-99"), [7, 8, None], ["7", "8", "NULL"]),
]

# SQL giving each column as the text above.
def check_sql(col):
    q = '"%s"' % col.name.replace('"', '""') if col.name != col.name.lower() or " " in col.name else col.name
    if col.xtype == "point":
        e = "round(degrees(long(%s))::numeric, 6) || ',' || round(degrees(lat(%s))::numeric, 6)" % (q, q)
    elif col.xtype == "circle":
        e = ("round(degrees(long(center(%s)))::numeric, 6) || ',' || round(degrees(lat(center(%s)))::numeric, 6) || ',' "
             "|| round(degrees(radius(%s))::numeric, 6)" % (q, q, q))
    elif col.xtype == "polygon":
        e = "npoints(%s)::text" % q
    elif col.datatype in ("char", "unicodeChar") and col.xtype is None:
        # tabs and newlines written as \t, \n: psql's output separates fields and rows with them
        e = "replace(replace(%s, E'\\t', '\\t'), E'\\n', '\\n')" % q
    else:
        e = "%s::text" % q
    return "coalesce(%s, 'NULL')" % e


def test_switching_on_and_off():
    with Meles("ut_switch") as m:
        m.start()
        r = put(m, "early", stars(3))
        check(r.status == 404 and "not enabled" in dali_message(r), "%d %s" % (r.status, r.text))
        check(get(m, "/tap/user_tables/early").status == 404, "GET without //tap_user")
        r = m.cli("imp", "//tap_user")
        check(r.returncode == 0, r.stderr)
        check(m.sql("SELECT has_schema_privilege('meles_ro', 'tap_user', 'USAGE')") == [["t"]], "read role usage")
        check(m.sql("SELECT has_table_privilege('meles_ro', 'meles.user_tables', 'SELECT')") == [["f"]],
              "bookkeeping is private")
        r = put(m, "my_upload", stars(3))
        check(r.status == 201, r.text)
        check(r.text == "Query this table as tap_user.my_upload\n", repr(r.text))
        check(r.header("Location").endswith("/tap/user_tables/my_upload"), r.headers)
        # importing again (also with -s) keeps the tables
        for args in (["imp", "//tap_user"], ["imp", "-s", "//tap_user"]):
            r = m.cli(*args)
            check(r.returncode == 0, r.stderr)
            check(get(m, "/tap/user_tables/my_upload").status == 200, "table survives " + " ".join(args))
        r = m.cli("drop", "//tap_user")
        check(r.returncode != 0 and "--system" in r.stderr, r.stderr)
        r = m.cli("drop", "--system", "//tap_user")
        check(r.returncode == 0, r.stderr)
        check(m.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'tap_user'") == [["0"]], "schema gone")
        check(m.sql("SELECT to_regclass('meles.user_tables') IS NULL") == [["t"]], "bookkeeping gone")
        r = put(m, "my_upload", stars(3))
        check(r.status == 404 and "not enabled" in dali_message(r), r.text)


def test_round_trips_every_datatype():
    m = enabled_instance("ut_types")
    try:
        cols = [c for c, _, _ in TYPES]
        rows = [[cells[i] for _, cells, _ in TYPES] for i in range(3)]
        for fmt in ("tabledata", "binary", "binary2"):
            name = "types_" + fmt
            doc = encode(cols, rows, fmt, "All the types")
            r = put(m, name, doc)
            check(r.status == 201, "%s: %d %s" % (fmt, r.status, r.text[:500]))
            rel = "tap_user." + sql_name(m, name)
            got = m.sql("SELECT %s FROM %s ORDER BY coalesce(sh, 0)" % (", ".join(check_sql(c) for c in cols), rel))
            # rows sorted by sh: -32768, NULL (0), 32767
            want = [[w[0] for _, _, w in TYPES], [w[2] for _, _, w in TYPES], [w[1] for _, _, w in TYPES]]
            for c_i, (col, _, _) in enumerate(TYPES):
                for r_i in range(3):
                    g, w = got[r_i][c_i], want[r_i][c_i]
                    if fmt == "binary" and w == "NULL" and col.datatype in ("char", "unicodeChar", "float", "double") \
                            and col.xtype is None:
                        ok = g in ("NULL", "", "NaN", "{}")  # BINARY has no null for these but "empty"/NaN
                    else:
                        ok = g == w
                    check(ok, "%s: column %s row %d: got %r want %r" % (fmt, col.name, r_i, g, w))
            # the VOSI table document
            r = get(m, "/tap/user_tables/" + name)
            check(r.status == 200 and r.header("Content-Type").startswith("text/xml"), r.text[:300])
            root = ET.fromstring(r.body)
            check(root.tag == "{%s}table" % NS["vtm"], root.tag)
            check(root.find("name").text == "tap_user." + name, r.text[:300])
            check("All the types" in root.find("description").text and "dropped at" in root.find("description").text,
                  root.find("description").text)
            check(root.find("nrows").text == "3", r.text[:400])
            columns = {c.find("name").text: c for c in root.findall("column")}
            check(list(columns)[:3] == ["flag", "bits", "ub"], list(columns))
            check('"Odd Name"' in columns and '"size"' in columns, list(columns))
            i = columns["i"]
            check(i.find("unit").text == "ct" and i.find("ucd").text == "meta.number" and
                  i.find("description").text == "a count", ET.tostring(i))
            dt = i.find("dataType")
            check(dt.get(XSI_TYPE) == "vs:VOTableType" and dt.text == "int", ET.tostring(dt))
            check([f.text for f in i.findall("flag")] == ["nullable"], ET.tostring(i))
            check(columns["ub"].find("dataType").text == "short", "unsignedByte is stored as smallint")
            check(columns["pt"].find("xtype").text == "point" and columns["pt"].find("dataType").get("arraysize") == "2",
                  ET.tostring(columns["pt"]))
            check(columns["ts"].find("xtype").text == "timestamp", ET.tostring(columns["ts"]))
            check(columns["u"].find("dataType").text == "unicodeChar", ET.tostring(columns["u"]))
        # complex numbers cannot be stored: a DALI error naming the column
        r = put(m, "cplx", encode([Col("zz", "floatComplex")], [[None]], "tabledata"))
        check(r.status == 400 and "zz" in dali_message(r), r.text)
        # not a VOTable, or broken
        r = put(m, "bad", b"id,ra\n1,2\n", headers={"Content-Type": "text/csv"})
        check(r.status == 400 and "application/x-votable+xml" in dali_message(r), r.text)
        r = put(m, "bad", b"<VOTABLE><RESOURCE><TABLE><FIELD name='x' datatype='int'/><DATA><TABLEDATA><TR><TD>x")
        check(r.status == 400, r.text)
        check(sql_name(m, "bad") is None, "nothing made of a broken upload")
        # DELETE, then it is gone
        for fmt in ("tabledata", "binary", "binary2"):
            r = delete(m, "types_" + fmt)
            check(r.status == 200 and r.text == "Dropped user table types_%s\n" % fmt, r.text)
        check(user_relations(m) == "0", "relations dropped")
        r = delete(m, "types_binary2")
        check(r.status == 404, r.text)
    finally:
        m.__exit__(None, None, None)


def test_names():
    m = enabled_instance("ut_names")
    try:
        r = put(m, "join", stars(2))
        check(r.status == 400, r.text)
        check(dali_message(r) == "'join' cannot be used as an upload table name (which must be regular ADQL "
                                 "identifiers, in particular not ADQL reserved words).", dali_message(r))
        for bad in ("SELECT", "1abc", "a-b", "_x", "%22quoted%22", "tap_user.x", "x%20y", "a" * 61):
            r = put(m, bad, stars(2))
            check(r.status == 400 and "cannot be used as an upload table name" in dali_message(r), bad + ": " + r.text)
        # regular names are case-insensitive: MyTable and mytable are one table
        check(put(m, "MyTable", stars(2)).status == 201, "MyTable")
        r = put(m, "mytable", stars(3))
        check(r.status == 200 and r.text == "Query this table as tap_user.mytable\n", r.text)
        root = ET.fromstring(get(m, "/tap/user_tables/MYTABLE").body)
        check(root.find("nrows").text == "3", "replaced")
        # other methods
        r = m.request("POST", "/tap/user_tables/mytable", body=stars(1), headers=VOT)
        check(r.status == 405 and "PUT" in r.header("Allow"), r.text)
        r = get(m, "/tap/user_tables/mytable/nothing")
        check(r.status == 404, r.text)
    finally:
        m.__exit__(None, None, None)


def test_users_and_anonymous_are_kept_apart():
    m = enabled_instance("ut_isolation")
    try:
        check(put(m, "t", stars(1), user="alice").status == 201, "alice")
        check(put(m, "t", stars(2), user="bob").status == 201, "bob: the same name, another table")
        check(put(m, "private", stars(3), user="bob").status == 201, "bob private")
        nrows = lambda r: ET.fromstring(r.body).find("nrows").text
        check(nrows(get(m, "/tap/user_tables/t", "alice")) == "1", "alice sees hers")
        check(nrows(get(m, "/tap/user_tables/t", "bob")) == "2", "bob sees his")
        # neither anonymous users nor alice can see, replace or drop bob's private table
        check(get(m, "/tap/user_tables/private").status == 404, "anonymous GET")
        check(get(m, "/tap/user_tables/private", "alice").status == 404, "alice GET")
        check(delete(m, "private", "alice").status == 404, "alice DELETE")
        check(delete(m, "private").status == 404, "anonymous DELETE")
        check(post(m, "/tap/user_tables/private/destruction", {"DESTRUCTION": "2099-01-01"}, "alice").status == 404,
              "alice destruction")
        check(post(m, "/tap/user_tables/private/index", {"INDEX": "ra,dec"}, "alice").status == 404, "alice index")
        check(put(m, "private", stars(9), user="alice").status == 201, "alice makes her own 'private'")
        check(nrows(get(m, "/tap/user_tables/private", "bob")) == "3", "bob's table untouched")
        # anonymous tables: one namespace; users see them unless they have a table of that name
        check(put(m, "t", stars(4)).status == 201, "anonymous t")
        check(put(m, "shared", stars(5)).status == 201, "anonymous shared")
        check(nrows(get(m, "/tap/user_tables/t")) == "4", "anonymous t")
        check(nrows(get(m, "/tap/user_tables/t", "alice")) == "1", "alice's own first")
        check(nrows(get(m, "/tap/user_tables/shared", "alice")) == "5", "then anonymous")
        check(delete(m, "t", "bob").status == 200, "bob drops his t")
        check(nrows(get(m, "/tap/user_tables/t", "bob")) == "4", "now bob sees the anonymous t")
        check(put(m, "shared", stars(6)).status == 200, "anyone may replace anonymous tables")
        # the tableset: only for authenticated users, only their tables
        r = get(m, "/tap/user_tables")
        check(r.status == 401 and r.header("WWW-Authenticate", ) and "Log in" in dali_message(r), r.text)
        r = get(m, "/tap/user_tables", "alice")
        check(r.status == 200, r.text)
        root = ET.fromstring(r.body)
        check(root.tag == "{%s}tableset" % NS["vtm"], root.tag)
        names = sorted(t.find("name").text for t in root.iter("table"))
        check(names == ["tap_user.private", "tap_user.t"], names)
        check(root.find("schema/name").text == "tap_user", r.text[:300])
        # wrong credentials: 401, not anonymous access
        r = m.request("GET", "/tap/user_tables/t", headers=auth("alice", "wrong"))
        check(r.status == 401 and r.header("WWW-Authenticate"), r.text)
        # repeated failures slow the account down: after five, even the right password waits
        def guess():
            check(m.request("GET", "/tap/user_tables", headers=auth("bob", "guess")).status == 401, "guess")

        r = check_locked_out([guess] * 5, lambda: m.request("GET", "/tap/user_tables", headers=auth("bob")))
        check("too many failed logins for 'bob'" in dali_message(r), r.text)
        check(get(m, "/tap/user_tables", "alice").status == 200, "other accounts are not affected")
        # SQL names are random, not derived from user or table names
        names = [x[0] for x in m.sql("SELECT sql_name FROM meles.user_tables")]
        check(all(re.fullmatch(r"t[a-z0-9]{20}", n) for n in names) and len(set(names)) == len(names), names)
        # deleting an account drops its tables
        r = m.cli("adm", "deluser", "bob")
        check(r.returncode == 0 and "1 user table" in r.stdout, r.stdout + r.stderr)
        check(m.sql("SELECT count(*) FROM meles.user_tables WHERE owner = 'bob'") == [["0"]], "bob's tables gone")
    finally:
        m.__exit__(None, None, None)


def test_destruction_and_expiry():
    m = enabled_instance("ut_expiry", "[ivoa]\nuserTableDays = 0.00005\nuserTableMaxDays = 2\n")
    try:
        # a lifetime of 4.3 s from the configuration: the reaper drops the table by itself
        check(put(m, "short", stars(2)).status == 201, "short")
        check(put(m, "kept", stars(2)).status == 201, "kept")
        r = get(m, "/tap/user_tables/kept/destruction")
        check(r.status == 200 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.text), r.text)
        # moving it: the past is refused, the far future clipped to userTableMaxDays from now
        r = post(m, "/tap/user_tables/kept/destruction", {"DESTRUCTION": "2001-01-01T00:00:00Z"})
        check(r.status == 400 and "past" in dali_message(r), r.text)
        r = post(m, "/tap/user_tables/kept/destruction", {"DESTRUCTION": "nonsense"})
        check(r.status == 400 and "ISO 8601" in dali_message(r), r.text)
        r = post(m, "/tap/user_tables/kept/destruction", {"DESTRUCTION": "2999-01-01T00:00:00Z"})
        check(r.status == 303 and r.header("Location").endswith("/tap/user_tables/kept"), r.text)
        d = get(m, "/tap/user_tables/kept/destruction").text
        limit = time.strftime("%Y-%m-%dT", time.gmtime(time.time() + 2 * 86400))
        check(d.startswith(limit), "clipped to two days: %s" % d)
        doc = get(m, "/tap/user_tables/kept").text
        check(d in doc, "the table document shows the destruction time")
        deadline = time.time() + 30
        while time.time() < deadline and get(m, "/tap/user_tables/short").status == 200:
            time.sleep(0.5)
        check(get(m, "/tap/user_tables/short").status == 404, "expired table still there")
        check(get(m, "/tap/user_tables/kept").status == 200, "kept")
        # and earlier again, a second from now
        soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
        check(post(m, "/tap/user_tables/kept/destruction", {"DESTRUCTION": soon}).status == 303, "soon")
        deadline = time.time() + 30
        while time.time() < deadline and get(m, "/tap/user_tables/kept").status == 200:
            time.sleep(0.5)
        check(get(m, "/tap/user_tables/kept").status == 404, "kept expired")
        check(user_relations(m) == "0", "relations dropped")
        check("reached its destruction time" in m.daemon_log(), "reaper logs")
    finally:
        m.__exit__(None, None, None)


def wait_job(m, path, user=None):
    for _ in range(120):
        r = get(m, path + "?WAIT=5", user)
        phase = re.search(r"<uws:phase>(\w+)</uws:phase>", r.text).group(1)
        if phase not in ("PENDING", "QUEUED", "EXECUTING"):
            return phase, r
    raise AssertionError("job did not finish: " + r.text)


def test_index_job():
    m = enabled_instance("ut_index")
    try:
        check(put(m, "stars", stars(20000), user="alice").status == 201, "upload")
        base = "/tap/user_tables/stars/index"
        r = get(m, base, "alice")
        check(r.status == 404 and "no index job" in dali_message(r), r.text)
        r = post(m, base, {"INDEX": "ra,nosuch"}, "alice")
        check(r.status == 400 and "nosuch" in dali_message(r), r.text)
        r = post(m, base, {"INDEX": "ra, dec"}, "alice")
        check(r.status == 303 and r.header("Location").endswith(base), r.text)
        phase, r = wait_job(m, base, "alice")
        check(phase == "COMPLETED", r.text)
        check("<uws:parameter id=\"INDEX\">ra, dec</uws:parameter>" in r.text, r.text)
        check(get(m, base + "/phase", "alice").text == "COMPLETED", "phase child")
        res = re.search(r'xlink:href="([^"]+)"', r.text).group(1)
        check(res.endswith(base + "/results/result"), res)
        check("q3c index on (ra, dec), table clustered" in get(m, base + "/results/result", "alice").text, "result")
        doc = ET.fromstring(get(m, "/tap/user_tables/stars", "alice").body)
        flags = {c.find("name").text: [f.text for f in c.findall("flag")] for c in doc.findall("column")}
        check(flags == {"id": ["nullable"], "ra": ["indexed", "nullable"], "dec": ["indexed", "nullable"]}, flags)
        # a B-tree; a failing job shows its error
        r = post(m, base, {"INDEX": "id"}, "alice")
        check(r.status == 303, r.text)
        phase, r = wait_job(m, base, "alice")
        check(phase == "COMPLETED", r.text)
        check("indexed" in [f.text for f in ET.fromstring(get(m, "/tap/user_tables/stars", "alice").body)
                            .find("column").findall("flag")], "id indexed")
        r = post(m, base, {"INDEX": "id", "KIND": "q3c"}, "alice")
        check(r.status == 400 and "two columns" in dali_message(r), r.text)
        check(m.sql("SELECT count(*) FROM pg_indexes WHERE schemaname = 'tap_user'") == [["2"]], "two indexes")
        check(get(m, base, "bob").status == 404, "bob cannot see alice's job")
    finally:
        m.__exit__(None, None, None)


def test_quotas():
    m = enabled_instance("ut_quotas", "[ivoa]\nanonymousTableMaxBytes = 300k\nanonymousTableMaxCount = 3\n"
                                      "userTableMaxCount = 2\n")
    try:
        # bytes: refused while the rows stream in (20,000 rows need about 1 MB)
        big = stars(20000, "tabledata")
        r = put(m, "big", big)
        check(r.status == 413, "%d %s" % (r.status, r.text[:300]))
        msg = dali_message(r)
        check("the quota of anonymous user tables is 300 KiB (307200 bytes)" in msg and "the other tables use 0 bytes" in msg
              and "would need at least" in msg, msg)
        check(user_relations(m) == "0", "nothing left of it")
        # count
        for n in ("a", "b", "c"):
            check(put(m, n, stars(10)).status == 201, n)
        r = put(m, "d", stars(10))
        check(r.status == 413 and "allows 3 tables, and 3 exist already" in dali_message(r), r.text)
        check(put(m, "c", stars(11)).status == 200, "replacing needs no new slot")
        # per-user limits and overrides
        check(put(m, "x", stars(10), user="alice").status == 201, "alice x")
        check(put(m, "y", stars(10), user="alice").status == 201, "alice y")
        r = put(m, "z", stars(10), user="alice")
        check(r.status == 413 and "the user table quota of alice allows 2 tables" in dali_message(r), r.text)
        r = m.cli("adm", "quota", "alice", "--tables", "5", "--bytes", "20M")
        check(r.returncode == 0 and "of 20.0 MiB (set for this user), 2 of 5 tables (set for this user)" in r.stdout,
              r.stdout + r.stderr)
        check(put(m, "z", stars(10), user="alice").status == 201, "alice z after the override")
        r = m.cli("adm", "quota", "alice", "--reset")
        check(r.returncode == 0 and "3 of 2 tables ([ivoa] userTableMaxCount)" in r.stdout, r.stdout)
        r = m.cli("adm", "quota", "nobody")
        check(r.returncode != 0 and "no user 'nobody'" in r.stderr, r.stderr)
        # the daemon is fine after all that
        check(get(m, "/tap/user_tables/a").status == 200, "still serving")
    finally:
        m.__exit__(None, None, None)


def test_interrupted_upload():
    """A client that goes away in the middle of a PUT leaves nothing behind, and an upload of a
    table that exists keeps the old one."""
    import socket
    m = enabled_instance("ut_interrupt")
    try:
        check(put(m, "t", stars(5)).status == 201, "first")
        body = stars(200000, "tabledata")
        for name in ("t", "fresh"):
            s = socket.create_connection(("127.0.0.1", m.port))
            s.sendall(("PUT /tap/user_tables/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-votable+xml\r\n"
                       "Content-Length: %d\r\n\r\n" % (name, len(body))).encode())
            s.sendall(body[:len(body) // 2])
            time.sleep(0.5)
            s.close()
        deadline = time.time() + 10
        while time.time() < deadline and "client gone" not in m.daemon_log() and "PUT /tap/user_tables/fresh" not in m.daemon_log():
            time.sleep(0.2)
        time.sleep(0.5)
        check(ET.fromstring(get(m, "/tap/user_tables/t").body).find("nrows").text == "5", "old table kept")
        check(get(m, "/tap/user_tables/fresh").status == 404, "nothing made")
        check(user_relations(m) == "1", "no half-made relations: %s" % user_relations(m))
        check(put(m, "fresh", stars(3)).status == 201, "the daemon still works")
    finally:
        m.__exit__(None, None, None)


if __name__ == "__main__":
    run_tests([test_switching_on_and_off, test_round_trips_every_datatype, test_names,
               test_users_and_anonymous_are_kept_apart, test_destruction_and_expiry, test_index_job, test_quotas,
               test_interrupted_upload])
