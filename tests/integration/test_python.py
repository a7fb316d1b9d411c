"""RD code written for DaCHS runs in Meles's embedded Python (issue 13): procDef applies with
setup, rowmaker expressions beyond the native subset, embedded and custom grammars, python
scripts, //procs and //epntap2, pythonCore services; and bad input: a Python exception names
the RD line, the source row and the exception and leaves the old table; syntax errors are
`meles val` errors at their line."""
import os
import re
import urllib.parse

from harness import Meles, check, run_tests, votlint

RD = r"""<resource schema="pyt">
  <meta name="title">Python sites</meta>
  <meta name="description">RD code in every place Meles runs it.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">tests</meta>

  <procDef id="scale" type="apply">
    <setup>
      <par key="factor">2</par>
      <par key="col" late="True">"n"</par>
      <code>
        import math
        def scaled(x):
          return x * factor
      </code>
    </setup>
    <code>
      vars[col] = scaled(int(vars[col]))
    </code>
  </procDef>

  <table id="main" onDisk="True" adql="True">
    <column name="n" type="integer" required="True"/>
    <column name="flux" type="double precision"/>
    <column name="label" type="text"/>
    <column name="kind" type="text"/>
    <column name="pos" type="spoint"/>
    <column name="mjd" type="double precision"/>
    <script type="postCreation" lang="python" name="comment">
      table.query("COMMENT ON TABLE %s IS 'made by a python script'" % table.getQName())
    </script>
  </table>

  <data id="import">
    <sources>data/x.csv</sources>
    <csvGrammar/>
    <make table="main">
      <rowmaker idmaps="n">
        <apply procDef="scale"/>
        <apply procDef="//procs#dictMap">
          <bind key="key">"kind"</bind>
          <bind key="mapping">{"s": "star", "g": "galaxy"}</bind>
        </apply>
        <apply name="derive">
          <code>
            if @n > 100:
              raise IgnoreThisRow()
            result["label"] = "row %s of %s" % (@n, rd.schema)
            @flux = float(@flux) ** 2
            from gavo import api
            result["mjd"] = api.dateTimeToMJD(api.parseISODT(@obs))
            base.ui.notifyInfo("made row %s" % @n)
          </code>
        </apply>
        <map key="flux">@flux</map>
        <map key="kind">@kind</map>
        <map key="pos">(lambda a, d: pgsphere.SPoint.fromDegrees(a, d))(float(@ra), float(@dec))</map>
      </rowmaker>
    </make>
  </data>

  <table id="gen" onDisk="True">
    <column name="i" type="integer"/>
    <column name="sq" type="bigint"/>
  </table>
  <data id="embedded">
    <sources item="4"/>
    <embeddedGrammar>
      <iterator><code>
        for i in range(int(self.sourceToken)):
          yield {"i": i, "sq": i * i}
      </code></iterator>
    </embeddedGrammar>
    <make table="gen"/>
  </data>

  <table id="custom" onDisk="True">
    <column name="word" type="text"/>
    <column name="len" type="integer"/>
  </table>
  <data id="words">
    <sources>data/words.txt</sources>
    <customGrammar module="res/wordgrammar"/>
    <make table="custom"/>
  </data>

  <service id="sq" allowed="form,api">
    <meta name="title">Squares</meta>
    <pythonCore>
      <inputTable>
        <inputKey name="n" type="integer" required="True" description="How many"/>
      </inputTable>
      <outputTable>
        <outputField name="i" type="integer"/>
        <outputField name="square" type="double precision"/>
      </outputTable>
      <coreProc>
        <code>
          n = inputTable.getParam("n")
          if n > 1000:
            raise base.ValidationError("at most 1000 rows, please", "n")
          return rsc.TableForDef(self.outputTable, rows=[{"i": i, "square": float(i * i)} for i in range(n)])
        </code>
      </coreProc>
    </pythonCore>
  </service>
</resource>
"""

GRAMMAR = """from gavo.grammars.customgrammar import CustomRowIterator

class RowIterator(CustomRowIterator):
    def _iterRows(self):
        with open(self.sourceToken) as f:
            for word in f.read().split():
                yield {"word": word, "len": len(word)}
"""

GOOD = "n,flux,kind,ra,dec,obs\n1,2.5,s,10,20,2000-01-01T12:00:00\n2,3,g,11,21,2000-01-02T00:00:00\n200,1,s,0,0,2000-01-01\n"


def setup(m, data=GOOD, rd=RD):
    d = os.path.join(m.state, "inputs", "pyt")
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    os.makedirs(os.path.join(d, "res"), exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(rd)
    with open(os.path.join(d, "data", "x.csv"), "w") as f:
        f.write(data)
    with open(os.path.join(d, "data", "words.txt"), "w") as f:
        f.write("badger sett\nmeles\n")
    with open(os.path.join(d, "res", "wordgrammar.py"), "w") as f:
        f.write(GRAMMAR)
    return d


def rd_line(pattern, rd=RD):
    for i, line in enumerate(rd.split("\n"), 1):
        if pattern in line:
            return i
    raise AssertionError("no line with " + pattern)


def test_import_runs_every_python_site():
    with Meles("py_import") as m:
        setup(m)
        r = m.cli("val", "pyt/q")
        check(r.returncode == 0, "val: " + r.stdout + r.stderr)
        r = m.cli("imp", "pyt/q", "import", "embedded", "words")
        check(r.returncode == 0, "imp: " + r.stdout + r.stderr)
        check("made row 2" in r.stderr, "notifyInfo goes to the log: " + r.stderr)
        rows = m.sql("SELECT n, flux, label, kind, round(degrees(long(pos))::numeric, 6), mjd FROM pyt.main ORDER BY n")
        check(rows == [["2", "6.25", "row 2 of pyt", "star", "10.000000", "51544.5"],
                       ["4", "9", "row 4 of pyt", "galaxy", "11.000000", "51545"]], repr(rows))
        check(m.sql("SELECT obj_description('pyt.main'::regclass)") == [["made by a python script"]],
              "the postCreation script ran on the new table")
        check(m.sql("SELECT i, sq FROM pyt.gen ORDER BY i") == [["0", "0"], ["1", "1"], ["2", "4"], ["3", "9"]],
              "embeddedGrammar")
        check(m.sql("SELECT word, len FROM pyt.custom ORDER BY word") ==
              [["badger", "6"], ["meles", "5"], ["sett", "4"]], "customGrammar")


def test_python_exception_names_rd_line_row_and_keeps_old_table():
    with Meles("py_error") as m:
        setup(m)
        r = m.cli("imp", "pyt/q", "import")
        check(r.returncode == 0, r.stdout + r.stderr)
        setup(m, data="n,flux,kind,ra,dec,obs\n1,2.5,s,10,20,2000-01-01\n3,oops,s,1,1,2000-01-01\n")
        r = m.cli("imp", "pyt/q", "import")
        out = r.stdout + r.stderr
        check(r.returncode != 0, "a failing apply fails the import: " + out)
        check("data/x.csv:3" in out, "names the source row: " + out)
        check("q.rd:%d" % rd_line('@flux = float(@flux) ** 2') in out, "names the RD line of the code: " + out)
        check("ValueError: could not convert string to float: 'oops'" in out, "names the exception: " + out)
        check("Traceback" not in out, "no Python traceback: " + out)
        check(m.sql("SELECT count(*) FROM pyt.main") == [["2"]], "the old table stays")
        # A dictMap that meets an unknown key: the //procs procedure's own error.
        setup(m, data="n,flux,kind,ra,dec,obs\n1,2.5,x,10,20,2000-01-01\n")
        out = m.cli("imp", "pyt/q", "import")
        out = out.stdout + out.stderr
        check("dictMap: 'x' is not among the keys" in out and "data/x.csv:2" in out, out)
        check(m.sql("SELECT count(*) FROM pyt.main") == [["2"]], "the old table stays")


def test_python_syntax_errors_are_val_errors_at_their_line():
    bad = RD.replace("if @n > 100:", "if @n > 100").replace(
        "for i in range(int(self.sourceToken)):", "for i in range(int(self.sourceToken):")
    bad = bad.replace('<map key="flux">@flux</map>', '<map key="flux">[x for x in @flux if]</map>')
    with Meles("py_syntax") as m:
        setup(m, rd=bad)
        r = m.cli("val", "pyt/q")
        out = r.stdout + r.stderr
        check(r.returncode != 0, out)
        for pattern in ("if @n > 100", "for i in range(int(self.sourceToken):", '<map key="flux">'):
            line = rd_line(pattern, bad)
            check(re.search(r"q\.rd:%d: .*[Ss]yntax" % line, out), "syntax error at line %d: %s" % (line, out))
        r = m.cli("imp", "pyt/q")
        check(r.returncode != 0, "imp refuses the RD too")
        check(m.sql("SELECT to_regclass('pyt.main') IS NULL") == [["t"]], "nothing was made")


def test_python_core_service_through_http():
    with Meles("py_core") as m:
        setup(m)
        m.start()
        r = m.get("/pyt/q/sq/api?n=3")
        check(r.status == 200, "api: %d %s" % (r.status, r.text[:500]))
        check(votlint(r.body) == "", "votlint: " + votlint(r.body))
        from astropy.io.votable import parse_single_table
        import io
        t = parse_single_table(io.BytesIO(r.body)).to_table()
        check(list(t["square"]) == [0.0, 1.0, 4.0], repr(t))
        r = m.get("/pyt/q/sq/api?n=5000")
        check(r.status == 400 and b"at most 1000 rows" in r.body, "ValidationError -> 400: %d %s" % (r.status, r.body[:300]))
        r = m.get("/pyt/q/sq/api")
        check(r.status == 400 and b"missing parameter n" in r.body, "required key: %d %s" % (r.status, r.body[:300]))
        r = m.get("/pyt/q/sq/api?n=abc")
        check(r.status == 400 and b"not an integer" in r.body, "typed key: %d %s" % (r.status, r.body[:300]))
        r = m.get("/pyt/q/sq/form?n=2")
        check(r.status == 200 and b"<table" in r.body and b"Squares" in r.body, "form: " + r.text[:400])
        # Request parameters are data, never code.
        r = m.get("/pyt/q/sq/api?n=" + urllib.parse.quote("__import__('os').system('touch /tmp/meles_pwned')"))
        check(r.status == 400 and not os.path.exists("/tmp/meles_pwned"), "parameters are not evaluated")


def test_epntap2_table_with_procs_and_tap_schema():
    rd = r"""<resource schema="epn">
  <meta name="title">EPN test</meta>
  <meta name="description">A tiny EPN-TAP 2.0 service.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">planetology</meta>
  <table id="epn_core" onDisk="True">
    <mixin spatial_frame_type="body" optional_columns="access_url access_format access_estsize">//epntap2#table-2_0</mixin>
  </table>
  <data id="import">
    <sources>data/g.csv</sources>
    <csvGrammar/>
    <make table="epn_core">
      <rowmaker idmaps="*">
        <apply procDef="//procs#dictMap">
          <bind key="key">"target"</bind>
          <bind key="mapping">{"M": "Mars", "V": "Venus"}</bind>
        </apply>
        <apply procDef="//epntap2#populate-2_0">
          <bind key="granule_uid">@gid</bind>
          <bind key="granule_gid">"maps"</bind>
          <bind key="obs_id">@gid</bind>
          <bind key="dataproduct_type">"ma"</bind>
          <bind key="target_name">@target</bind>
          <bind key="target_class">"planet"</bind>
          <bind key="c1min">float(@lon1)</bind>
          <bind key="c1max">float(@lon2)</bind>
          <bind key="c2min">float(@lat1)</bind>
          <bind key="c2max">float(@lat2)</bind>
          <bind key="s_region">pgsphere.SPoly.fromDALI([float(@lon1), float(@lat1), float(@lon2), float(@lat1), float(@lon2), float(@lat2)])</bind>
          <bind key="processing_level">3</bind>
          <bind key="instrument_host_name">"MRO"</bind>
          <bind key="instrument_name">"CTX"</bind>
          <bind key="service_title">"epntest"</bind>
          <bind key="creation_date">"2021-3-4"</bind>
        </apply>
        <!-- populate-2_0 knows only the mandatory columns (as in DaCHS): optional ones are vars -->
        <var key="access_url">"http://example.org/" + @gid</var>
        <var key="access_format">"image/png"</var>
        <var key="access_estsize">12</var>
      </rowmaker>
    </make>
  </data>
  <!-- EPN-TAP services often publish epn_core as a view over their own tables -->
  <table id="epn_view" onDisk="True" adql="True">
    <mixin spatial_frame_type="body" optional_columns="access_url access_format access_estsize">//epntap2#table-2_0</mixin>
    <viewStatement>CREATE VIEW \qName AS (SELECT \colNames FROM \schema.epn_core)</viewStatement>
  </table>
  <data id="view">
    <make table="epn_view"/>
  </data>
</resource>
"""
    with Meles("py_epn") as m:
        d = os.path.join(m.state, "inputs", "epn")
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write(rd)
        with open(os.path.join(d, "data", "g.csv"), "w") as f:
            f.write("gid,target,lon1,lon2,lat1,lat2\ng1,M,10,20,-5,5\ng2,V,100,110,30,40\n")
        r = m.cli("imp", "epn/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        rows = m.sql("SELECT granule_uid, target_name, c1min, spatial_frame_type, processing_level, time_min IS NULL, "
                     "access_estsize, creation_date, npoints(s_region) FROM epn.epn_core ORDER BY 1")
        check(rows == [["g1", "Mars", "10", "body", "3", "t", "12", "2021-03-04 00:00:00", "3"],
                       ["g2", "Venus", "100", "body", "3", "t", "12", "2021-03-04 00:00:00", "3"]], repr(rows))
        cols = dict((c[0], c[1:]) for c in m.sql(
            "SELECT column_name, unit, ucd, datatype FROM tap_schema.columns WHERE table_name = 'epn.epn_core'"))
        check(cols["c1min"] == ["deg", "pos.bodyrc.lon;stat.min", "double"], repr(cols["c1min"]))
        check(cols["c3max"] == ["km", "pos.bodyrc.alt;stat.max", "double"], repr(cols["c3max"]))
        check(cols["c1_resol_min"] == ["deg", "pos.angResolution;stat.min", "double"], repr(cols["c1_resol_min"]))
        check(cols["time_min"] == ["d", "time.start;obs", "double"], repr(cols["time_min"]))
        check(cols["access_estsize"][:2] == ["kbyte", "phys.size;meta.file"], repr(cols["access_estsize"]))
        check(cols["s_region"][1] == "pos.outline;obs.field", repr(cols["s_region"]))
        check(len(cols) == 49, "%d columns: the 46 mandatory ones and 3 optional ones" % len(cols))
        check(m.sql("SELECT utype FROM tap_schema.tables WHERE table_name = 'epn.epn_core'") ==
              [["ivo://ivoa.net/std/epntap#table-2.0"]], "table utype")
        check(m.sql("SELECT granule_uid, target_name, access_url FROM epn.epn_view ORDER BY 1") ==
              [["g1", "Mars", "http://example.org/g1"], ["g2", "Venus", "http://example.org/g2"]], "the view")
        check(m.sql("SELECT count(*) FROM tap_schema.columns WHERE table_name = 'epn.epn_view'") == [["49"]] and
              m.sql("SELECT utype FROM tap_schema.tables WHERE table_name = 'epn.epn_view'") ==
              [["ivo://ivoa.net/std/epntap#table-2.0"]], "the view's TAP_SCHEMA metadata")
        r = m.cli("drop", "--all", "epn/q")
        check(r.returncode == 0 and m.sql("SELECT to_regclass('epn.epn_core') IS NULL AND to_regclass('epn.epn_view') IS NULL")
              == [["t"]], r.stdout + r.stderr)


PROCS_RD = r"""<resource schema="procs">
  <meta name="title">//procs</meta>
  <meta name="description">The standard procedures of //procs in an import.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">tests</meta>
  <table id="lookup" onDisk="True">
    <column name="name" type="text"/>
    <column name="z" type="double precision"/>
  </table>
  <data id="fill_lookup" auto="False">
    <sources>data/lookup.csv</sources>
    <csvGrammar/>
    <make table="lookup"/>
  </data>
  <table id="main" onDisk="True">
    <column name="obj" type="text"/>
    <column name="tag" type="text"/>
    <column name="k" type="integer"/>
    <column name="ra" type="double precision"/>
    <column name="dec" type="double precision"/>
    <column name="z" type="double precision"/>
    <column name="n" type="integer"/>
  </table>
  <data id="import">
    <sources>data/objects.csv</sources>
    <csvGrammar>
      <rowfilter procDef="//procs#expandComma">
        <bind key="srcField">"tags"</bind>
        <bind key="destField">"tag"</bind>
      </rowfilter>
      <rowfilter procDef="//procs#expandIntegers">
        <bind key="startName">"first"</bind>
        <bind key="endName">"last"</bind>
        <bind key="indName">"k"</bind>
      </rowfilter>
    </csvGrammar>
    <make table="main">
      <rowmaker>
        <apply procDef="//procs#mapValue">
          <bind key="destination">"cleaned"</bind>
          <bind key="sourceName">"procs/res/names.txt"</bind>
          <bind key="failuresMapThrough">True</bind>
          <bind key="value">@obj</bind>
        </apply>
        <apply procDef="//procs#resolveObject">
          <bind key="resolverCache">"procs/res/cache.txt"</bind>
          <bind key="identifier">@cleaned</bind>
        </apply>
        <apply procDef="//procs#simpleSelect">
          <bind key="assignments">"z:zval"</bind>
          <bind key="table">"procs.lookup"</bind>
          <bind key="column">"name"</bind>
          <bind key="val">@cleaned</bind>
        </apply>
        <apply procDef="//procs#fullQuery">
          <bind key="query">"SELECT count(*) AS nlookup FROM procs.lookup WHERE z &lt; 1"</bind>
        </apply>
        <map key="obj">@cleaned</map>
        <map key="tag">@tag</map>
        <map key="k">@k</map>
        <map key="ra">@simbadAlpha</map>
        <map key="dec">@simbadDelta</map>
        <map key="z">@zval</map>
        <map key="n">@nlookup</map>
      </rowmaker>
    </make>
  </data>
</resource>
"""


def test_procs_procedures_in_an_import():
    """mapValue, resolveObject (without the network), simpleSelect, fullQuery, and the rowfilters
    expandComma and expandIntegers, one after the other as DaCHS runs them; drop --all
    removes the tables of both data elements."""
    with Meles("py_procs") as m:
        d = os.path.join(m.state, "inputs", "procs")
        os.makedirs(os.path.join(d, "data"))
        os.makedirs(os.path.join(d, "res"))
        files = {"q.rd": PROCS_RD,
                 "data/lookup.csv": "name,z\nM31,0.001\nJ004244.3+411609,0.5\n",
                 "data/objects.csv": 'obj,tags,first,last\nAndromeda,"a, b",1,2\nJ004244.3+411609,c,5,5\n',
                 # target, a tab, quoted-printable source names
                 "res/names.txt": "M31\tAndromeda Andromeda=20Galaxy\n",
                 "res/cache.txt": "M31 10.6847 41.2690\n"}
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        r = m.cli("val", "procs/q")
        check(r.returncode == 0, "val: " + r.stdout + r.stderr)
        r = m.cli("imp", "procs/q", "fill_lookup")
        check(r.returncode == 0, "imp lookup: " + r.stdout + r.stderr)
        r = m.cli("imp", "procs/q")
        check(r.returncode == 0, "imp: " + r.stdout + r.stderr)
        rows = m.sql("SELECT obj, tag, k, round(ra::numeric, 4), round(dec::numeric, 4), z, n "
                     "FROM procs.main ORDER BY obj, tag, k")
        check(rows == [["J004244.3+411609", "c", "5", "10.6846", "41.2692", "0.5", "2"],
                       ["M31", "a", "1", "10.6847", "41.2690", "0.001", "2"],
                       ["M31", "a", "2", "10.6847", "41.2690", "0.001", "2"],
                       ["M31", "b", "1", "10.6847", "41.2690", "0.001", "2"],
                       ["M31", "b", "2", "10.6847", "41.2690", "0.001", "2"]], repr(rows))
        r = m.cli("drop", "--all", "procs/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check(m.sql("SELECT to_regclass('procs.main') IS NULL AND to_regclass('procs.lookup') IS NULL") == [["t"]],
              "drop --all removes both tables: " + r.stdout)


# The seed's on-loaded example ("On-loaded Execute-s"), with numpy's .npy files for h5py's.
SEED_RD = r"""<resource schema="rome">
  <meta name="title">ROME photometry</meta>
  <meta name="description">Functions attached to rd by an on-loaded job.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">photometry</meta>
  <execute on="loaded" title="define functions"><job>
    <setup imports="numpy"/>
    <code>
    def get_photpoints(field, quadrant, quadrant_id):
      dest_path = "data/ROME-FIELD-{:02d}_quad{:d}_photometry.npy".format(
        field, quadrant)
      arr = numpy.load(rd.getAbsPath(dest_path))

      photpoints = arr[quadrant_id-1]
      photpoints = numpy.array(photpoints)
      photpoints[photpoints==0] = numpy.nan
      photpoints[photpoints==-9999.99] = numpy.nan

      return photpoints


    def get_photpoints_for_rome_id(rome_id):
      field = rome_id//10000000
      quadrant = (rome_id//1000000)%10
      quadrant_id = (rome_id%1000000)
      base.ui.notifyInfo(f"{field} {quadrant} {quadrant_id}")
      return get_photpoints(field, quadrant, quadrant_id)

    rd.get_photpoints = get_photpoints
    rd.get_photpoints_for_rome_id = get_photpoints_for_rome_id
  </code></job></execute>
  <service id="phot" allowed="api">
    <meta name="title">ROME photometry points</meta>
    <pythonCore>
      <inputTable>
        <inputKey name="rome_id" type="bigint" required="True" description="ROME star id"/>
      </inputTable>
      <outputTable>
        <outputField name="i" type="integer"/>
        <outputField name="mag" type="double precision"/>
      </outputTable>
      <coreProc>
        <setup imports="numpy"/>
        <code>
          pts = self.rd.get_photpoints_for_rome_id(inputTable.getParam("rome_id"))
          return rsc.TableForDef(self.outputTable,
            rows=[{"i": i, "mag": None if numpy.isnan(v) else float(v)} for i, v in enumerate(pts)])
        </code>
      </coreProc>
    </pythonCore>
  </service>
</resource>
"""


def test_seed_on_loaded_functions_on_rd():
    import numpy
    with Meles("py_seed") as m:
        d = os.path.join(m.state, "inputs", "rome")
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write(SEED_RD)
        # field 2, quadrant 3: star 2 has the points 17.5, a zero and -9999.99 (both null)
        numpy.save(os.path.join(d, "data", "ROME-FIELD-02_quad3_photometry.npy"),
                   numpy.array([[1.0, 2.0, 3.0], [17.5, 0.0, -9999.99]]))
        r = m.cli("val", "rome/q")
        check(r.returncode == 0, "val: " + r.stdout + r.stderr)
        m.start()
        r = m.get("/rome/q/phot/api?rome_id=23000002")
        check(r.status == 200, "api: %d %s" % (r.status, r.text[:500]))
        from astropy.io.votable import parse_single_table
        import io
        t = parse_single_table(io.BytesIO(r.body)).to_table()
        check(list(t["i"]) == [0, 1, 2] and t["mag"][0] == 17.5 and t["mag"].mask[1] and t["mag"].mask[2], repr(t))


if __name__ == "__main__":
    run_tests([test_import_runs_every_python_site, test_python_exception_names_rd_line_row_and_keeps_old_table,
               test_python_syntax_errors_are_val_errors_at_their_line, test_python_core_service_through_http,
               test_epntap2_table_with_procs_and_tap_schema,
               test_procs_procedures_in_an_import, test_seed_on_loaded_functions_on_rd])
