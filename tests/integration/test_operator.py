"""The operator's first day (issue 12): what a new operator meets publishing a CSV catalogue
with a hand-written RD — error messages of `imp`, `val` and `drop`, and a running daemon that
follows new, edited, broken and deleted RDs and re-imports without a restart."""
import os
import re
import time
import urllib.parse

from harness import Meles, check, run_tests

RD = """<resource schema="optest">
  <meta name="title">Operator test</meta>
  <meta name="description">Stars for the operator tests.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta><meta name="subject">stars</meta>
  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">The stars.</meta>
    <column name="id" type="integer" ucd="meta.id;meta.main" required="True" description="Number"/>
    <column name="ra" type="{ratype}" unit="deg" ucd="pos.eq.ra;meta.main" description="RA"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main" description="Dec"/>
    <column name="vmag" type="real" unit="mag" ucd="phot.mag;em.opt.V" description="V"/>
    <column name="name" type="text" ucd="meta.id" description="Name"/>
    {extra_columns}
  </table>
  <data id="import">
    <sources>data/stars.csv</sources>
    <csvGrammar/>
    <make table="main">
      <rowmaker idmaps="*">{maps}</rowmaker>
    </make>
  </data>
  <service id="cone" allowed="form,scs.xml">
    <meta name="title">Operator cone</meta>
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
    </scsCore>
  </service>
</resource>
"""

HEADER = "id,ra,dec,vmag,name\n"


def rows(n, start=1):
    return "".join("%d,%.4f,%.4f,%.2f,s%d\n" % (i, 10 + i * 0.001, 20 + i * 0.001, 10 + (i % 7) * 0.5, i)
                   for i in range(start, start + n))


def write_rd(m, rd_id="optest/q", ratype="double precision", extra_columns="", maps="", data=None, schema=None):
    d = os.path.join(m.state, "inputs", os.path.dirname(rd_id))
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    text = RD.format(ratype=ratype, extra_columns=extra_columns, maps=maps)
    if schema:
        text = text.replace('schema="optest"', 'schema="%s"' % schema)
    with open(os.path.join(m.state, "inputs", rd_id + ".rd"), "w") as f:
        f.write(text)
    if data is not None:
        with open(os.path.join(d, "data", "stars.csv"), "w") as f:
            f.write(data)


def test_duplicate_primary_key_names_key_and_lines():
    with Meles("op_dupkey") as m:
        data = HEADER + rows(5) + "5,10.9,20.9,12.0,again\n" + rows(3, start=6)
        write_rd(m, data=data)
        r = m.cli("imp", "optest/q")
        check(r.returncode == 1, r.stdout + r.stderr)
        err = "\n".join(l for l in r.stderr.split("\n") if l.startswith("meles:"))  # not the debug log
        check("__meles_new" not in err, "internal table name shown: " + err)
        check("duplicate primary key in table optest.main: id = 5" in err, err)
        # both rows: line 6 (the first id 5) and line 7 (the second)
        check("data/stars.csv:6 and data/stars.csv:7" in err, err)
        # an empty key column (not declared required) is named, too, with its line
        write_rd(m, data=HEADER + rows(2) + ",10.5,20.5,11.0,nokey\n")
        path = os.path.join(m.state, "inputs", "optest", "q.rd")
        text = open(path).read().replace(' required="True"', "")
        open(path, "w").write(text)
        r = m.cli("imp", "optest/q")
        err = "\n".join(l for l in r.stderr.split("\n") if l.startswith("meles:"))
        check(r.returncode == 1 and "primary key column id" in err and "data/stars.csv:4" in err and
              "__meles_new" not in err, r.stderr)


def test_drop_of_a_gone_rd_and_empty_schema():
    with Meles("op_drop") as m:
        write_rd(m, rd_id="optest/gone", data=HEADER + rows(10))
        r = m.cli("imp", "optest/gone")
        check(r.returncode == 0, r.stdout + r.stderr)
        os.remove(os.path.join(m.state, "inputs", "optest", "gone.rd"))
        r = m.cli("drop", "optest/gone")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("dropped optest.main" in r.stdout, r.stdout)
        check(m.sql("SELECT count(*) FROM meles.tablemeta WHERE rd_id = 'optest/gone'") == [["0"]], "metadata left")
        check(m.sql("SELECT count(*) FROM tap_schema.tables WHERE table_name = 'optest.main'") == [["0"]], "TAP_SCHEMA left")
        # the schema went with its last table
        check(m.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'optest'") == [["0"]], "empty schema left behind")
        # an id nothing is recorded for is still an error
        r = m.cli("drop", "optest/never")
        check(r.returncode == 1 and "optest/never" in r.stderr, r.stdout + r.stderr)


def test_types_val_and_lossy_conversion():
    with Meles("op_types") as m:
        # a text RA under the q3c index: val says so, with the RD line of the column
        write_rd(m, ratype="text", data=HEADER + rows(3))
        r = m.cli("val", "optest/q")
        check(r.returncode == 1, r.stdout + r.stderr)
        check(re.search(r"q\.rd:8: column 'ra' is text, but index 'q3c_main'.*q3c_ang2ipix", r.stdout), r.stdout)
        # a float computed into an integer column is an error naming the row, not rounded
        write_rd(m, extra_columns='<column name="flux" type="integer" description="F"/>',
                 maps='<map key="flux">float(@vmag) + 4.577</map>', data=HEADER + rows(3))
        r = m.cli("imp", "optest/q")
        check(r.returncode == 1, r.stdout + r.stderr)
        check("data/stars.csv:2" in r.stderr and "flux" in r.stderr and "fraction" in r.stderr, r.stderr)


def test_continue_bad_skips_every_bad_record_in_file_order():
    with Meles("op_cbad") as m:
        lines = [HEADER.rstrip("\n")] + rows(800).rstrip("\n").split("\n")
        lines[500] = "500,10.5,20.5,11.0"                      # line 501: too few fields
        lines[600] = '600,10.6,20.6,11.0,"unterminated'         # line 601: a quote never closed
        lines[700] = "700,10.7,20.7,bright,s700"                # line 701: a bad value
        write_rd(m, data="\n".join(lines) + "\n")
        r = m.cli("imp", "optest/q")
        check(r.returncode == 1 and "stars.csv:501" in r.stderr and "expected 5 fields, found 4" in r.stderr, r.stderr)
        r = m.cli("imp", "-c", "optest/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        skipped = [l for l in r.stdout.split("\n") if l.startswith("skipped: ")]
        check(len(skipped) == 3, r.stdout)
        check([re.search(r"stars\.csv:(\d+)", l).group(1) for l in skipped] == ["501", "601", "701"], r.stdout)
        check("quote" in skipped[1] and "never closed" in skipped[1], skipped[1])
        check("optest.main: 797 rows, 3 bad records skipped" in r.stdout, r.stdout)
        # a quote closed only lines later: the message says where it opened and closed
        lines = [HEADER.rstrip("\n")] + rows(20).rstrip("\n").split("\n")
        lines[5] = '5,10.5,20.5,11.0,"open'
        lines[9] = '9,10.9,20.9,11.0,clo"sed",x'
        write_rd(m, data="\n".join(lines) + "\n")
        r = m.cli("imp", "optest/q")
        check(r.returncode == 1 and "stars.csv:6" in r.stderr and "opens a quote on line 6" in r.stderr, r.stderr)


def test_meta_only_and_takeover():
    with Meles("op_meta") as m:
        write_rd(m, data=HEADER + rows(30))
        check(m.cli("imp", "optest/q").returncode == 0, "import failed")
        r = m.cli("imp", "-m", "optest/q")
        check(r.returncode == 0 and "optest.main: metadata updated (about 30 rows)" in r.stdout, r.stdout + r.stderr)
        check(" 0 rows" not in r.stdout, r.stdout)
        # another RD declaring optest.main takes it over: allowed, but said
        write_rd(m, rd_id="other/q", data=HEADER + rows(4))
        r = m.cli("imp", "other/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("warning: table optest.main was imported from RD optest/q" in r.stderr, r.stderr)


def test_val_reports_what_it_used_to_miss():
    with Meles("op_val") as m:
        write_rd(m, extra_columns='<column name="flux" type="real" ucd="phot.flux;;em.opt" description="F"/>',
                 data=HEADER + rows(3))
        path = os.path.join(m.state, "inputs", "optest", "q.rd")
        text = open(path).read()
        text = text.replace('allowed="form,scs.xml"', 'allowed="form,scs.xlm"')
        text = text.replace('<meta name="creationDate">', '<meta name="creationDat">')
        open(path, "w").write(text)
        r = m.cli("val", "optest/q")
        out = r.stdout
        check(r.returncode == 1, out)
        check(re.search(r"q\.rd:\d+: service 'cone' allows renderer 'scs\.xlm', which does not exist \(did you mean 'scs\.xml'\?\)", out), out)
        check(re.search(r"q\.rd:4: warning: unknown meta key 'creationDat' \(did you mean 'creationDate'\?\)", out), out)
        check(re.search(r"q\.rd:\d+: warning: UCD 'phot\.flux;;em\.opt' of column 'flux' \(table optest\.main\) is not valid UCD1\+", out), out)
        # the misspelt key leaves the table without the creationDate DaCHS requires
        check(re.search(r"q\.rd:\d+: table 'main' lacks metadata DaCHS requires: creationDate is missing", out), out)
        # no source field 'flux': the column would be NULL in every row
        check(re.search(r"q\.rd:\d+: warning: column 'flux' of table 'main' is filled by no map", out), out)


def started_daemon(m):
    write_rd(m, data=HEADER + rows(20))
    check(m.cli("imp", "optest/q").returncode == 0, "import failed")
    m.start()


def test_root_page_follows_new_and_deleted_rds():
    with Meles("op_root") as m:
        started_daemon(m)
        check("optest/q" in m.get("/").text, "first RD not on the root page")
        # a new RD shows without a reload; a deleted one disappears without warnings
        write_rd(m, rd_id="newer/q", data=HEADER + rows(3), schema="newer")
        deadline = time.time() + 5
        while "newer/q" not in m.get("/").text and time.time() < deadline:
            time.sleep(0.2)
        check("newer/q" in m.get("/").text, "new RD not on the root page")
        os.remove(os.path.join(m.state, "inputs", "newer", "q.rd"))
        time.sleep(1.2)
        for _ in range(5):
            check("newer/q" not in m.get("/").text, "deleted RD still listed")
        check("newer/q does not load" not in m.daemon_log(), "deleted RD logged as broken")
        # the SCS echo keeps the RA as given
        r = m.get("/optest/q/cone/scs.xml?RA=235.95&DEC=12&SR=0.5")
        check("RA=235.95 DEC=12 SR=0.5" in r.text, r.text[:600])


def test_broken_rd_gives_503_without_paths():
    with Meles("op_broken") as m:
        started_daemon(m)
        path = os.path.join(m.state, "inputs", "optest", "q.rd")
        good = open(path).read()
        open(path, "w").write(good.replace('<column name="name"', '<column nmae="name"'))
        time.sleep(1.2)
        r = m.get("/optest/q/cone/scs.xml?RA=10&DEC=20&SR=1")
        check(r.status == 503, "%d %s" % (r.status, r.text))
        check(r.text.startswith("<?xml") and 'INFO name="Error"' in r.text and "QUERY_STATUS" in r.text, r.text)
        check(m.state not in r.text and ".rd" not in r.text, r.text)
        r = m.get("/optest/q/cone/form")
        check(r.status == 503 and m.state not in r.text and ".rd" not in r.text, "%d %s" % (r.status, r.text))
        check("q.rd:" in m.daemon_log(), "the log should have the RD's file:line")
        open(path, "w").write(good)
        time.sleep(1.2)
        check(m.get("/optest/q/cone/scs.xml?RA=10&DEC=20&SR=1").status == 200, "fixed RD not served again")


def test_tap_metadata_is_current_when_imp_returns():
    with Meles("op_notify") as m:
        started_daemon(m)
        # re-import with a new column: TAP knows it the moment imp returns (LISTEN/NOTIFY)
        q = "/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "FORMAT": "csv", "QUERY": "SELECT TOP 1 extra0 FROM optest.main"})
        check(m.get(q).status == 400, "column exists before it was added")
        for attempt in range(3):
            write_rd(m, extra_columns='<column name="extra%d" type="integer" description="E"/>' % attempt,
                     maps='<map key="extra%d">7</map>' % attempt, data=HEADER + rows(20))
            r = m.cli("imp", "optest/q")
            check(r.returncode == 0, r.stdout + r.stderr)
            q = "/tap/sync?" + urllib.parse.urlencode(
                {"LANG": "ADQL", "FORMAT": "csv", "QUERY": "SELECT TOP 1 extra%d FROM optest.main" % attempt})
            r = m.get(q)
            check(r.status == 200 and r.text.splitlines()[1].strip() == "7", "attempt %d: %d %s" % (attempt, r.status, r.text))
        # and the listener, not the retry, did it: the daemon logs that it listens
        check("listening for metadata changes" in m.daemon_log(), "no catalog listener")


if __name__ == "__main__":
    run_tests([test_duplicate_primary_key_names_key_and_lines, test_drop_of_a_gone_rd_and_empty_schema,
               test_types_val_and_lossy_conversion, test_continue_bad_skips_every_bad_record_in_file_order,
               test_meta_only_and_takeover, test_val_reports_what_it_used_to_miss,
               test_root_page_follows_new_and_deleted_rds, test_broken_rd_gives_503_without_paths,
               test_tap_metadata_is_current_when_imp_returns])
