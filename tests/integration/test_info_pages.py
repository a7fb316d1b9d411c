"""Info pages (issue 16, item 5): /<rd>/<svc>/info and /tableinfo/<schema.table> read with
python's html.parser — content from the RD and from `meles limits`, every link on the pages
answering 200, markup and quotes in metadata escaped, unknown names 404 without server paths;
bibcodes as ADS links in the form's result; VOTable 1.5 on request (COOSYS refposition),
checked with the VOTable 1.5 schema and votlint, and 1.4 by default, votlint-clean."""
import os
import re
import time
import urllib.parse
from html.parser import HTMLParser

from harness import Meles, check, run_tests, votlint
import tapdata

CONFIG = "[ivoa]\nauthority = meles.test\n"

# Markup and quotes in every kind of metadata the pages show.
HOSTILE = "<script>alert('x')</script> & \"quoted\""

RD = """<resource schema="infot">
  <meta name="title">Info test &lt;script&gt;alert('x')&lt;/script&gt; &amp; "quoted"</meta>
  <meta name="description">A small catalogue for the info pages; &lt;b&gt;not bold&lt;/b&gt;.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="creator">Doe, J.; Roe, R.</meta>
  <meta name="subject">catalogs</meta>
  <meta name="contentLevel">Research</meta>
  <meta name="rights">Free to use; cite &lt;i&gt;Doe 2026&lt;/i&gt;.</meta>
  <meta name="source">2011AJ....142..112Y</meta>
  <meta name="contact.email">ops@example.org</meta>
  <meta name="content.type">Catalog</meta>
  <meta name="_example" title="Bright &lt;stars&gt;">
    The bright stars of :taptable:`infot.main`.

    .. tapquery::

      SELECT id FROM infot.main WHERE mag &lt; 11
  </meta>
  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">Stars with a &lt;script&gt;alert(1)&lt;/script&gt; description.</meta>
    <column name="id" type="integer" ucd="meta.id;meta.main" required="True" description="Identifier"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main" required="True"
      description="Right ascension"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main" required="True"
      description="Declination"/>
    <column name="mag" type="real" unit="mag" ucd="phot.mag;em.opt.V"
      description="Magnitude &lt;img src=x onerror=alert(1)&gt;"/>
    <column name="src" type="text" ucd="meta.bib.bibcode" description="Where the row comes from">
      <property key="statistics">enumerate</property>
    </column>
    <stc>Position ICRS BARYCENTER "ra" "dec"</stc>
    <publish/>
  </table>
  <coverage>
    <updater sourceTable="main"/>
  </coverage>
  <data id="import">
    <sources>data/rows.csv</sources>
    <csvGrammar topIgnoredLines="1" names="id,ra,dec,mag,src"/>
    <make table="main">
      <rowmaker idmaps="*"/>
    </make>
  </data>
  <service id="cone" allowed="form,scs.xml">
    <meta name="title">Info test cone &lt;script&gt;alert(2)&lt;/script&gt;</meta>
    <meta name="shortName">info cone</meta>
    <meta name="testQuery.ra">10.0</meta>
    <meta name="testQuery.dec">10.0</meta>
    <meta name="testQuery.sr">0.5</meta>
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
    </scsCore>
    <publish render="scs.xml" sets="ivo_managed"/>
  </service>
</resource>
"""

BIBCODES = ["2011AJ....142..112Y", "2020A&A...641A...6P"]
ROWS = 200


class Page(HTMLParser):
    """What a browser would see: the text, the links, the elements."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.links = []
        self.tags = []
        self.ids = set()
        self.feed(html)
        self.close()
        self.all_text = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if "id" in a:
            self.ids.add(a["id"])
        for k, v in attrs:
            check(not k.startswith("on"), "event handler attribute %s=%r on <%s>" % (k, v, tag))

    def handle_data(self, data):
        self.text.append(data)


def setup(m):
    inputs = os.path.join(m.state, "inputs", "infot")
    os.makedirs(os.path.join(inputs, "data"), exist_ok=True)
    with open(os.path.join(inputs, "q.rd"), "w") as f:
        f.write(RD)
    with open(os.path.join(inputs, "data", "rows.csv"), "w") as f:
        f.write("id,ra,dec,mag,src\n")
        for i in range(ROWS):
            f.write("%d,%.4f,%.4f,%.2f,%s\n" % (i, 10 + (i % 20) * 0.01, 10 + (i // 20) * 0.01, 10 + i / 100,
                                                   BIBCODES[i % 2]))
    r = m.cli("imp", "infot/q")
    check(r.returncode == 0, "imp failed: " + r.stdout + r.stderr)


def page(m, path):
    r = m.get(path)
    check(r.status == 200, "%s: HTTP %d %s" % (path, r.status, r.text[:300]))
    check(r.header("Content-Type").startswith("text/html"), "%s: %s" % (path, r.header("Content-Type")))
    return Page(r.text)


def check_links(m, p, where):
    """Every link to this server answers 200 (cone search URLs with a query that works)."""
    for href in p.links:
        u = urllib.parse.urlsplit(href)
        if u.netloc and u.netloc != "127.0.0.1:%d" % m.port:
            continue  # ADS, rights pages
        path = u.path + ("?" + u.query if u.query else "")
        if path.endswith("/scs.xml"):
            path += "?RA=10&DEC=10&SR=0.1"
        r = m.get(path)
        check(r.status == 200, "%s links to %s: HTTP %d %s" % (where, href, r.status, r.text[:200]))


def check_escaped(p, where):
    check("script" not in p.tags and "img" not in p.tags and "b" not in p.tags and "i" not in p.tags,
          "%s: markup from metadata became elements: %s" % (where, sorted(set(p.tags))))


def test_table_info_page():
    with Meles("info_table", CONFIG) as m:
        setup(m)
        # an RD whose table is not imported
        with open(os.path.join(m.state, "inputs", "infot", "later.rd"), "w") as f:
            f.write(RD.replace('schema="infot"', 'schema="infolater"'))
        m.start()
        p = page(m, "/tableinfo/infot.main")
        check_escaped(p, "table page")
        t = p.all_text
        for want in ["Table infot.main", "Stars with a <script>alert(1)</script> description.",
                     "Info test <script>alert('x')</script> & \"quoted\"", "Doe, J.; Roe, R.",
                     "Free to use; cite <i>Doe 2026</i>.", "2026-12-01T00:00:00Z", "infot/q",
                     "ivo://meles.test/infot/q/main", "Right ascension", "pos.eq.ra;meta.main", "deg",
                     "meta.bib.bibcode", "Magnitude <img src=x onerror=alert(1)>", "SELECT TOP 10 * FROM infot.main",
                     "Bright <stars>", "SELECT id FROM infot.main WHERE mag < 11"]:
            check(want in t, "table page lacks %r: %s" % (want, t[:3000]))
        # never run through limits: it says so (and the row count comes from the import)
        check("no-statistics" in p.ids and "meles limits" in t, "no word about missing statistics: " + t[:2000])
        check(re.search(r"Rows\s+200\b", t), "row count: " + t[:1500])
        check(re.search(r"Data updated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t), "import date: " + t[:1500])
        check(any(l.startswith("https://ui.adsabs.harvard.edu/abs/2011AJ") for l in p.links), "source bibcode link")
        check(m.url + "/infot/q/cone/scs.xml?" in t, "cone URL to copy")
        check(m.url + "/tap" in t, "TAP URL to copy")
        check_links(m, p, "table page")

        # meles limits: statistics, enumerated values, coverage; the cache sees the new version
        r = m.cli("limits", "infot/q")
        check(r.returncode == 0, "limits failed: " + r.stdout + r.stderr)
        # the daemon hears of the new catalogue version by NOTIFY, i.e. a moment later: on a
        # loaded machine the first request can come before it (seen in a full run)
        deadline = time.time() + 15
        while True:
            p = page(m, "/tableinfo/infot.main")
            if "no-statistics" not in p.ids or time.time() > deadline:
                break
            time.sleep(0.2)
        t = p.all_text
        check("no-statistics" not in p.ids, "still no statistics 15 s after limits")
        check("Statistics computed by meles limits" in t, t[:2000])
        check("coverage" in p.ids and "% of the sky" in t, "coverage: " + t[-1500:])
        check(re.search(r"Magnitude <img src=x onerror=alert\(1\)> 10 [0-9.]+ .*11\.99 100 %", t),
              "mag statistics (min 10, max 11.99, filled 100 %): " + t)
        check("2011AJ....142..112Y (50 %)" in t, "enumerated values: " + t)
        # row counts come from the statistics, not from count(*) on every hit
        m.sql("INSERT INTO infot.main VALUES (100000, 10, 10, 1, 'x')")
        check(re.search(r"Rows\s+200\b", page(m, "/tableinfo/infot.main").all_text), "row count from the statistics")

        # TAP_SCHEMA's tables have pages too; names are case-insensitive as in ADQL
        p = page(m, "/tableinfo/TAP_SCHEMA.columns")
        check("column_name" in p.all_text and "//tap" in p.all_text, p.all_text[:1000])
        check_links(m, p, "tap_schema.columns page")

        # the root page links to the table and service pages; a table not imported yet has no
        # page, and no link
        p = page(m, "/")
        check(m.url + "/tableinfo/infot.main" in p.links, "root page: %s" % p.links)
        check(m.url + "/infot/q/cone/info" in p.links, "root page: %s" % p.links)
        check(m.url + "/infot/later/cone/info" in p.links and "infolater.main" in p.all_text, "root page: %s" % p.links)
        check(not any("infolater.main" in l for l in p.links), "link to a table not imported: %s" % p.links)
        check_escaped(p, "root page")
        check_links(m, p, "root page")
        check_links(m, page(m, "/infot/later/cone/info"), "info page of a service whose table is not imported")


def test_service_info_page():
    with Meles("info_service", CONFIG) as m:
        setup(m)
        r = m.cli("limits", "infot/q")
        check(r.returncode == 0, "limits failed: " + r.stdout + r.stderr)
        m.start()
        for path in ["/infot/q/cone/info", "/infot/q/cone"]:
            p = page(m, path)
            check_escaped(p, path)
            t = p.all_text
            for want in ["Info test cone <script>alert(2)</script>", "ivo://meles.test/infot/q/cone", "Doe, J.; Roe, R.",
                         "scs.xml", "form", m.url + "/infot/q/cone/scs.xml?", "Table infot.main", "200 rows",
                         "Right ascension", "% of the sky", "Free to use"]:
                check(want in t, "%s lacks %r: %s" % (path, want, t[:3000]))
            check(m.url + "/tableinfo/infot.main" in p.links, "service page links to the table page")
            check(m.url + "/infot/q/cone/form" in p.links, "renderer links")
            check_links(m, p, path)

        # bibcodes in the form's HTML result are ADS links
        r = m.get("/infot/q/cone/form?hscs_pos=10.1%2C10.05&hscs_sr=60")
        check(r.status == 200, r.text[:300])
        p = Page(r.text)
        ads = [l for l in p.links if l.startswith("https://ui.adsabs.harvard.edu/abs/")]
        check(ads, "no ADS links in the form result: " + r.text[:2000])
        check("https://ui.adsabs.harvard.edu/abs/2020A%26A...641A...6P/abstract" in ads, ads[:4])
        check("2020A&A...641A...6P" in p.all_text, "bibcode text")

        # registry records point at the table info page
        r = m.cli("pub", "infot/q")
        check(r.returncode == 0, "pub failed: " + r.stdout + r.stderr)
        r = m.get("/oai.xml?verb=GetRecord&metadataPrefix=ivo_vor&identifier=" +
                  urllib.parse.quote("ivo://meles.test/infot/q/main"))
        ref = re.search(r"<referenceURL>([^<]*)</referenceURL>", r.text)
        # (records carry the configured [web] serverURL, not the test's port)
        check(ref and ref.group(1).endswith("/tableinfo/infot.main"), "table record's referenceURL: " + r.text[:1500])
        check(m.get(urllib.parse.urlsplit(ref.group(1)).path).status == 200, "referenceURL does not resolve")


def test_hostile_names():
    with Meles("info_hostile", CONFIG) as m:
        setup(m)
        m.start()
        for path in ["/tableinfo/nope.nothing", "/tableinfo/", "/tableinfo/infot.nothing",
                     "/tableinfo/%3Cscript%3Ealert(1)%3C%2Fscript%3E.x", "/tableinfo/infot.main%22%3E%3Cb%3E",
                     "/tableinfo/" + "x" * 5000, "/tableinfo/..%2F..%2Fetc%2Fpasswd", "/nope/q/cone/info",
                     "/infot/q/nosuch/info", "/infot/nope/cone/info", "/infot/q/cone/info/extra"]:
            r = m.get(path)
            check(r.status == 404, "%s: HTTP %d %s" % (path[:80], r.status, r.text[:200]))
            check(m.state not in r.text and "/inputs" not in r.text, "%s: server path in %r" % (path[:80], r.text[:300]))
            check("<script" not in r.text or not r.header("Content-Type").startswith("text/html"),
                  "%s: unescaped markup in an HTML answer" % path[:80])
            check(len(r.body) < 2000, "%s: a long answer echoes the request" % path[:80])
        # pages are documents: no POST
        r = m.post("/tableinfo/infot.main", fields={"a": "b"})
        check(r.status == 405, "POST: %d" % r.status)


def xsd_problems(data):
    return tapdata.xsd_problems(data, "VOTable-v1.5.xsd")


# What Debian's STILTS 3.4.7 votlint (VOTable up to 1.4) says about any document labelled 1.5,
# and about the 1.5 attribute COOSYS refposition; nothing else is allowed.
def votlint_15_unexpected(out):
    rest = []
    for l in out.splitlines():
        if ("Unable to determine VOTable version" in l or "Assuming VOTable v1.4" in l or "Unknown VOTable version: 1.5" in l
                or "Value '1.5' is not facet-valid" in l or "The value '1.5' of attribute 'version'" in l
                or ("refposition" in l and "COOSYS" in l)):
            continue
        rest.append(l)
    return rest


def test_votable_15():
    with Meles("info_votable", CONFIG) as m:
        setup(m)
        m.start()
        cone = "/infot/q/cone/scs.xml?RA=10.1&DEC=10.05&SR=0.5"
        asks = [("RESPONSEFORMAT", "votable/td;version=1.5"), ("RESPONSEFORMAT", "votable;version=1.5"),
                ("RESPONSEFORMAT", "application/x-votable+xml;serialization=BINARY2;version=1.5"),
                ("RESPONSEFORMAT", "application/x-votable+xml; version=\"1.5\""), ("FORMAT", "votable/td;version=1.5")]
        for key, value in asks:
            r = m.get(cone + "&%s=%s" % (key, urllib.parse.quote(value)))
            check(r.status == 200, "%s=%s: %d %s" % (key, value, r.status, r.text[:300]))
            check(b'version="1.5"' in r.body, "%s=%s: not 1.5" % (key, value))
            # the reference position from the table's STC annotation
            check(re.search(rb'<COOSYS [^>]*system="ICRS"[^>]*refposition="BARYCENTER"', r.body), r.body[:800])
            problems = xsd_problems(r.body)
            check(not problems, "%s=%s not valid VOTable 1.5: %s" % (key, value, problems[:5]))
            msgs = votlint(r.body)
            check("version" in msgs, "votlint 3.4.7 learned VOTable 1.5; update this test: " + msgs)
            check(not votlint_15_unexpected(msgs), "votlint on 1.5: %s" % votlint_15_unexpected(msgs))
        # by default 1.4, without refposition, votlint-clean
        for fmt in ["votable/td", "votable"]:
            r = m.get(cone + "&RESPONSEFORMAT=" + fmt)
            check(b'version="1.4"' in r.body and b"refposition" not in r.body.split(b"<TABLE")[0].split(b"TIMESYS")[0],
                  r.body[:800])
            check(votlint(r.body) == "", "votlint on 1.4: " + votlint(r.body))
        # TAP, the same way
        q = urllib.parse.urlencode({"LANG": "ADQL", "QUERY": "SELECT TOP 3 id, ra, dec FROM infot.main",
                                    "RESPONSEFORMAT": "application/x-votable+xml;serialization=TABLEDATA;version=1.5"})
        r = m.get("/tap/sync?" + q)
        check(r.status == 200 and b'version="1.5"' in r.body and b'refposition="UNKNOWN"' in r.body, r.body[:800])
        check(not xsd_problems(r.body), xsd_problems(r.body)[:5])
        check(not votlint_15_unexpected(votlint(r.body)), votlint(r.body))
        # versions nobody writes are refused, naming the problem
        r = m.get(cone + "&RESPONSEFORMAT=" + urllib.parse.quote("votable;version=9.9"))
        check(r.status in (200, 400) and "version 9.9" in r.text and "QUERY_STATUS" in r.text, r.text[:500])
        r = m.get("/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": "SELECT 1 AS x FROM infot.main",
                                                         "RESPONSEFORMAT": "votable;version=<b>"}))
        check(r.status == 400 and "<b>" not in r.text, r.text[:500])


if __name__ == "__main__":
    run_tests([test_table_info_page, test_service_info_page, test_hostile_names, test_votable_15])
