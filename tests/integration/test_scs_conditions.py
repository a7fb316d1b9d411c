"""Cone services with conditions beyond the cone (issue 14, item 0: condDesc -> SQL): buildFrom
columns in DALI syntax on scs.xml and VizieR-like syntax on the form, checked against the rows
themselves; hostile values get an SCS error document naming the parameter and never reach SQL."""
import os
import urllib.parse

from harness import Meles, check, run_tests, sky_distance, votlint

RD = """<resource schema="condtest">
  <meta name="title">Condition test</meta>
  <meta name="description">Stars for the condition tests.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">The stars.</meta>
    <column name="id" type="integer" ucd="meta.id;meta.main" required="True" description="Number" verbLevel="1"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main" description="RA" verbLevel="1"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main" description="Dec" verbLevel="1"/>
    <column name="vmag" type="real" unit="mag" ucd="phot.mag;em.opt.V" description="V" verbLevel="1"/>
    <column name="name" type="text" ucd="meta.id" description="Name" verbLevel="1"/>
  </table>
  <data id="import">
    <sources>data/stars.csv</sources>
    <csvGrammar/>
    <make table="main"/>
  </data>
  <service id="cone" allowed="form,scs.xml">
    <meta name="title">Condition cone</meta>
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
      <condDesc buildFrom="vmag"/>
      <condDesc buildFrom="name"/>
    </scsCore>
  </service>
</resource>
"""


def rows():
    out = []
    for i in range(1, 2001):
        out.append((i, 10 + (i % 50) * 0.01, 20 + (i // 50) * 0.01, 10 + (i % 11) * 0.5, "s%d" % i))
    return out


def setup(m):
    d = os.path.join(m.state, "inputs", "condtest")
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD)
    with open(os.path.join(d, "data", "stars.csv"), "w") as f:
        f.write("id,ra,dec,vmag,name\n")
        for r in rows():
            f.write("%d,%.4f,%.4f,%.2f,%s\n" % r)
    r = m.cli("imp", "condtest/q")
    check(r.returncode == 0, r.stdout + r.stderr)


def ids_of(body):
    import io
    from astropy.io.votable import parse
    t = parse(io.BytesIO(body), verify="ignore").get_first_table().array
    return set(int(x) for x in t["id"])


def test_conditions():
    with Meles("scs_cond") as m:
        setup(m)
        m.start()
        base = "/condtest/q/cone/scs.xml?RA=10.25&DEC=20.2&SR=0.3&RESPONSEFORMAT=votable/td&MAXREC=100000"
        inside = [r for r in rows() if sky_distance(10.25, 20.2, r[1], r[2]) < 0.3 - 1e-9]
        for q, want in [("", lambda r: True),
                        ("&vmag=12", lambda r: abs(r[3] - 12) < 1e-6),
                        ("&vmag=11/12", lambda r: 11 - 1e-6 <= r[3] <= 12 + 1e-6),
                        ("&vmag=/10.5", lambda r: r[3] <= 10.5 + 1e-6),
                        ("&vmag=14.5/", lambda r: r[3] >= 14.5 - 1e-6),
                        ("&vmag=10,15", lambda r: abs(r[3] - 10) < 1e-6 or abs(r[3] - 15) < 1e-6),
                        ("&vmag=10&vmag=15", lambda r: abs(r[3] - 10) < 1e-6 or abs(r[3] - 15) < 1e-6),
                        ("&name=s77", lambda r: r[4] == "s77"),
                        ("&vmag=12&name=s77", lambda r: False)]:
            r = m.get(base + q)
            check(r.status == 200 and b'name="Error"' not in r.body, (q, r.text[-400:]))
            got = ids_of(r.body)
            expect = set(x[0] for x in inside if want(x))
            check(got == expect, "%s: got %d rows, want %d" % (q, len(got), len(expect)))
            check(votlint(r.body) == "", votlint(r.body))
        # the request echo names what was used
        r = m.get(base + "&vmag=11/12")
        check(b'name="request" value="RA=10.25 DEC=20.2 SR=0.3 vmag=11/12"' in r.body, r.text[:1500])
        # hostile values: an SCS error document naming the parameter, status 200, nothing run
        for q, words in [("&vmag=1;DROP TABLE condtest.main", "vmag"), ("&vmag=1) OR (1=1", "vmag"),
                         ("&vmag=nan", "vmag"), ("&vmag=1/2/3", "vmag"), ("&vmag=" + "9" * 3000, "vmag"),
                         ("&vmag=" + ",".join(["1"] * 1000), "at most 256")]:
            r = m.get(base + urllib.parse.quote(q, safe="&="))
            check(r.status == 200 and b'name="Error"' in r.body and words.encode() in r.body, (q[:60], r.text[:500]))
            check(len(r.body) < 3000, "error document of %d bytes" % len(r.body))
            check(votlint(r.body) == "", votlint(r.body))
        # text is a value, whatever it holds
        r = m.get(base + "&name=" + urllib.parse.quote("x'; DROP TABLE condtest.main; --"))
        check(r.status == 200 and ids_of(r.body) == set(), r.text[-300:])
        check(m.sql("SELECT count(*) FROM condtest.main") == [["2000"]], "table intact")
        # the same by POST, many repeated parameters: refused, bounded
        body = urllib.parse.urlencode([("RA", "10.25"), ("DEC", "20.2"), ("SR", "0.3")] + [("vmag", "12")] * 5000)
        r = m.post("/condtest/q/cone/scs.xml", body=body.encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(r.status == 200 and b"at most 256" in r.body, r.text[:300])
        body = urllib.parse.urlencode([("RA", "10.25"), ("DEC", "20.2"), ("SR", "0.3"), ("vmag", "9" * 1000000)])
        r = m.post("/condtest/q/cone/scs.xml", body=body.encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(r.status == 200 and b"vmag: cannot read" in r.body and len(r.body) < 3000, r.text[:300])
        # the form: VizieR-like syntax, the position and the magnitude fields, errors on the page
        form = "/condtest/q/cone/form?hscs_pos=10.25+20.2&hscs_sr=18&vmag=" + urllib.parse.quote("< 10.5")
        r = m.get(form)
        check(r.status == 200 and b"<table class=\"results\">" in r.body, r.text[:800])
        want = sum(1 for x in inside if x[3] < 10.5 - 1e-6)
        check(r.body.count(b"<tr>") - 1 == want, (r.body.count(b"<tr>"), want))
        check(b'name="vmag"' in m.get("/condtest/q/cone/form").body, "the form offers the magnitude")
        r = m.get("/condtest/q/cone/form?hscs_pos=10.25+20.2&vmag=" + urllib.parse.quote("< x"))
        check(r.status == 200 and b"vmag: cannot read" in r.body and b"<table" not in r.body, r.text[-500:])
        # a radius alone constrains nothing: the empty form, no query
        r = m.get("/condtest/q/cone/form?hscs_pos=&hscs_sr=1")
        check(r.status == 200 and b"<table" not in r.body, r.text[-300:])
        check(m.get("/").status == 200, "daemon alive")


if __name__ == "__main__":
    run_tests([test_conditions])
