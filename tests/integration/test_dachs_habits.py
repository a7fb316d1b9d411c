"""DaCHS habits in the CLI (issue 13, item 5): `meles drop --all`, `meles config KEY` with a
bare key, `meles imp` of an RD without data elements, `<br/>` in meta text -- each as an
operator used to `dachs` types it."""
import os

from harness import Meles, check, run_tests

META = """<meta name="title">Habits</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="description">Tables filled by hand and automatically.<br/>Second line.</meta>
  <meta name="subject">stars</meta>"""

TWO_TABLES = """<resource schema="habits">
  %s
  <table id="auto" onDisk="True" adql="True">
    <meta name="description">Filled automatically.<br/>Line two.</meta>
    <column name="id" type="integer" description="Number"/>
  </table>
  <table id="manual" onDisk="True" adql="True">
    <column name="id" type="integer" description="Number"/>
  </table>
  <data id="import">
    <sources>data/a.csv</sources>
    <csvGrammar/>
    <make table="auto"/>
  </data>
  <data id="extra" auto="False">
    <sources>data/a.csv</sources>
    <csvGrammar/>
    <make table="manual"/>
  </data>
</resource>
""" % META

NO_DATA = """<resource schema="nodata" resdir="habits">
  %s
  <table id="main" onDisk="True"><column name="id" type="integer"/></table>
</resource>
""" % META

ONLY_MANUAL = """<resource schema="onlymanual" resdir="habits">
  %s
  <table id="main" onDisk="True"><column name="id" type="integer"/></table>
  <data id="extra" auto="False"><sources>data/a.csv</sources><csvGrammar/><make table="main"/></data>
  <data id="more" auto="False"><sources>data/a.csv</sources><csvGrammar/><make table="main"/></data>
</resource>
""" % META


def write(m, rd_id, text):
    path = os.path.join(m.state, "inputs", rd_id + ".rd")
    os.makedirs(os.path.join(os.path.dirname(path), "data"), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    with open(os.path.join(os.path.dirname(path), "data", "a.csv"), "w") as f:
        f.write("id\n1\n2\n3\n")


def tables_in(m, schema):
    return sorted(r[0] for r in m.sql("SELECT tablename FROM pg_tables WHERE schemaname = '%s'" % schema))


def test_drop_keeps_manual_tables_unless_all():
    with Meles("habits_drop") as m:
        write(m, "habits/q", TWO_TABLES)
        r = m.cli("imp", "habits/q")
        check(r.returncode == 0 and "habits.auto: 3 rows" in r.stdout, r.stdout + r.stderr)
        r = m.cli("imp", "habits/q", "extra")
        check(r.returncode == 0 and "habits.manual: 3 rows" in r.stdout, r.stdout + r.stderr)
        check(tables_in(m, "habits") == ["auto", "manual"], tables_in(m, "habits"))
        # as `dachs drop`: the table only auto="False" data makes stays, and the operator is told
        r = m.cli("drop", "habits/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("dropped habits.auto" in r.stdout, r.stdout)
        check('kept habits.manual (made only by data elements with auto="False"; meles drop --all habits/q drops it)'
              in r.stdout, r.stdout)
        check(tables_in(m, "habits") == ["manual"], tables_in(m, "habits"))
        check(m.sql("SELECT count(*) FROM habits.manual") == [["3"]], "rows of the kept table")
        check(m.sql("SELECT count(*) FROM tap_schema.tables WHERE table_name = 'habits.manual'") == [["1"]],
              "the kept table left TAP_SCHEMA")
        # --all: every data element's tables, and the schema with them
        r = m.cli("drop", "--all", "habits/q")
        check(r.returncode == 0 and "dropped habits.manual" in r.stdout, r.stdout + r.stderr)
        check(m.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'habits'") == [["0"]], "schema left")
        check(m.sql("SELECT count(*) FROM tap_schema.tables WHERE table_name LIKE 'habits.%'") == [["0"]],
              "TAP_SCHEMA rows left")
        r = m.cli("drop", "--help")
        check("--all" in r.stdout, r.stdout)


def test_imp_of_an_rd_without_data_elements():
    with Meles("habits_imp") as m:
        # nothing to import is no failure (dachs imp: a warning, exit 0)
        write(m, "habits/nodata", NO_DATA)
        r = m.cli("imp", "habits/nodata")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("RD habits/nodata has no data element; nothing to import" in r.stdout, r.stdout)
        check(m.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'nodata'") == [["0"]], "something was created")
        # data elements that all have auto="False": name them (dachs imp fails so, too)
        write(m, "habits/onlymanual", ONLY_MANUAL)
        r = m.cli("imp", "habits/onlymanual")
        check(r.returncode == 1, r.stdout + r.stderr)
        check('has no data element with auto="True"; name the ones to import: meles imp habits/onlymanual extra more'
              in r.stderr, r.stderr)
        r = m.cli("imp", "habits/onlymanual", "more")
        check(r.returncode == 0 and "onlymanual.main: 3 rows" in r.stdout, r.stdout + r.stderr)


def test_config_takes_keys_as_dachs_config():
    with Meles("habits_config") as m:
        inputs = os.path.join(m.state, "inputs")
        for args in (["inputsDir"], ["general.inputsDir"], ["general", "inputsDir"]):
            r = m.cli("config", *args)
            check(r.returncode == 0 and r.stdout.strip() == inputs, (args, r.stdout, r.stderr))
        port = m.cli("config", "web.serverPort").stdout.strip()
        for args in (["serverPort"], ["web", "serverPort"]):
            r = m.cli("config", *args)
            check(r.returncode == 0 and r.stdout.strip() == port, (args, r.stdout, r.stderr))
        r = m.cli("config", "inputsDir", "logLevel")
        check(r.stdout.split("\n")[:2] == [inputs, "debug"], r.stdout)
        r = m.cli("config", "serverprt")
        check(r.returncode == 1 and "unknown configuration key serverprt (did you mean 'web.serverPort'?)" in r.stderr,
              r.stderr)


def test_br_in_meta_is_a_line_break():
    with Meles("habits_br") as m:
        write(m, "habits/q", TWO_TABLES)
        r = m.cli("val", "habits/q")
        check(r.returncode == 0 and "habits/q: OK" in r.stdout, r.stdout + r.stderr)
        r = m.cli("imp", "habits/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        # the table's description reaches TAP_SCHEMA whole (DaCHS 2.7 keeps only what follows
        # the last <br/>), its blanks normalised as DaCHS does there
        rows = m.sql("SELECT description FROM tap_schema.tables WHERE table_name = 'habits.auto'")
        check(rows == [["Filled automatically. Line two."]], rows)


if __name__ == "__main__":
    run_tests([test_drop_keeps_manual_tables_unless_all, test_imp_of_an_rd_without_data_elements,
               test_config_takes_keys_as_dachs_config, test_br_in_meta_is_a_line_break])
