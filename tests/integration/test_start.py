"""`meles start` (issue 16, item 1): RDs written from templates/ that work at once.  For each
template this Meles can use: generated without questions, checked by `meles val`, imported,
published, its services queried (TAP with pyvo, the cone search, the form) and dropped; the
same with the operator's own data file; the interactive questions through a pty with bad
answers asked again; bad options refused with nothing written; no file overwritten without
--force; the templates this Meles cannot use yet listed with what they lack; the templates
found by an installed meles (`cmake --install`)."""
import io
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from harness import MELES, SOURCE, Meles, check, run_tests

CONFIG = "[ivoa]\nauthority = meles.test\n"


def votable_rows(body):
    from astropy.io.votable import parse
    return parse(io.BytesIO(body), verify="ignore").get_first_table().to_table()


def ok(r, what):
    check(r.returncode == 0, "%s failed (%d):\n%s%s" % (what, r.returncode, r.stdout, r.stderr))
    return r


def tap_rows(m, query):
    import pyvo
    return pyvo.dal.TAPService(m.url + "/tap").run_sync(query).to_table()


def start(m, *args):
    # input="" makes stdin a pipe: never a terminal, so nothing is asked
    return m.cli("start", *args, input="")


def val_imp_pub(m, rd_id):
    r = ok(m.cli("val", rd_id), "val " + rd_id)
    check("warning" not in (r.stdout + r.stderr).lower(), "val warns:\n" + r.stdout + r.stderr)
    ok(m.cli("imp", rd_id), "imp " + rd_id)
    ok(m.cli("limits", rd_id), "limits " + rd_id)
    r = ok(m.cli("pub", rd_id), "pub " + rd_id)
    return r


def test_list_names_all_templates_and_what_they_lack():
    with Meles("start_list") as m:
        r = ok(m.cli("start", "list"), "start list")
        lines = r.stdout.splitlines()
        names = [l.split(" -- ")[0] for l in lines if " -- " in l]
        check(names == ["epntap", "scs", "siap", "ssap+datalink", "taptable"], names)
        check("scs -- Catalogs via SCS and TAP" in lines, r.stdout)
        check("taptable -- Any sort of data via a plain TAP table" in lines, r.stdout)
        text = r.stdout
        # //epntap2 exists now (issue 13.2): what epntap lacks is its RD section.
        for name, lacks in [("siap", "//siap2#pgs (the SIAP2 image table mixin"),
                            ("ssap+datalink", "//ssap#view (the SSAP spectra table mixin")]:
            i = lines.index(next(l for l in lines if l.startswith(name + " -- ")))
            check(lines[i + 1] == "    not available yet; it needs", text)
            check(lines[i + 2].startswith("      " + lacks) and lines[i + 2].endswith("yet"), text)
            r = start(m, name, "--defaults")
            check(r.returncode == 1, "%s must fail: %s %s" % (name, r.stdout, r.stderr))
            check("the %s template is not available yet; it needs %s" % (name, lacks) in r.stderr, r.stderr)
        for name in ["epntap", "scs", "taptable"]:
            i = lines.index(next(l for l in lines if l.startswith(name + " -- ")))
            check(i + 1 == len(lines) or " -- " in lines[i + 1], "%s is usable: %s" % (name, text))
        r = start(m, "scz")
        check(r.returncode == 1 and "no template 'scz'; did you mean 'scs'?" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(m.state, "inputs", "mycat")), "something was written")


def test_scs_end_to_end():
    with Meles("start_scs", CONFIG) as m:
        r = ok(start(m, "scs", "--schema", "conetest", "--title", "Cones & stars"), "start scs")
        d = os.path.join(m.state, "inputs", "conetest")
        check("wrote %s/q.rd" % d in r.stdout and "wrote %s/data/sample.csv" % d in r.stdout, r.stdout)
        check("meles val conetest/q" in r.stdout, r.stdout)
        rd = open(os.path.join(d, "q.rd")).read()
        check("Cones &amp; stars" in rd and 'schema="conetest"' in r.stdout + rd, rd[:500])
        out = val_imp_pub(m, "conetest/q")
        check("ivo://meles.test/conetest/q/cone published" in out.stdout, out.stdout)
        m.start()
        t = tap_rows(m, "SELECT id, ra, dec FROM conetest.main")
        check(len(t) == 8, "TAP: %d rows" % len(t))
        r = m.get("/conetest/q/cone/scs.xml?RA=10&DEC=10&SR=0.5")
        check(r.status == 200, r.text[:300])
        ids = sorted(int(x) for x in votable_rows(r.body)["id"])
        check(ids == [1, 2, 3, 4, 5], ids)
        r = m.get("/conetest/q/cone/form")
        check(r.status == 200 and "<form" in r.text, r.text[:300])
        # the form's own query answers too
        r = m.get("/conetest/q/cone/form?hscs_pos=10+10&hscs_sr=30")
        check(r.status == 200 and "Sample 1" in r.text, r.text[:500])
        m.stop()
        ok(m.cli("pub", "-u", "conetest/q"), "pub -u")
        ok(m.cli("drop", "conetest/q"), "drop")
        check(m.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'conetest'")[0][0] == "0", "schema left")


def test_taptable_end_to_end():
    with Meles("start_taptable", CONFIG) as m:
        # answers are text: backslashes (RD macros) and XML characters stay what they are
        title = "Fluxes \\ in \\foo & <b>"
        ok(start(m, "taptable", "--defaults", "--schema", "tt", "--title", title), "start taptable")
        out = val_imp_pub(m, "tt/q")
        check("ivo://meles.test/tt/q/main published" in out.stdout, out.stdout)
        m.start()
        r = m.get("/oai.xml?verb=GetRecord&metadataPrefix=ivo_vor&identifier=ivo://meles.test/tt/q/main")
        check(r.status == 200 and "<title>Fluxes \\ in \\foo &amp; &lt;b&gt; (table tt.main)</title>" in r.text, r.text[:2000])
        t = tap_rows(m, "SELECT obs_id, flux FROM tt.main ORDER BY obs_id")
        check(list(t["obs_id"]) == ["obs-001", "obs-002", "obs-003", "obs-004", "obs-005"], t)
        r = m.get("/tap/tables")
        check(r.status == 200 and "tt.main" in r.text, r.text[:300])
        m.stop()
        ok(m.cli("drop", "tt/q"), "drop")
        check(m.sql("SELECT count(*) FROM tap_schema.tables WHERE table_name = 'tt.main'")[0][0] == "0", "TAP_SCHEMA")


def test_epntap_end_to_end():
    """An EPN-TAP 2.0 table from the sample, then from the operator's own file (its extra
    columns become extra columns; a file lacking an EPN-TAP field is refused, naming it)."""
    with Meles("start_epntap", CONFIG) as m:
        r = ok(start(m, "epntap", "--defaults", "--schema", "planets"), "start epntap")
        check("TAP serves planets.epn_core" in r.stdout, r.stdout)
        out = val_imp_pub(m, "planets/q")
        check("ivo://meles.test/planets/q/epn_core published" in out.stdout, out.stdout)
        m.start()
        t = tap_rows(m, "SELECT granule_uid, target_name, target_class, time_min, c1min, c2max, "
                        "processing_level, spatial_frame_type, time_scale, time_refposition, service_title, mag "
                        "FROM planets.epn_core ORDER BY granule_uid")
        check(len(t) == 5, "TAP: %d rows" % len(t))
        first = t[0]
        check(first["granule_uid"] == "ceres-20230105-1" and first["target_class"] == "dwarf_planet", first)
        check(abs(first["time_min"] - 2459949.41) < 1e-6 and abs(first["c1min"] - 130.21) < 1e-9, first)
        check(first["processing_level"] == 3 and first["spatial_frame_type"] == "celestial", first)
        check(first["time_scale"] == "UTC" and first["time_refposition"] == "TOPOCENTER", first)
        check(first["service_title"] == "planets", first)
        check(abs(first["mag"] - 7.3) < 1e-5, first)
        # EPN-TAP clients find the table by its utype in TAP_SCHEMA
        u = tap_rows(m, "SELECT utype FROM tap_schema.tables WHERE table_name = 'planets.epn_core'")
        check(list(u["utype"]) == ["ivo://ivoa.net/std/epntap#table-2.0"], u)
        c = tap_rows(m, "SELECT unit, ucd FROM tap_schema.columns "
                        "WHERE table_name = 'planets.epn_core' AND column_name = 'c1min'")
        check(list(c["unit"]) == ["deg"] and "pos.eq.ra" in c["ucd"][0], c)
        m.stop()
        ok(m.cli("drop", "planets/q"), "drop")

        # the operator's file: EPN-TAP fields plus an extra column, in another order
        d = os.path.join(m.state, "inputs", "mine")
        os.makedirs(d)
        sample = open(os.path.join(SOURCE, "templates", "epntap.rdt")).read().split("--- data/sample.csv\n")[1]
        header, *rows = [l.split(",") for l in sample.splitlines()]
        header = header[:-1] + ["exposure"]
        with open(os.path.join(d, "granules.csv"), "w") as f:
            order = list(reversed(range(len(header))))
            f.write(",".join(header[i] for i in order) + "\n")
            for row in rows:
                row = row[:-1] + ["30"]
                f.write(",".join(row[i] for i in order) + "\n")
        ok(start(m, "epntap", "--schema", "mine", "--data", "granules.csv"), "start epntap with own data")
        rd = open(os.path.join(d, "q.rd")).read()
        check(rd.count('<column name="') == 1 and '<column name="exposure" type="bigint"' in rd, rd)
        ok(m.cli("val", "mine/q"), "val own")
        ok(m.cli("imp", "mine/q"), "imp own")
        m.start()
        t = tap_rows(m, "SELECT granule_uid, exposure, c2min FROM mine.epn_core ORDER BY granule_uid")
        check(len(t) == 5 and list(t["exposure"]) == [30] * 5 and abs(t[0]["c2min"] - 22.10) < 1e-9, t)
        m.stop()

        with open(os.path.join(d, "partial.csv"), "w") as f:
            f.write("granule_uid,obs_id,mag\nx,y,3\n")
        r = start(m, "epntap", "--schema", "partial", "--dir", d + "2", "--data", os.path.join(d, "partial.csv"))
        check(r.returncode == 1, r.stdout + r.stderr)
        check("the epntap template reads the fields granule_uid, granule_gid" in r.stderr
              and "the header lacks granule_gid, dataproduct_type" in r.stderr, r.stderr)
        check(not os.path.exists(d + "2"), "something was written")


def test_own_data_files():
    """The columns come from the operator's file: a CSV with RAJ2000/DEJ2000 for scs, a TSV
    for taptable, both found by a pattern."""
    with Meles("start_own", CONFIG) as m:
        d = os.path.join(m.state, "inputs", "owncat")
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "data", "part1.csv"), "w") as f:
            f.write("Seq,RAJ2000,DEJ2000,Vmag,Remark\n1,150.0,2.0,11.5,near\n2,150.2,2.1,,\"far, but not very\"\n"
                    "3,20.0,-5.0,13.25,elsewhere\n")
        with open(os.path.join(d, "data", "part2.csv"), "w") as f:
            f.write("Seq,RAJ2000,DEJ2000,Vmag,Remark\n4,150.1,1.95,9.0,near too\n")
        ok(start(m, "scs", "--schema", "owncat", "--data", "data/part*.csv"), "start scs with own data")
        check(not os.path.exists(os.path.join(d, "data", "sample.csv")), "the sample was written")
        rd = open(os.path.join(d, "q.rd")).read()
        check('name="raj2000" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main"' in rd, rd)
        check('name="vmag" type="double precision"' in rd and 'name="remark" type="text"' in rd, rd)
        check('<meta name="testQuery.ra">150.0</meta>' in rd, rd)
        ok(m.cli("val", "owncat/q"), "val")
        ok(m.cli("imp", "owncat/q"), "imp")
        ok(m.cli("pub", "owncat/q"), "pub")

        t = os.path.join(m.state, "inputs", "owntab")
        os.makedirs(t)
        with open(os.path.join(t, "points.tsv"), "w") as f:
            f.write("when\tvalue\tlabel\n2024.5\t3\tA\n2025.0\t4\tB\n")
        ok(start(m, "taptable", "--schema", "owntab", "--data", "points.tsv", "--format", "tsv"), "taptable tsv")
        ok(m.cli("val", "owntab/q"), "val")
        ok(m.cli("imp", "owntab/q"), "imp")
        m.start()
        r = m.get("/owncat/q/cone/scs.xml?RA=150&DEC=2&SR=0.5")
        check(r.status == 200, r.text[:300])
        check(sorted(int(x) for x in votable_rows(r.body)["seq"]) == [1, 2, 4], r.text[:1000])
        # ADQL reserved words as headers become names with a trailing _
        tt = tap_rows(m, "SELECT when_, value_, label FROM owntab.main ORDER BY label")
        check(list(tt["label"]) == ["A", "B"] and list(tt["value_"]) == [3, 4], tt)
        check(list(tt["when_"]) == [2024.5, 2025.0], tt)


def test_bad_options_are_refused_and_nothing_written():
    with Meles("start_bad") as m:
        inputs = os.path.join(m.state, "inputs")
        r = start(m, "scs", "--schema", "my-cat", "--subject", "catalogue stuff", "--data", "nothere.csv")
        check(r.returncode == 1, r.stdout + r.stderr)
        check("--schema: 'my-cat' is not an SQL identifier" in r.stderr, r.stderr)
        check("--subject: " in r.stderr and "did you mean" in r.stderr, r.stderr)
        check("--data: no file 'nothere.csv' exists" in r.stderr, r.stderr)
        check("wrote" not in r.stdout, r.stdout)
        check(not os.path.exists(os.path.join(inputs, "my-cat")), "written")
        for schema, why in [("Select", "upper-case"), ("select", "reserved word"), ("tap_schema", "belongs to")]:
            r = start(m, "taptable", "--schema", schema)
            check(r.returncode == 1 and why in r.stderr, "%s: %s" % (schema, r.stderr))
        # a file without positions is no cone search
        os.makedirs(os.path.join(inputs, "nopos"))
        with open(os.path.join(inputs, "nopos", "x.csv"), "w") as f:
            f.write("a,b\n1,2\n")
        r = start(m, "scs", "--schema", "nopos", "--data", "x.csv")
        check(r.returncode == 1 and "needs columns of ICRS RA and Dec" in r.stderr and "a, b" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(inputs, "nopos", "q.rd")), "written")


def test_never_overwrites_without_force():
    with Meles("start_force") as m:
        ok(start(m, "taptable", "--schema", "ow"), "first")
        q = os.path.join(m.state, "inputs", "ow", "q.rd")
        with open(q, "a") as f:
            f.write("<!-- edited by the operator -->\n")
        before = open(q).read()
        r = start(m, "taptable", "--schema", "ow", "--title", "Other")
        check(r.returncode == 1, r.stdout + r.stderr)
        check("not overwriting %s and %s" % (q, os.path.join(m.state, "inputs", "ow", "data", "sample.csv")) in r.stderr,
              r.stderr)
        check(open(q).read() == before, "q.rd changed")
        ok(start(m, "taptable", "--schema", "ow", "--title", "Other", "--force"), "--force")
        check("Other" in open(q).read() and "edited by the operator" not in open(q).read(), "not replaced")


class Pty:
    """meles start on a pseudo-terminal, answered line by line."""

    def __init__(self, m, *args):
        self.master, slave = pty.openpty()
        env = dict(os.environ)
        env.pop("MELES_STATE", None)
        self.proc = subprocess.Popen([MELES, "--config", m.conf, "start"] + list(args), stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text, timeout=60):
        deadline = time.time() + timeout
        while text not in self.seen:
            left = deadline - time.time()
            check(left > 0, "waited for %r; got:\n%s" % (text, self.seen))
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                check(chunk, "the program ended before %r:\n%s" % (text, self.seen))
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        i = self.seen.index(text) + len(text)
        before, self.seen = self.seen[:i], self.seen[i:]
        return before

    def send(self, line):
        os.write(self.master, (line + "\n").encode())

    def finish(self):
        rest = ""
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk.decode("utf-8", "replace")
        self.proc.wait(60)
        os.close(self.master)
        return self.proc.returncode, self.seen + rest.replace("\r\n", "\n")


def test_interactive_questions_on_a_terminal():
    with Meles("start_pty", CONFIG) as m:
        p = Pty(m, "scs")
        p.expect("Schema of the tables (a lower-case SQL name) [mycat]: ")
        p.send("Bad-Name")
        got = p.expect("Schema of the tables (a lower-case SQL name) [mycat]: ")
        check("'Bad-Name' is not an SQL identifier (a letter, then letters, digits or _); please answer again." in got,
              got)
        p.send("ptycat")
        p.expect("Title of the resource [My catalogue (a placeholder title)]: ")
        p.send("Stars seen through a pty")
        p.expect("Creators, as \"Last, F.; Other, A.\" [Doe, J.; Roe, R.]: ")
        p.send("")
        p.expect("Description (what the data is, a few sentences) [")
        p.send("")
        p.expect("Subjects: UAT terms separated by ';'")
        p.send("catalogue stuff")
        got = p.expect("Subjects: UAT terms separated by ';'")
        check("did you mean" in got, got)
        p.send("catalogs; stellar astronomy")
        p.expect("Format of the data: csv or tsv [csv]: ")
        p.send("fits")
        got = p.expect("Format of the data: csv or tsv [csv]: ")
        check("'fits' is not csv or tsv; please answer again." in got, got)
        p.send("")
        p.expect("(data/sample.csv: the template's sample) [data/sample.csv]: ")
        p.send("data/missing.csv")
        got = p.expect("[data/sample.csv]: ")
        check("no file 'data/missing.csv' exists" in got, got)
        p.send("")
        rc, rest = p.finish()
        check(rc == 0, "exit %d:\n%s" % (rc, rest))
        check("wrote" in rest and "ptycat/q.rd" in rest, rest)
        rd = open(os.path.join(m.state, "inputs", "ptycat", "q.rd")).read()
        check("Stars seen through a pty" in rd and "<meta name=\"subject\">stellar-astronomy</meta>" in rd, rd)
        ok(m.cli("val", "ptycat/q"), "val")
        ok(m.cli("imp", "ptycat/q"), "imp")
        # end of input while asking: an error, nothing written
        p = Pty(m, "taptable")
        p.expect("[mytable]: ")
        os.write(p.master, b"\x04")
        rc, rest = p.finish()
        check(rc == 1 and "no answer for schema (end of input); nothing written" in rest, "%d %s" % (rc, rest))
        check(not os.path.exists(os.path.join(m.state, "inputs", "mytable")), "written")


def test_installed_meles_finds_its_templates():
    build = os.path.dirname(os.path.dirname(MELES))
    prefix = tempfile.mkdtemp(prefix="meles-install-")
    try:
        r = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True, text=True)
        ok(r, "cmake --install")
        installed = os.path.join(prefix, "share", "meles", "templates")
        check(sorted(os.listdir(installed)) == sorted(os.listdir(os.path.join(SOURCE, "templates"))), installed)
        # a template only the installed copy has shows that the installed directory is the one read
        with open(os.path.join(installed, "only-installed.rdt"), "w") as f:
            f.write("summary: Found next to the installed executable\n")
        env = dict(os.environ)
        env.pop("MELES_TEMPLATES", None)
        r = ok(subprocess.run([os.path.join(prefix, "bin", "meles"), "start", "list"], capture_output=True,
                              text=True, env=env), "installed meles start list")
        check("only-installed -- Found next to the installed executable" in r.stdout, r.stdout)
        check("taptable -- " in r.stdout, r.stdout)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    run_tests([test_list_names_all_templates_and_what_they_lack, test_bad_options_are_refused_and_nothing_written,
               test_never_overwrites_without_force, test_installed_meles_finds_its_templates,
               test_scs_end_to_end, test_taptable_end_to_end, test_epntap_end_to_end, test_own_data_files,
               test_interactive_questions_on_a_terminal])
