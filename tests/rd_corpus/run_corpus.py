#!/usr/bin/python3
"""Runs Meles over the corpus of real DaCHS RDs listed in corpus.tsv.

The RDs themselves are NOT in this repository (their licences were not checked): each row
names a public GitHub repository, a path and a commit.  Snapshots of those repositories are
kept beside the checkout (bare git directories, MELES_RD_CORPUS_MIRROR or ../.mirror as the
`fetch` tool lays them out: <mirror>/<owner>+<name>/repo).  Where none are present the test is
skipped (exit 77).

For each row whose snapshot is present the runner extracts the repository at that commit into
a temporary inputs directory (the repository root goes to inputs/<place>), runs `meles val` and
compares the verdict with the list: `meles_val` is what this version of Meles answers (a change
fails the test, so regressions and improvements are both noticed; update the list with --update),
`dachs_val` is what DaCHS 2.7 answered (recorded with dachs_verdicts.sh), and the summary counts
how many RDs get DaCHS's verdict.  Rows with expected row counts (data committed to the
repository) are also imported into a test database with `meles imp`, counted, and dropped again
(with --imp, or when run under ctest with the test cluster).

    run_corpus.py [--meles BIN] [--only REGEX] [--imp] [--update] [--verbose]
    run_corpus.py --record-dachs [--only REGEX]   # fills dachs_val from DaCHS 2.7's `dachs val`
    run_corpus.py --record-dachs-rows DIR [--only REGEX]  # fills rows from DaCHS 2.7's `dachs imp`

--record-dachs runs the real DaCHS (Debian's gavodachs2-server, /usr/bin/dachs) over the same
extracted trees with a private configuration (GAVOSETTINGS: its own root, inputs, logs and
cache below a temporary directory; the database profiles of /var/gavo/etc), so it touches
neither the DaCHS installation's inputs nor its database.  --record-dachs-rows imports the
RDs DaCHS accepts with `dachs imp` (as the PostgreSQL superuser dachsroot) into the database
of a DaCHS root DIR prepared for it (DIR/gavo.rc, DIR/etc/dsn naming a database of its own on
which `dachs init` ran), counts the rows of the tables each RD made and drops them again.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
COLUMNS = ["repo", "path", "commit", "place", "userconfig", "exercises", "dachs_val", "meles_val", "rows", "meles_rows",
           "note"]


def mirror_dirs():
    env = os.environ.get("MELES_RD_CORPUS_MIRROR")
    if env:
        return [env]
    return [os.path.join(SOURCE, "..", ".mirror"), os.path.join(SOURCE, "..", "..", ".mirror")]


def git_dir(repo):
    for m in mirror_dirs():
        base = os.path.join(m, repo.replace("/", "+"), "repo")
        for g in (os.path.join(base, ".git"), base):
            if os.path.isfile(os.path.join(g, "HEAD")):
                return g
    return None


def read_list(path):
    rows = []
    with open(path) as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                continue
            rows.append(dict(zip(header, fields + [""] * (len(header) - len(fields)))))
    return rows


def write_list(path, rows):
    with open(path) as f:
        comments = [l for l in f if l.startswith("#")]
    with open(path, "w") as f:
        f.writelines(comments)
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(r.get(c, "") for c in COLUMNS) + "\n")


def extract(gitdir, commit, dest):
    """git archive, except that blobs absent from the snapshot (large files) are skipped."""
    out = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "-z", commit], capture_output=True, check=True).stdout
    missing = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind != b"blob":
            continue
        target = os.path.join(dest, path.decode())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        r = subprocess.run(["git", "--git-dir", gitdir, "cat-file", "blob", sha.decode()], capture_output=True)
        if r.returncode != 0:
            missing.append(path.decode())
            continue
        with open(target, "wb") as f:
            f.write(r.stdout)
        if mode == b"100755":
            os.chmod(target, 0o755)
    return missing


# What an RD uses that issue 13 is about: the system procedures and mixins it names and the
# places of Python code in it (the `exercises` column; the summary counts verdicts per item).
SITE_PATTERNS = [
    ("embeddedGrammar", r"<embeddedGrammar\b"), ("customGrammar", r"<customGrammar\b"),
    ("apply", r"<apply\b[^>]*>\s*(<setup|<code)"), ("procDef", r"<procDef\b"),
    ("rowfilter", r"<rowfilter\b"), ("codeItems", r"<codeItems\b"), ("processEarly", r"<processEarly\b"),
    ("processLate", r"<processLate\b"), ("pythonCore", r"<pythonCore\b"), ("metaMaker", r"<metaMaker\b"),
    ("script-python", r"<script\b[^>]*lang=[\"']python"), ("execute", r"<execute\b"),
]


def exercises(text):
    used = sorted(set(re.findall(r"//(?:procs|epntap2)#[\w-]+", text)))
    used += [name for name, pat in SITE_PATTERNS if re.search(pat, text)]
    return " ".join(used)


def rd_id(row):
    path = row["path"][:-3] if row["path"].endswith(".rd") else row["path"]
    return path if row["place"] == "." else row["place"] + "/" + path


class Corpus:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="meles-rd-corpus-")
        self.extracted = {}

    def inputs_for(self, row):
        key = (row["repo"], row["commit"], row["place"])
        if key not in self.extracted:
            inputs = os.path.join(self.tmp, "in%d" % len(self.extracted))
            dest = inputs if row["place"] == "." else os.path.join(inputs, row["place"])
            os.makedirs(dest, exist_ok=True)
            extract(git_dir(row["repo"]), row["commit"], dest)
            self.extracted[key] = (inputs, dest)
        return self.extracted[key]

    def rd_text(self, row):
        inputs, root = self.inputs_for(row)
        with open(os.path.join(root, row["path"]), encoding="utf-8", errors="replace") as f:
            return f.read()

    def val(self, row):
        inputs, root = self.inputs_for(row)
        cmd = [self.args.meles, "val", "--inputs", inputs]
        if row.get("userconfig"):
            cmd += ["--userconfig", os.path.join(root, row["userconfig"])]
        cmd.append(rd_id(row))
        env = dict(os.environ)
        env.pop("MELES_INPUTS", None)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=self.tmp)
        if r.returncode not in (0, 1):
            return "Crash", r.stdout + r.stderr
        return ("OK" if r.returncode == 0 else "Fail"), r.stdout + r.stderr

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def record_dachs(corpus, rows):
    """dachs val over each row; returns {id(row): (verdict, output)}."""
    root = os.path.join(corpus.tmp, "dachs")
    for d in ("logs", "tmp", "cache", "state", "etc", "web"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for d, dest in (("/var/gavo/etc", "etc"), ("/var/gavo/cache", "cache")):
        if os.path.isdir(d):
            for name in os.listdir(d):
                src = os.path.join(d, name)
                if os.path.isfile(src):
                    shutil.copy(src, os.path.join(root, dest, name))
    out = {}
    for row in rows:
        inputs, place = corpus.inputs_for(row)
        os.makedirs(os.path.join(inputs, "__system"), exist_ok=True)
        userconfig = os.path.join(root, "etc", "userconfig.rd")
        if os.path.exists(userconfig):
            os.remove(userconfig)
        if row.get("userconfig"):
            shutil.copy(os.path.join(place, row["userconfig"]), userconfig)
        rc = os.path.join(root, "gavo.rc")
        with open(rc, "w") as f:
            f.write("[general]\nrootDir: %s\ninputsDir: %s\nlogDir: %s/logs\ntempDir: %s/tmp\n"
                    "cacheDir: %s/cache\nstateDir: %s/state\nconfigDir: %s/etc\nwebDir: %s/web\n"
                    "[web]\nserverURL: http://localhost:8080\n[ivoa]\nauthority: x-unregistered\n"
                    % (root, inputs, root, root, root, root, root, root))
        env = dict(os.environ, GAVOSETTINGS=rc, GAVOCUSTOM=os.path.join(root, "nocustom"))
        try:
            r = subprocess.run(["dachs", "val", rd_id(row)], capture_output=True, text=True, timeout=300,
                               env=env, cwd=inputs)
            text = r.stdout + r.stderr
            last = [l for l in text.splitlines() if l.strip()]
            # The verdict ends the output: "OK" on a line of its own after warnings, or
            # "rd/id -- OK" when there was nothing to say.
            verdict = "OK" if last and (last[-1].strip() == "OK" or last[-1].rstrip().endswith(" -- OK")) else "Fail"
        except subprocess.TimeoutExpired:
            verdict, text = "Fail", "timed out"
        out[id(row)] = (verdict, text)
        print("dachs %-48s %s" % (rd_id(row), verdict), flush=True)
    return out


def record_dachs_rows(corpus, rows, root):
    """dachs imp of each row into the private DaCHS root; returns {id(row): "table=n,..."}."""
    out = {}
    rc = os.path.join(root, "gavo.rc")
    inputs = os.path.join(root, "in")
    dsn = dict(l.split("=", 1) for l in open(os.path.join(root, "etc", "dsn")).read().replace(" = ", "=").split("\n") if "=" in l)
    db = dsn.get("database", "gavo").strip()

    def psql(sql):
        r = subprocess.run(["su", "postgres", "-c", "psql -X -At -p 5432 -d %s -c \"%s\"" % (db, sql)],
                           capture_output=True, text=True)
        return r.stdout.strip()

    for row in rows:
        src_inputs, place = corpus.inputs_for(row)
        dest = inputs if row["place"] == "." else os.path.join(inputs, row["place"])
        shutil.rmtree(os.path.join(inputs, row["place"]) if row["place"] != "." else os.path.join(inputs, row["path"].split("/")[0]), ignore_errors=True)
        shutil.copytree(place, dest, dirs_exist_ok=True)
        subprocess.run(["chmod", "-R", "a+rwX", root])
        cmd = "cd %s && GAVOSETTINGS=%s timeout 1200 dachs imp %s" % (inputs, rc, rd_id(row))
        r = subprocess.run(["su", "dachsroot", "-c", cmd], capture_output=True, text=True)
        tables = psql("SELECT tablename FROM dc.tablemeta WHERE sourcerd = '%s'" % rd_id(row)).split()
        counts = []
        for t in tables:
            if psql("SELECT relkind FROM pg_class WHERE oid = to_regclass('%s')" % t) == "r":
                counts.append("%s=%s" % (t, psql("SELECT count(*) FROM %s" % t)))
        spec = ",".join(counts) if r.returncode == 0 and counts else "-"
        out[id(row)] = spec
        print("dachs imp %-44s %s%s" % (rd_id(row), spec, "" if r.returncode == 0 else
                                          " (failed: %s)" % (r.stdout + r.stderr).strip().splitlines()[-1:]),
              flush=True)
        subprocess.run(["su", "dachsroot", "-c", "cd %s && GAVOSETTINGS=%s dachs drop %s" % (inputs, rc, rd_id(row))],
                       capture_output=True, text=True)
    return out


def expected_rows(spec):
    out = {}
    for item in spec.split(","):
        if "=" in item:
            k, v = item.split("=", 1)
            out[k.strip().lower()] = int(v)
    return out


def import_rows(corpus, rows):
    """Imports each row (those DaCHS imported) into its own test database, counts the rows of
    the tables DaCHS made and drops the RD again; returns {id(row): outcome}, the outcome being
    "table=n,..." as in the rows column, or "Fail: why"."""
    sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
    from harness import Meles  # noqa: E402
    out = {}
    for i, row in enumerate(rows):
        want = expected_rows(row["rows"])
        inputs, root = corpus.inputs_for(row)
        extra = "[general]\ninputsDir = %s\n" % inputs
        if row.get("userconfig"):
            extra += "userconfig = %s\n" % os.path.join(root, row["userconfig"])
        with Meles("corpus%d" % i, extra_config=extra) as m:
            r = m.cli("imp", rd_id(row), timeout=1800)
            if r.returncode != 0:
                lines = [l for l in (r.stdout + r.stderr).splitlines() if l.startswith("meles:")]
                why = (lines[-1] if lines else (r.stdout + r.stderr).strip().splitlines()[-1])[:200]
                # Paths of this run (the throw-away inputs, the checkout) would make the recorded
                # result depend on where the tests ran.
                why = re.sub(r"/tmp/meles-rd-corpus-\w+/in\d+/", "", why).replace(SOURCE + "/", "")
                out[id(row)] = "Fail: " + why.replace("\t", " ")
            else:
                counts = []
                for table in want:
                    got = m.sql("SELECT CASE WHEN to_regclass('%s') IS NULL THEN -1 ELSE 0 END" % table)[0][0]
                    n = m.sql("SELECT count(*) FROM %s" % table)[0][0] if got == "0" else "missing"
                    counts.append("%s=%s" % (table, n))
                out[id(row)] = ",".join(counts)
                r = m.cli("drop", "--all", rd_id(row))
                left = [t for t in want if m.sql("SELECT to_regclass('%s') IS NOT NULL" % t)[0][0] == "t"]
                if r.returncode != 0 or left:
                    out[id(row)] += " (drop failed: %s)" % (", ".join(left) or (r.stdout + r.stderr).strip()[-200:])
        print("imp  %-45s %s   (DaCHS: %s)" % (rd_id(row), out[id(row)], row["rows"]), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meles", default=os.environ.get("MELES_BIN") or os.path.join(SOURCE, "build", "cli", "meles"))
    ap.add_argument("--list", default=os.path.join(HERE, "corpus.tsv"))
    ap.add_argument("--only", help="regular expression over repo:path")
    ap.add_argument("--imp", action="store_true", help="also import rows with expected counts (needs the test cluster)")
    ap.add_argument("--update", action="store_true", help="write Meles's verdicts into the list")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--record-dachs", action="store_true", help="run DaCHS 2.7's dachs val and write its verdicts into the list")
    ap.add_argument("--record-dachs-rows", metavar="DIR", help="import with DaCHS 2.7 (a prepared DaCHS root) and write the row counts into the list")
    args = ap.parse_args()
    if os.environ.get("MELES_TEST_STATE"):
        args.imp = True

    rows = read_list(args.list)
    if args.only:
        rows_sel = [r for r in rows if re.search(args.only, r["repo"] + ":" + r["path"])]
    else:
        rows_sel = rows
    present = [r for r in rows_sel if git_dir(r["repo"])]
    if not present:
        print("no snapshots of the corpus repositories found (looked in %s); set MELES_RD_CORPUS_MIRROR"
              % ", ".join(mirror_dirs()))
        sys.exit(77)

    corpus = Corpus(args)
    if args.record_dachs:
        try:
            verdicts = record_dachs(corpus, present)
        finally:
            corpus.cleanup()
        for r in present:
            r["dachs_val"] = verdicts[id(r)][0]
            if args.verbose:
                print(verdicts[id(r)][1])
        write_list(args.list, rows)
        print("DaCHS verdicts of %d RDs written to %s" % (len(present), args.list))
        return
    if args.record_dachs_rows:
        try:
            counts = record_dachs_rows(corpus, [r for r in present if r["dachs_val"] == "OK"], args.record_dachs_rows)
        finally:
            corpus.cleanup()
        for r in present:
            if id(r) in counts:
                r["rows"] = counts[id(r)]
        write_list(args.list, rows)
        print("DaCHS row counts written to %s" % args.list)
        return
    changed, changed_rows, agree, total = [], [], 0, 0
    imported = {}
    try:
        for row in present:
            verdict, output = corpus.val(row)
            total += 1
            dachs = row["dachs_val"]
            if verdict == dachs:
                agree += 1
            mark = "  " if verdict == row["meles_val"] else "!!"
            print("%s %-48s meles %-5s dachs %-5s %s" % (mark, rd_id(row), verdict, dachs,
                                                         "" if verdict == dachs else "(differs from DaCHS)"), flush=True)
            if args.verbose or (verdict != row["meles_val"] and not args.update):
                print("   " + output.strip().replace("\n", "\n   ")[:3000])
            if verdict != row["meles_val"]:
                changed.append((row, verdict))
            if args.update:
                row["meles_val"] = verdict
                row["exercises"] = exercises(corpus.rd_text(row))
        imported = {}
        if args.imp:
            imported = import_rows(corpus, [r for r in present if r["rows"] not in ("", "-")])
        for r in present:
            if id(r) not in imported:
                continue
            if imported[id(r)] != r["meles_rows"]:
                changed_rows.append((r, imported[id(r)]))
            if args.update:
                r["meles_rows"] = imported[id(r)]
    finally:
        corpus.cleanup()
    print("%d of %d corpus RDs checked (%d snapshots missing); %d get DaCHS's verdict from meles val"
          % (total, len(rows_sel), len(rows_sel) - len(present), agree))
    if imported:
        same = sum(1 for r in present if id(r) in imported and imported[id(r)] == r["rows"])
        print("%d of %d RDs DaCHS imported from their committed data get the same row counts from meles imp"
              % (same, len(imported)))
    for item in ("//procs", "//epntap2"):
        users = [r for r in present if item + "#" in r["exercises"]]
        if users:
            print("%s: used by %d RDs, %d of them get DaCHS's verdict; %d imported with DaCHS's row counts"
                  % (item, len(users), sum(1 for r in users if r["meles_val"] == r["dachs_val"]),
                     sum(1 for r in users if r["rows"] not in ("", "-") and r["meles_rows"] == r["rows"])))
    if args.update:
        write_list(args.list, rows)
        print("verdicts written to %s" % args.list)
        changed, changed_rows = [], []
    for row, verdict in changed:
        print("verdict changed: %s: %s -> %s" % (rd_id(row), row["meles_val"], verdict))
    for row, got in changed_rows:
        print("import changed: %s: %s -> %s" % (rd_id(row), row["meles_rows"], got))
    sys.exit(1 if changed or changed_rows else 0)


if __name__ == "__main__":
    main()
