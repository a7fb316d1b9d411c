"""`meles test RD`: an RD's regSuite/regTest elements run against a daemon with a real imported
table and its SCS and TAP services; passing, failing and broken tests, a server that does not
answer, sequential suites (pointNextToLocation through a UWS job), an RD without tests."""
import os
import re
import socket
import threading
import time

from harness import Meles, check, run_tests

CSV = """id,ra,dec,mag,name
1,10.0,10.0,12.5,alpha
2,10.1,10.05,13.25,beta
3,200.0,-30.0,15.0,gamma
4,45.0,60.0,9.75,delta
"""

RD = r"""<resource schema="rt">
  <meta name="title">Regression-tested stars</meta>
  <meta name="description">Four stars and the tests that check their services.</meta>
  <meta name="creationDate">2026-12-07T00:00:00Z</meta>
  <meta name="subject">catalogs</meta>

  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <column name="id" type="integer" ucd="meta.id;meta.main" required="True"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main" required="True"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main" required="True"/>
    <column name="mag" type="real" unit="mag" ucd="phot.mag"/>
    <column name="name" type="text" ucd="meta.id"/>
  </table>

  <data id="import">
    <sources>data/stars.csv</sources>
    <csvGrammar/>
    <make table="main">
      <rowmaker idmaps="*"/>
    </make>
  </data>

  <service id="cone" allowed="form,scs.xml">
    <meta name="title">Test cone search</meta>
    <meta name="testQuery.ra">10.0</meta>
    <meta name="testQuery.dec">10.0</meta>
    <meta name="testQuery.sr">0.5</meta>
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
    </scsCore>
  </service>

  <regSuite title="Stars regression">
    <regTest title="SCS finds alpha and beta">
      <url RA="10.0" DEC="10.0" SR="0.5">cone/scs.xml</url>
      <code>
        rows = self.getVOTableRows()
        self.assertEqual(len(rows), 2)
        row = self.getFirstVOTableRow()
        self.assertEqual(row["name"], "alpha")
        self.assertAlmostEqual(row["mag"], 12.5)
        self.assertEqual(type(row["id"]), int)
        self.assertHTTPStatus(200)
        self.assertHeader("content-type", EqualingRE("(application|text)/x-votable[+]xml"))
        self.assertXpath("//v:FIELD[@name='mag']", {"unit": "mag", "datatype": "float"})
        self.assertValidatesXSD()
      </code>
    </regTest>

    <regTest title="TAP counts the table">
      <url parSet="TAP" QUERY="SELECT COUNT(*) AS n FROM rt.main WHERE mag &lt; 14">/tap/sync</url>
      <code>
        self.assertEqual(self.getFirstVOTableRow()["n"], 3)
        self.assertTrue(self.url.httpURL.endswith("/tap/sync?QUERY=SELECT%20COUNT%28%2A%29%20AS%20n%20FROM%20rt.main%20WHERE%20mag%20%3C%2014&amp;LANG=ADQL&amp;REQUEST=doQuery"), self.url.httpURL)
      </code>
    </regTest>

    <regTest title="TAP by POST with the query as a child element">
      <url httpMethod="POST" parSet="TAP"><QUERY>
          SELECT name FROM rt.main
          WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 200, -30, 1))
        </QUERY>/tap/sync</url>
      <code>
        self.assertEqual([r["name"] for r in self.getVOTableRows()], ["gamma"])
        self.assertLacksStrings("alpha")
      </code>
    </regTest>

    <regTest title="TAP upload in chunks">
      <url httpMethod="POST" parSet="TAP" QUERY="SELECT x FROM TAP_UPLOAD.t1 ORDER BY x" UPLOAD="t1,param:t1"
        httpChunkSize="50">/tap/sync<httpUpload name="t1" fileName="t1.vot"><![CDATA[<?xml version="1.0"?>
<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>
<FIELD name="x" datatype="int"/><DATA><TABLEDATA><TR><TD>7</TD></TR><TR><TD>3</TD></TR></TABLEDATA></DATA>
</TABLE></RESOURCE></VOTABLE>]]></httpUpload></url>
      <code>
        self.assertEqual([r["x"] for r in self.getVOTableRows()], [3, 7])
      </code>
    </regTest>

    <regTest title="Unknown service is a 404">
      <url>nosuchservice/scs.xml</url>
      <code>
        self.assertHTTPStatus(404)
      </code>
    </regTest>

    <regTest title="Cone misses a star that is not there">
      <url RA="45.0" DEC="60.0" SR="0.1" VERB="3" RESPONSEFORMAT="votable/td">cone/scs.xml</url>
      <code>
        self.assertHasStrings("delta")
        self.assertHasStrings("epsilon")
      </code>
    </regTest>

    <regTest title="Broken test code raises">
      <url RA="45.0" DEC="60.0" SR="0.1">cone/scs.xml</url>
      <code>
        row = self.getFirstVOTableRow()
        ratio = row["mag"] / 0
      </code>
    </regTest>

    <regTest title="Hostile: silent server times out" tags="hostile">
      <url>http://127.0.0.1:SILENTPORT/never</url>
      <code>
        self.assertHTTPStatus(200)
      </code>
    </regTest>

    <regTest title="Hostile: slow-drip server is cut off" tags="hostile">
      <url>http://127.0.0.1:DRIPPORT/slowly</url>
      <code>
        self.assertHTTPStatus(200)
      </code>
    </regTest>

    <regTest title="Hostile: test code that loops forever is stopped" tags="hostile">
      <url>/tap/availability</url>
      <code>
        while True:
          pass
      </code>
    </regTest>

    <regTest title="Tagged test only with -t" tags="slow">
      <url>cone/scs.xml</url>
      <code>
        self.fail("tagged tests do not run unless asked for")
      </code>
    </regTest>
  </regSuite>

  <regSuite title="An async TAP job" sequential="True">
    <regTest title="async job is created">
      <url httpMethod="POST" parSet="TAP" QUERY="SELECT name FROM rt.main WHERE id = 4">/tap/async</url>
      <code>
        self.assertHTTPStatus(303)
        self.pointNextToLocation()
      </code>
    </regTest>
    <regTest title="async job is pending">
      <url>/replaced/by/the/previous/test</url>
      <code>
        self.assertXpath("//uws:phase", {None: "PENDING"})
      </code>
    </regTest>
  </regSuite>
</resource>
"""

EMPTY_RD = """<resource schema="rtempty">
  <meta name="title">Nothing to test</meta>
</resource>
"""


def silent_server():
    """A listener that accepts connections and never answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    held = []

    def accept():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            held.append(c)

    threading.Thread(target=accept, daemon=True).start()
    return s


def drip_server():
    """A server that answers every request with headers and then one byte every 0.3 s."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)

    def serve(c):
        try:
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(1000):
                c.sendall(b"x")
                time.sleep(0.3)
        except OSError:
            pass
        finally:
            c.close()

    def accept():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return s


def setup(m, silent_port, drip_port):
    inputs = os.path.join(m.state, "inputs", "rt")
    os.makedirs(os.path.join(inputs, "data"), exist_ok=True)
    with open(os.path.join(inputs, "data", "stars.csv"), "w") as f:
        f.write(CSV)
    rd = RD.replace("SILENTPORT", str(silent_port)).replace("DRIPPORT", str(drip_port))
    with open(os.path.join(inputs, "q.rd"), "w") as f:
        f.write(rd)
    os.makedirs(os.path.join(m.state, "inputs", "rtempty"), exist_ok=True)
    with open(os.path.join(m.state, "inputs", "rtempty", "q.rd"), "w") as f:
        f.write(EMPTY_RD)
    r = m.cli("imp", "rt/q")
    check(r.returncode == 0, r.stdout + r.stderr)


def results(out):
    """{title: (status, RD line)} from meles test's output."""
    status = {}
    for l in out.splitlines():
        mo = re.match(r"(ok   |FAIL |ERROR) +[0-9.]+s  (.*)  \(q\.rd:(\d+)\)$", l)
        if mo:
            status[mo.group(2)] = (mo.group(1).strip(), int(mo.group(3)))
    return status


def line_of(title):
    """The RD line of the regTest with this title."""
    for i, l in enumerate(RD.split("\n"), 1):
        if 'title="%s"' % title in l:
            return i
    raise KeyError(title)


def code_line(text):
    for i, l in enumerate(RD.split("\n"), 1):
        if text in l:
            return i
    raise KeyError(text)


def test_meles_test_reports_passes_failures_and_errors():
    silent, drip = silent_server(), drip_server()
    try:
        with Meles("regtest") as m:
            setup(m, silent.getsockname()[1], drip.getsockname()[1])
            r = m.cli("val", "rt/q")
            check(r.returncode == 0, "val: " + r.stdout + r.stderr)
            # a relative url names a service of the RD; a typo is a warning at its line
            check("q.rd:%d: warning: regTest url 'nosuchservice/scs.xml': this RD has no service 'nosuchservice'"
                  % code_line("<url>nosuchservice/scs.xml</url>") in r.stdout + r.stderr, r.stdout + r.stderr)
            m.start()
            # a generous timeout: votlint and astropy take their time on a loaded machine
            r = m.cli("test", "--url", m.url, "-T", "60", "-c", "3", "rt/q", timeout=600)
            out = r.stdout
            check(r.returncode == 1, "exit status %d\n%s%s" % (r.returncode, out, r.stderr))
            check("Traceback" not in r.stderr, r.stderr)
            lines = out.splitlines()
            status = results(out)
            expect = {
                "SCS finds alpha and beta": "ok",
                "TAP counts the table": "ok",
                "TAP by POST with the query as a child element": "ok",
                "TAP upload in chunks": "ok",
                "Unknown service is a 404": "ok",
                "Cone misses a star that is not there": "FAIL",
                "Broken test code raises": "ERROR",
                "async job is created": "ok",
                "async job is pending": "ok",
            }
            check(set(status) == set(expect), "tests run: %s\n%s" % (sorted(status), out))
            for title, st in expect.items():
                check(status[title] == (st, line_of(title)), "%r: %r, wanted %s\n%s" % (title, status[title], st, out))
            # the failure: assertion message at the RD line of the failing assertion
            check("q.rd:%d: 'epsilon' missing" % code_line('self.assertHasStrings("epsilon")') in out, out)
            check("q.rd:%d: ZeroDivisionError: " % code_line("ratio = ") in out, out)
            check(lines[0].startswith("testing rt/q (9 tests) against " + m.url), out)
            check(lines[-1].startswith("9 tests: 7 passed, 1 failed, 1 error "), out)

            # what does not answer, answers too slowly or runs forever is cut off at the timeout;
            # three at once, so the three waits overlap
            t0 = time.monotonic()
            r = m.cli("test", "--url", m.url, "-T", "3", "-c", "3", "-t", "hostile", "-k", "hostile", "rt/q",
                      timeout=120)
            took = time.monotonic() - t0
            out = r.stdout
            check(r.returncode == 1 and "Traceback" not in r.stderr, out + r.stderr)
            status = results(out)
            for title in ("Hostile: silent server times out", "Hostile: slow-drip server is cut off",
                          "Hostile: test code that loops forever is stopped"):
                check(status.get(title) == ("ERROR", line_of(title)), "%r: %r\n%s" % (title, status.get(title), out))
            check("q.rd:%d: no answer within 3 s" % code_line("SILENTPORT") in out, out)
            check("q.rd:%d: the response was not complete after 3 s" % code_line("DRIPPORT") in out, out)
            check("q.rd:%d: the test's code was stopped after 3 s" % code_line("while True:") in out, out)
            check(out.splitlines()[-1].startswith("3 tests: 0 passed, 0 failed, 3 errors"), out)
            check(took < 60, "took %.1f s" % took)

            # -k selects by title words, -v shows the URL and the response
            r = m.cli("test", "--url", m.url, "-T", "60", "-k", "misses STAR", "-v", "rt/q")
            check(r.returncode == 1, r.stdout + r.stderr)
            check("1 test: 0 passed, 1 failed, 0 errors" in r.stdout, r.stdout)
            check("url: %s/rt/q/cone/scs.xml?RA=45.0&DEC=60.0&SR=0.1&VERB=3&RESPONSEFORMAT=votable%%2Ftd (HTTP 200)" % m.url in r.stdout, r.stdout)
            check("      | <?xml" in r.stdout and "delta" in r.stdout, r.stdout)
            # only passing tests: exit 0
            r = m.cli("test", "--url", m.url, "-T", "60", "-k", "TAP", "rt/q")
            check(r.returncode == 0, r.stdout + r.stderr)
            check("3 tests: 3 passed, 0 failed, 0 errors" in r.stdout, r.stdout)
            # tagged tests run when their tag is given
            r = m.cli("test", "--url", m.url, "-t", "slow", "-k", "tagged", "rt/q")
            check(r.returncode == 1 and "tagged tests do not run unless asked for" in r.stdout, r.stdout)
            # nothing selected
            r = m.cli("test", "--url", m.url, "-k", "nothing-matches-this", "rt/q")
            check(r.returncode == 1 and "none of its 13 tests is selected" in r.stdout, r.stdout + r.stderr)
            # an RD without tests says so
            r = m.cli("test", "--url", m.url, "rtempty/q")
            check(r.returncode == 0 and "rtempty/q: no regression tests" in r.stdout, r.stdout + r.stderr)
            # the daemon is not running: every test with a URL is an error, quickly
            m.stop()
            r = m.cli("test", "--url", m.url, "-k", "TAP", "rt/q", timeout=60)
            check(r.returncode == 1 and "3 tests: 0 passed, 0 failed, 3 errors" in r.stdout, r.stdout + r.stderr)
            check("Connection refused" in r.stdout, r.stdout)
            # bad options are errors naming them
            r = m.cli("test", "-c", "0", "rt/q")
            check(r.returncode == 1 and "--concurrency needs a number from 1 to 64" in r.stderr, r.stderr)
    finally:
        silent.close()
        drip.close()


def test_meles_val_reports_bad_regtests():
    with Meles("regtest_val") as m:
        d = os.path.join(m.state, "inputs", "bad")
        os.makedirs(d)
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write("""<resource schema="bad">
  <regSuite title="x">
    <regTest title="a">
      <url parSet="SQL" postPayload="x.txt" httpMethod="POST">/tap/sync</url>
      <code>
        self.assertHasStrings("a"
      </code>
    </regTest>
  </regSuite>
</resource>
""")
        r = m.cli("val", "bad/q")
        check(r.returncode != 0, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        check("q.rd:4: bad parSet 'SQL' (form or TAP)" in out, out)
        check("q.rd:4: url with postPayload can have no parameters (nor parSet)" in out, out)
        check(re.search(r"q\.rd:[67]:.*(never closed|SyntaxError|was not closed)", out), out)
        r = m.cli("test", "--url", "http://127.0.0.1:9", "bad/q")
        check(r.returncode == 1 and "bad parSet" in r.stderr and "Traceback" not in r.stderr, r.stdout + r.stderr)


if __name__ == "__main__":
    run_tests([test_meles_test_reports_passes_failures_and_errors, test_meles_val_reports_bad_regtests])
