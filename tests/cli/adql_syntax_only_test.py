"""`meles adql --syntax-only` over the lyonetia ADQL corpus (ivoa/ and gavo/): every case must be
accepted or rejected exactly as labelled, case by case, through the command line.

Usage: adql_syntax_only_test.py MELES_BINARY CORPUS_DIR.  Exits 77 (ctest: skipped) when the
corpus is absent.  A case's declared user-defined functions (<functions> of its file or query)
are passed with --udf (comma-separated), as the lyonetia validator declares them; without declarations the command
takes any prefixed name (ivo_x, eso_y) as some service's function.  The issue's examples are
checked too.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

MELES, CORPUS = sys.argv[1], sys.argv[2]


def declared(elem):
    out = []
    for form in elem.findall("functions/function/form"):
        out.append(form.text.strip().split("(")[0].strip())
    return out


def cases():
    for sub in ("ivoa", "gavo"):
        folder = os.path.join(CORPUS, sub)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".xml"):
                continue
            root = ET.parse(os.path.join(folder, name)).getroot()
            file_udfs = declared(root)
            for q in root.findall("query"):
                udfs = file_udfs + declared(q)
                for a in q.findall("adql"):
                    yield "%s/%s" % (sub, name), a.text or "", a.get("valid") == "true", udfs


def syntax_ok(query, udfs=()):
    args = [MELES, "adql", "--syntax-only"]
    if udfs:
        args += ["--udf", ",".join(udfs)]
    r = subprocess.run(args + ["-"], input=query.encode(), capture_output=True, timeout=60)
    if r.returncode not in (0, 1) or (r.returncode == 1 and not r.stderr.strip()):
        sys.exit("meles adql failed oddly (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
    return r.returncode == 0, r.stderr.decode(errors="replace").strip()


def main():
    if not os.path.isdir(os.path.join(CORPUS, "ivoa")) or not os.path.isdir(os.path.join(CORPUS, "gavo")):
        print("ADQL corpus not found at %s" % CORPUS)
        sys.exit(77)
    failures, counts = [], {}
    for where, query, valid, udfs in cases():
        ok, msg = syntax_ok(query, udfs)
        sub = where.split("/")[0]
        n, good = counts.get(sub, (0, 0))
        counts[sub] = (n + 1, good + (ok == valid))
        if ok != valid:
            failures.append("%s: labelled %s, %s\n    %s" % (where, "valid" if valid else "invalid",
                                                          "accepted" if ok else "rejected: " + msg,
                                                          " ".join(query.split())))
    for sub, (n, good) in sorted(counts.items()):
        print("%s: %d of %d as labelled" % (sub, good, n))
    # the cases (issue 11.2), without declarations
    for query, want in [("SELECT ivo_foo(6) || 9 FROM Y", True),
                        ("select ivo_getstring() || 'abc' from t", True),
                        ("SELECT ESO_INTERSECTION(a, b) FROM t", True),
                        ("SELECT eso_dateadd_sec(-360, t0) FROM t", True),
                        ("SELECT POINT('ICRS', 1) FROM t", False),
                        ("SELECT POINT(1) FROM t", False),
                        ("SELECT CIRCLE('ICRS', 1, 2) FROM t", False),
                        ("SELECT BOX('ICRS', 1, 2, 3) FROM t", False),
                        ("SELECT ABS(1, 2) FROM t", False),
                        ("select x from y where TAN2(x) < 3", False)]:
        ok, msg = syntax_ok(query)
        if ok != want:
            failures.append("%s: want %s, got %s" % (query, "accepted" if want else "rejected", msg or "accepted"))
    # declaring the service's functions closes the set
    ok, _ = syntax_ok("SELECT my_undefined_function(ra, dec) FROM t", ["ivo_healpix_index"])
    if ok:
        failures.append("an undeclared function was accepted although the service's functions were given")
    if sum(n for n, _ in counts.values()) < 480:
        failures.append("the corpus looks truncated: %s" % counts)
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
