"""SIAP 1.0 (siap.xml) and SIAP 2.0 (siap2.xml) over an image collection imported from FITS files
(issue 14, item 5): an RD written as in DaCHS's tutorial, pyvo's SIA clients (sia, sia2) finding
the endpoints through VOSI capabilities, answers compared with a brute-force selection over a
grid of images, repeated parameters OR-ed, INTERSECT, MAXREC, hostile parameters answered with
each standard's error document, the footprint index in the plan, and `meles val`."""
import io
import math
import os
import urllib.parse
import xml.etree.ElementTree as ET

import numpy as np
from astropy.io import fits
from astropy.io.votable import parse as parse_votable

from harness import Meles, check, run_tests, votlint

RD = r"""<resource schema="imgs">
  <meta name="title">Test plates</meta>
  <meta name="description">A grid of small images for SIAP tests.</meta>
  <meta name="creationDate">2026-12-08T00:00:00Z</meta>
  <meta name="subject">images</meta>
  <meta name="instrument">Test camera</meta>
  <meta name="facility">Test telescope</meta>

  <table id="main" onDisk="True" mixin="//siap#pgs" adql="True">
    <meta name="description">SIAP 1 table of the plates.</meta>
    <column name="object" type="text" ucd="meta.id;src" tablehead="Object" verbLevel="15"
      description="Object observed"/>
  </table>

  <table id="obs" onDisk="True" adql="True">
    <meta name="description">SIAP 2 table of the plates.</meta>
    <mixin>//siap2#pgs</mixin>
  </table>

  <data id="import">
    <sources pattern="data/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="main">
      <rowmaker>
        <map key="object">@OBJECT</map>
        <apply procDef="//siap#computePGS"/>
        <apply procDef="//siap#setMeta">
          <bind key="title">"Plate of %s" % @OBJECT</bind>
          <bind key="instrument">@INSTRUME</bind>
          <bind key="dateObs">@DATE_OBS</bind>
          <bind key="bandpassId">@FILTER</bind>
        </apply>
      </rowmaker>
    </make>
  </data>

  <data id="import2">
    <sources pattern="data/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.obs"</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="obs">
      <rowmaker>
        <apply procDef="//siap2#computePGS"/>
        <apply procDef="//siap2#setMeta">
          <bind key="dateObs">@DATE_OBS</bind>
          <bind key="t_exptime">@EXPTIME</bind>
          <bind key="obs_title">"Plate of %s" % @OBJECT</bind>
          <bind key="target_name">@OBJECT</bind>
          <bind key="calib_level">@CALIB</bind>
          <bind key="obs_collection">@COLL</bind>
          <bind key="obs_publisher_did">"ivo://test/imgs?" + @OBJECT</bind>
          <bind key="instrument_name">@INSTRUME</bind>
          <bind key="facility_name">"Test telescope"</bind>
          <bind key="em_min">@WLMIN</bind>
          <bind key="em_max">@WLMAX</bind>
          <bind key="pol_states">@POLST</bind>
        </apply>
      </rowmaker>
    </make>
  </data>

  <service id="i" allowed="form,siap.xml">
    <meta name="shortName">test siap</meta>
    <meta name="title">Test plates (SIAP 1)</meta>
    <meta name="sia.type">Pointed</meta>
    <meta name="testQuery.pos.ra">15</meta>
    <meta name="testQuery.pos.dec">0</meta>
    <meta name="testQuery.size.ra">0.1</meta>
    <meta name="testQuery.size.dec">0.1</meta>
    <publish render="siap.xml" sets="ivo_managed"/>
    <dbCore queriedTable="main">
      <condDesc original="//siap#protoInput"/>
      <condDesc original="//siap#humanInput"/>
    </dbCore>
  </service>

  <service id="i2" allowed="siap2.xml">
    <meta name="shortName">test siap2</meta>
    <meta name="title">Test plates (SIAP 2)</meta>
    <publish render="siap2.xml" sets="ivo_managed"/>
    <dbCore queriedTable="obs">
      <FEED source="//siap2#parameters"/>
    </dbCore>
  </service>
</resource>
"""

# A grid of 0.2-degree images one degree apart: RA 10..20, Dec -2..2.
GRID = [(ra, dec) for ra in range(10, 21) for dec in range(-2, 3)]


def name_of(ra, dec):
    return "p%03d%+d" % (ra, dec)


def write_grid(d):
    data = os.path.join(d, "data")
    os.makedirs(data, exist_ok=True)
    facts = {}
    for i, (ra, dec) in enumerate(GRID):
        h = fits.Header()
        h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
        h["CRVAL1"], h["CRVAL2"] = float(ra), float(dec)
        h["CRPIX1"], h["CRPIX2"] = 10.5, 10.5
        h["CDELT1"], h["CDELT2"] = -0.01, 0.01
        h["OBJECT"] = name_of(ra, dec)
        h["INSTRUME"] = "cam%d" % (i % 2)
        h["FILTER"] = "V"
        mjd = 59000 + i
        h["DATE-OBS"] = "2020-05-%02dT00:00:00" % (1 + i % 28)
        h["EXPTIME"] = 60.0 * (1 + i % 3)
        h["CALIB"] = i % 4
        h["COLL"] = "north" if dec > 0 else "south"
        h["WLMIN"], h["WLMAX"] = (4e-7, 5e-7) if i % 2 else (6e-7, 7e-7)
        h["POLST"] = "/I/Q/" if i % 5 == 0 else "/I/"
        fits.PrimaryHDU(np.zeros((20, 20), dtype=np.int16), header=h).writeto(
            os.path.join(data, name_of(ra, dec) + ".fits"))
        facts[name_of(ra, dec)] = dict(ra=ra, dec=dec, exptime=h["EXPTIME"], calib=h["CALIB"], coll=h["COLL"],
                                       wl=(h["WLMIN"], h["WLMAX"]), pol=h["POLST"], inst=h["INSTRUME"])
    return facts


def setup(m):
    d = os.path.join(m.state, "inputs", "imgs")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD)
    facts = write_grid(d)
    r = m.cli("imp", "imgs/q")
    check(r.returncode == 0, r.stdout + r.stderr)
    check("imgs.main: %d rows" % len(GRID) in r.stdout and "imgs.obs: %d rows" % len(GRID) in r.stdout, r.stdout)
    return facts


def sep(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(math.radians, (ra1, dec1, ra2, dec2))
    s = math.sin((dec2 - dec1) / 2) ** 2 + math.cos(dec1) * math.cos(dec2) * math.sin((ra2 - ra1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1, math.sqrt(s))))


def near(facts, ra, dec, r):
    """Images whose footprint (0.2 degrees across, centred on the grid point) meets the circle;
    the grid and the radii used keep every image clearly in or out."""
    return {n for n, f in facts.items() if sep(ra, dec, f["ra"], f["dec"]) < r + 0.1}


def votable(body):
    return parse_votable(io.BytesIO(body), verify="ignore")


def names(body, column):
    t = votable(body).get_first_table().array
    return {str(v).split("/")[-1].replace(".fits", "") if column != "target_name" else str(v) for v in t[column]}


def query_status(body):
    root = ET.fromstring(body)
    for el in root.iter():
        if el.tag.endswith("INFO") and el.get("name") == "QUERY_STATUS":
            return el.get("value"), (el.text or "") + (el.get("value") or "")
    return None, ""


def get(m, path, params):
    return m.get(path + "?" + urllib.parse.urlencode(params, doseq=True))


def test_siap2_with_pyvo_and_brute_force():
    import pyvo
    with Meles("siap2") as m:
        facts = setup(m)
        m.start()
        from pyvo.dal.sia2 import SIAService as SIA2Service
        svc = SIA2Service(m.url + "/imgs/q/i2")
        check(svc.query_ep.endswith("/imgs/q/i2/siap2.xml"), svc.query_ep)
        res = svc.search(pos=(15, 0, 0.5))
        got = {r["target_name"] for r in res}
        check(got == near(facts, 15, 0, 0.5) == {"p015+0"}, got)
        rec = res[0]
        check(rec.access_url.endswith("/getproduct/imgs/data/p015+0.fits"), rec.access_url)
        check(rec["access_format"] == "image/fits" and abs(rec["s_ra"] - 15) < 1e-9, rec)
        res = svc.search(pos=(15, 0, 1.2))
        check({r["target_name"] for r in res} == near(facts, 15, 0, 1.2), {r["target_name"] for r in res})
        check(len(res) == 5, len(res))
        # BAND, TIME, EXPTIME, CALIB, COLLECTION, INSTRUMENT, POL each against the facts
        res = svc.search(pos=(15, 0, 1.2), band=(4.5e-7, 4.6e-7))
        check({r["target_name"] for r in res} == {n for n in near(facts, 15, 0, 1.2) if facts[n]["wl"][0] < 5e-7},
              {r["target_name"] for r in res})
        res = svc.search(collection="north", calib_level=3)
        check({r["target_name"] for r in res} == {n for n, f in facts.items() if f["coll"] == "north" and f["calib"] == 3},
              {r["target_name"] for r in res})
        res = svc.search(exptime=(100, 200), instrument="cam1")
        check({r["target_name"] for r in res} ==
              {n for n, f in facts.items() if 100 <= f["exptime"] <= 200 and f["inst"] == "cam1"}, len(res))
        res = svc.search(pol="Q")
        check({r["target_name"] for r in res} == {n for n, f in facts.items() if "/Q/" in f["pol"]}, len(res))
        res = svc.search(maxrec=3)
        check(len(res) == 3, len(res))
        # repeated POS: OR-ed (two circles, plus a RANGE and a POLYGON)
        r = get(m, "/imgs/q/i2/siap2.xml", {"POS": ["CIRCLE 11 1 0.3", "CIRCLE 19 -1 0.3", "RANGE 13.5 14.5 -2.5 -1.5",
                                                    "POLYGON 16.8 1.8 17.2 1.8 17.2 2.2"]})
        check(r.status == 200, r.text)
        check(names(r.body, "target_name") == {"p011+1", "p019-1", "p014-2", "p017+2"}, names(r.body, "target_name"))
        # TIME as MJD intervals; ID
        r = get(m, "/imgs/q/i2/siap2.xml", {"ID": ["ivo://test/imgs?p012+0", "ivo://test/imgs?p013+1"]})
        check(names(r.body, "target_name") == {"p012+0", "p013+1"}, r.text)
        r = get(m, "/imgs/q/i2/siap2.xml", {"TIME": "58900 +Inf", "POS": "CIRCLE 15 0 0.3"})
        check(names(r.body, "target_name") == {"p015+0"}, r.text)
        r = get(m, "/imgs/q/i2/siap2.xml", {"TIME": "0 1", "POS": "CIRCLE 15 0 0.3"})
        check(names(r.body, "target_name") == set(), r.text)
        # the documents are valid VOTables, results and errors alike
        # (TABLEDATA: STILTS 3.4's votlint runs out of memory on DALI polygons in BINARY2)
        for params in [{"POS": "CIRCLE 15 0 1.2", "RESPONSEFORMAT": "votable/td"}, {"POS": "CIRCLE 15 0 -1"}]:
            r = get(m, "/imgs/q/i2/siap2.xml", params)
            check(votlint(r.body) == "", "%r: %s" % (params, votlint(r.body)))
        # VOSI
        r = m.get("/imgs/q/i2/availability")
        check(r.status == 200 and b"<avail:available>true" in r.body, r.text)


def test_siap1_with_pyvo():
    import pyvo
    with Meles("siap1") as m:
        facts = setup(m)
        m.start()
        caps = m.get("/imgs/q/i/capabilities")
        check(b'standardID="ivo://ivoa.net/std/SIA"' in caps.body, caps.text)
        svc = pyvo.dal.SIAService(m.url + "/imgs/q/i/siap.xml?")
        res = svc.search(pos=(15, 0), size=0.1)
        check(len(res) == 1, len(res))
        rec = res[0]
        check(rec.acref.endswith("/getproduct/imgs/data/p015+0.fits"), rec.acref)
        check(rec.title == "Plate of p015+0" and rec.format == "image/fits", (rec.title, rec.format))
        check(abs(rec.pos.ra.deg - 15) < 1e-9 and abs(rec.pos.dec.deg) < 1e-9, rec.pos)
        check([int(n) for n in rec.naxis.value] == [20, 20], rec.naxis)
        for params in [{"POS": "15,0", "SIZE": "2"}, {"POS": "15,0", "SIZE": "x"}, {"FORMAT": "METADATA"}]:
            r = get(m, "/imgs/q/i/siap.xml", params)
            check(votlint(r.body) == "", "%r: %s" % (params, votlint(r.body)))
        # INTERSECT: a 2.5-degree box around (15, 0) overlaps and encloses 9 images, none covers
        # it, and the one centred on POS has it inside (CENTER)
        base = {"POS": "15,0", "SIZE": "2.5"}
        for intersect, want in [("OVERLAPS", {name_of(ra, dec) for ra in (14, 15, 16) for dec in (-1, 0, 1)}),
                                ("ENCLOSED", {name_of(ra, dec) for ra in (14, 15, 16) for dec in (-1, 0, 1)}),
                                ("COVERS", set()), ("CENTER", {"p015+0"})]:
            r = get(m, "/imgs/q/i/siap.xml", dict(base, INTERSECT=intersect))
            check(r.status == 200 and query_status(r.body)[0] == "OK", r.text)
            check(names(r.body, "accref") == want, "%s: %r" % (intersect, names(r.body, "accref")))
        r = get(m, "/imgs/q/i/siap.xml", {"POS": "15.05,0.02", "SIZE": "0.05", "INTERSECT": "COVERS"})
        check(names(r.body, "accref") == {"p015+0"}, r.text)
        r = get(m, "/imgs/q/i/siap.xml", {"POS": "15.05,0.02", "SIZE": "0", "INTERSECT": "CENTER"})
        check(names(r.body, "accref") == {"p015+0"}, r.text)
        # across RA 0 is not in the grid: nothing, but an OK document
        r = get(m, "/imgs/q/i/siap.xml", {"POS": "359.9,0", "SIZE": "1"})
        check(query_status(r.body)[0] == "OK" and names(r.body, "accref") == set(), r.text)
        # FORMAT=METADATA: the columns, no rows
        r = get(m, "/imgs/q/i/siap.xml", {"FORMAT": "METADATA"})
        t = votable(r.body).get_first_table()
        check(r.status == 200 and len(t.array) == 0, r.text)
        check("VOX:Image_AccessReference" in [f.ucd for f in t.fields], [f.ucd for f in t.fields])
        # FORMAT as a media type; GRAPHIC finds nothing among FITS images; MAXREC; VERB
        check(len(votable(get(m, "/imgs/q/i/siap.xml", dict(base, FORMAT="image/fits")).body)
                  .get_first_table().array) == 9, "FORMAT=image/fits")
        check(len(votable(get(m, "/imgs/q/i/siap.xml", dict(base, FORMAT="GRAPHIC")).body)
                  .get_first_table().array) == 0, "FORMAT=GRAPHIC")
        r = get(m, "/imgs/q/i/siap.xml", dict(base, MAXREC="4"))
        check(len(votable(r.body).get_first_table().array) == 4 and b"OVERFLOW" in r.body, r.text)
        few = [f.name for f in votable(get(m, "/imgs/q/i/siap.xml", dict(base, VERB="0")).body).get_first_table().fields]
        many = [f.name for f in votable(get(m, "/imgs/q/i/siap.xml", dict(base, VERB="3")).body).get_first_table().fields]
        check(len(few) < len(many) and "object" in many and "object" not in few, (few, many))


HOSTILE_SIAP2 = [
    ({"POS": "CIRCLE 10 100 1"}, "POS"),
    ({"POS": "CIRCLE 10 0 nan"}, "POS"),
    ({"POS": "CIRCLE 10 0 -1"}, "POS"),
    ({"POS": "CIRCLE 400 0 1"}, "POS"),
    ({"POS": "BOX 10 0 1 1"}, "POS"),
    ({"POS": "CIRCLE 10 0"}, "POS"),
    ({"POS": "POLYGON 10 0 11 0"}, "POS"),
    ({"POS": "POLYGON " + " ".join("%f %f" % (10 + math.cos(a / 100), math.sin(a / 100)) for a in range(2000))}, "POS"),
    ({"POS": "RANGE 12 11 0 1"}, "POS"),
    ({"POS": "CIRCLE 1e999 0 1"}, "POS"),
    ({"BAND": "5e-7 4e-7"}, "BAND"),
    ({"BAND": "nan"}, "BAND"),
    ({"TIME": "a b"}, "TIME"),
    ({"CALIB": "7"}, "CALIB"),
    ({"CALIB": "x"}, "CALIB"),
    ({"POL": "Z"}, "POL"),
    ({"EXPTIME": "1 2 3"}, "EXPTIME"),
    ({"MAXREC": "-1"}, "MAXREC"),
]

HOSTILE_SIAP1 = [
    ({"SIZE": "1"}, "POS"),
    ({"POS": "15,0"}, "SIZE"),
    ({"POS": "15", "SIZE": "1"}, "POS"),
    ({"POS": "15,95", "SIZE": "1"}, "POS"),
    ({"POS": "nan,0", "SIZE": "1"}, "POS"),
    ({"POS": "15,0", "SIZE": "-1"}, "SIZE"),
    ({"POS": "15,0", "SIZE": "1,2,3"}, "SIZE"),
    ({"POS": "15,0", "SIZE": "1", "INTERSECT": "INSIDE"}, "INTERSECT"),
    ({"POS": "15,0", "SIZE": "1", "VERB": "9"}, "VERB"),
    ({"POS": "15,0", "SIZE": "1", "FORMAT": "image/fits'; DROP TABLE imgs.main; --"}, None),
]


def test_hostile_parameters():
    with Meles("siap_hostile") as m:
        setup(m)
        m.start()
        for params, named in HOSTILE_SIAP2:
            r = get(m, "/imgs/q/i2/siap2.xml", params)
            status, message = query_status(r.body)
            check(r.status == 400 and status == "ERROR", "%r: %d %s" % (params, r.status, r.text[:300]))
            check(named in message, "%r: the message does not name %s: %s" % (params, named, message))
            check("Traceback" not in message and "/" + "tmp" not in message and "pg_" not in message, message)
        for params, named in HOSTILE_SIAP1:
            r = get(m, "/imgs/q/i/siap.xml", params)
            status, message = query_status(r.body)
            if named is None:
                check(r.status == 200 and status == "OK", "%r: %s" % (params, r.text[:300]))
                continue
            check(r.status == 200 and status == "ERROR", "%r: %d %s" % (params, r.status, r.text[:300]))
            check(named in message, "%r: the message does not name %s: %s" % (params, named, message))
        check(m.sql("SELECT count(*) FROM imgs.main") == [[str(len(GRID))]], "the table survived")
        # the server still answers
        r = get(m, "/imgs/q/i2/siap2.xml", {"POS": "CIRCLE 15 0 0.3"})
        check(r.status == 200 and names(r.body, "target_name") == {"p015+0"}, r.text)


def test_footprint_index_serves_pos():
    with Meles("siap_explain") as m:
        setup(m)
        for sql in ["SELECT accref FROM imgs.obs WHERE s_region && scircle(spoint(radians(15), radians(0)), radians(0.5))",
                    "SELECT accref FROM imgs.obs WHERE s_region && sbox(spoint(radians(13), radians(-1)), "
                    "spoint(radians(14), radians(1)))",
                    "SELECT accref FROM imgs.main WHERE coverage @> spoint(radians(15), radians(0))"]:
            plan = "\n".join(" ".join(r) for r in m.sql("SET enable_seqscan = off; EXPLAIN " + sql))
            check("Index" in plan and ("pgs_region" in plan or "pgspos" in plan), "%s\n%s" % (sql, plan))
        r = m.cli("val", "imgs/q")
        check(r.returncode == 0, r.stdout + r.stderr)


if __name__ == "__main__":
    run_tests([test_siap2_with_pyvo_and_brute_force, test_siap1_with_pyvo, test_hostile_parameters,
               test_footprint_index_serves_pos])
