"""The Debian package (issue 18 item 4), in four ctest entries (label `package`):

  build     `cpack -G DEB` makes meles_<version>_amd64.deb in <build>/package-test (fixture).
  contents  control fields (Depends covers every library the binary needs), conffiles, the
            maintainer scripts (mode, shellcheck), the files, the systemd unit
            (`systemd-analyze verify`, its sandbox by `systemd-analyze security --offline`),
            the logrotate file (`logrotate --debug`).
  unpacked  `dpkg -x` into an empty directory; the binary finds its files there by itself and
            through $MELES_PREFIX (a copy of it elsewhere): val, start list, init (an embedded
            cluster), imp of an RD with Python code and a q3c index, serve, a TAP query.
  install   a real `dpkg -i` into a throw-away root: an overlay over this machine's / (so the
            dependencies are those installed here) with meles's traces removed, in a private
            mount namespace, no container.  postinst creates the user, the state and the
            database; the unit's own commands (ExecStart, ExecStop, ExecStopPost, as its User
            with its Environment) serve a TAP query; installing it again (an upgrade) keeps the
            conffile's local change and the data; `dpkg --purge` removes data, user and
            configuration.  Skipped (77) where overlay mounts are not allowed.

Usage: package_test.py STAGE BUILD_DIR VERSION   (run by ctest; /usr/bin/python3)
"""
import csv
import glob
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
from harness import check, free_port, run_tests  # noqa: E402

STAGE, BUILD, VERSION = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
OUT = os.path.join(BUILD, "package-test")
DEB_NAME = "meles_%s_amd64.deb" % VERSION

# An RD that needs every installed part: a system RD's mixin (//scs#q3cindex, and q3c in the
# database), Python RD code importing the gavo package (lib/meles/python), TAP_SCHEMA (//tap).
RD = """<resource schema="pkgtest">
  <meta name="title">Package test</meta>
  <meta name="description">Stars imported by an installed meles.</meta>
  <meta name="creationDate">2026-12-08T00:00:00Z</meta>
  <meta name="subject">tests</meta>
  <table id="main" onDisk="True" adql="True" mixin="//scs#q3cindex">
    <column name="id" type="integer" required="True"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main"/>
    <column name="label" type="text"/>
  </table>
  <data id="import">
    <sources>stars.csv</sources>
    <csvGrammar/>
    <make table="main">
      <rowmaker idmaps="id,ra,dec">
        <apply name="label">
          <code>
            from gavo import api
            result["label"] = "star %s at %s" % (@id, api.degToHms(float(@ra)))
          </code>
        </apply>
      </rowmaker>
    </make>
  </data>
</resource>
"""
CSV = "id,ra,dec\n1,10.5,-5.25\n2,180.0,45.0\n3,359.5,-89.0\n"


def run(cmd, env=None, check_rc=True, timeout=300, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, **kw)
    if check_rc and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(map(str, cmd)), r.returncode, r.stdout, r.stderr))
    return r


def deb_path():
    p = os.path.join(OUT, DEB_NAME)
    check(os.path.isfile(p), "%s missing: the package_build test makes it" % p)
    return p


def clean_env(**extra):
    """The environment of this process without Meles's own variables (the layout overrides
    among them), so that what is tested is the binary's own idea of its layout."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("MELES_")}
    e.update(extra)
    return e


def tap_rows(port, query):
    """The rows of a synchronous TAP query, from its CSV form (header line dropped)."""
    url = "http://127.0.0.1:%d/tap/sync?%s" % (port, urllib.parse.urlencode(
        {"REQUEST": "doQuery", "LANG": "ADQL", "RESPONSEFORMAT": "csv", "QUERY": query}))
    with urllib.request.urlopen(url, timeout=60) as r:
        check(r.status == 200, "TAP status %d" % r.status)
        text = r.read().decode("utf-8")
    return list(csv.reader(io.StringIO(text)))[1:]


# ---------------------------------------------------------------------------------- build
def test_cpack_makes_the_package():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    r = run(["cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-G", "DEB", "-B", OUT], timeout=600)
    debs = [os.path.basename(p) for p in glob.glob(os.path.join(OUT, "*.deb"))]
    check(debs == [DEB_NAME], "cpack made %s, expected %s\n%s" % (debs, DEB_NAME, r.stdout))
    shutil.rmtree(os.path.join(OUT, "_CPack_Packages"), ignore_errors=True)


# ------------------------------------------------------------------------------- contents
def control_fields(deb):
    text = run(["dpkg-deb", "-f", deb]).stdout
    fields, last = {}, None
    for line in text.splitlines():
        if line.startswith(" ") and last:
            fields[last] += "\n" + line
        elif ":" in line:
            last, v = line.split(":", 1)
            fields[last] = v.strip()
    return fields


def depends_names(fields):
    names = set()
    for alt in fields.get("Depends", "").split(","):
        for a in alt.split("|"):
            a = a.strip()
            if a:
                names.add(re.split(r"[\s(]", a)[0])
    return names


def test_control_fields():
    f = control_fields(deb_path())
    check(f.get("Package") == "meles", f)
    check(f.get("Version") == VERSION, f)
    check(f.get("Architecture") == "amd64", f)
    check(f.get("Maintainer"), "no Maintainer: %s" % f)
    deps = depends_names(f)
    for p in ("postgresql-15", "postgresql-15-pgsphere", "postgresql-15-q3c", "libpq5", "libpython3.11",
              "libpython3.11-stdlib", "passwd"):
        check(p in deps, "Depends lacks %s: %s" % (p, f.get("Depends")))


def test_depends_cover_every_library():
    """Every shared library the packaged binary needs comes from a package in Depends (what
    dpkg-shlibdeps computed), so `apt install ./meles_*.deb` pulls them all in."""
    deb = deb_path()
    deps = depends_names(control_fields(deb))
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-x", deb, d])
        exe = os.path.join(d, "usr/bin/meles")
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", exe]).stdout)
        lib_paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", exe]).stdout, re.M))
    check(needed, "readelf found no NEEDED entries")
    # Where the dynamic linker finds each one on this machine (the path names the package,
    # where a bare name may match another architecture's copy); one dpkg call for all.
    candidates = {lib: [p for p in (lib_paths.get(lib), os.path.realpath(lib_paths.get(lib, "/-"))) if p]
                  for lib in needed}
    owner_of = {}
    for line in run(["dpkg", "-S"] + sorted({p for ps in candidates.values() for p in ps}), check_rc=False).stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        owner_of[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
    owners = {lib: next((owner_of[p] for p in ps if p in owner_of), "") for lib, ps in candidates.items()}
    # A package also counts through the names it provides (libspdlog1.10 provides
    # libspdlog1.10-fmt9, what its shlibs file tells dependants to depend on).
    provides = {}
    for line in run(["dpkg-query", "-W", "-f=${Package}\t${Provides}\n"] + sorted(set(owners.values()) - {""}),
                    check_rc=False).stdout.splitlines():
        pkg, _, prov = line.partition("\t")
        provides[pkg] = {pkg} | {re.split(r"[\s(]", x.strip())[0] for x in prov.split(",") if x.strip()}
    missing = ["%s (%s)" % (lib, o or "no package") for lib, o in owners.items() if not provides.get(o, set()) & deps]
    check(not missing, "libraries whose packages are not in Depends: %s" % ", ".join(missing))


def test_conffiles_and_maintainer_scripts():
    deb = deb_path()
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-e", deb, d])
        conffiles = open(os.path.join(d, "conffiles")).read().split()
        check(sorted(conffiles) == ["/etc/logrotate.d/meles", "/etc/meles/meles.conf"], conffiles)
        for s in ("postinst", "prerm", "postrm"):
            p = os.path.join(d, s)
            check(os.path.isfile(p), "no %s" % s)
            check(os.stat(p).st_mode & 0o777 == 0o755, "%s has mode %o" % (s, os.stat(p).st_mode & 0o777))
            check(open(p).readline().strip() == "#!/bin/sh", "%s is not a /bin/sh script" % s)
            r = run(["shellcheck", "-s", "sh", p], check_rc=False)
            check(r.returncode == 0, "shellcheck %s:\n%s" % (s, r.stdout + r.stderr))
        postrm = open(os.path.join(d, "postrm")).read()
        check("purge" in postrm and "rm -rf /var/lib/meles" in postrm and "userdel meles" in postrm,
              "postrm purge removes state and user")
    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = {line.split()[-1] if "->" not in line else line.split()[-3] for line in listing.splitlines()}
    for c in conffiles:
        check("." + c in files, "conffile %s is not in the package" % c)
    for p in ("./usr/bin/meles", "./usr/share/meles/system_rds/tap.rd", "./usr/share/meles/system_rds/scs.rd",
              "./usr/share/meles/templates/scs.rdt", "./usr/lib/meles/python/gavo/api.py",
              "./usr/lib/meles/python/meles_rt/__init__.py", "./lib/systemd/system/meles.service",
              "./usr/share/doc/meles/install.md", "./usr/share/doc/meles/configuration.md"):
        check(p in files, "%s is not in the package" % p)
    check(not [p for p in files if "__pycache__" in p or p.endswith(".pyc")], "compiled Python in the package")
    check(not [p for p in files if p.startswith("./var/")], "the package ships files under /var (postinst makes them)")


def test_systemd_unit():
    deb = deb_path()
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-x", deb, d])
        unit = os.path.join(d, "lib/systemd/system/meles.service")
        text = open(unit).read()
        for opt in ("ProtectSystem=strict", "ReadWritePaths=/var/lib/meles", "NoNewPrivileges=yes", "PrivateTmp=yes",
                    "User=meles"):
            check(opt in text, "the unit lacks %s" % opt)
        # verify checks that the commands exist: a copy whose commands point into the
        # unpacked root (`--root` wants a whole system there).  Warnings fail too.
        env = clean_env(SYSTEMD_LOG_LEVEL="warning")
        os.makedirs(os.path.join(d, "verify"))
        copy = os.path.join(d, "verify", "meles.service")
        open(copy, "w").write(text.replace("/usr/bin/meles", os.path.join(d, "usr/bin/meles")))
        r = run(["systemd-analyze", "verify", copy], check_rc=False, env=env)
        out = (r.stdout + r.stderr).strip()
        check(r.returncode == 0 and "meles.service" not in out, "systemd-analyze verify:\n" + out)
        # The sandbox's exposure as systemd rates it (0 best, 10 worst; 'OK' is below 5).
        r = run(["systemd-analyze", "security", "--offline=yes", unit], check_rc=False, env=env)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
        check(m, "systemd-analyze security said:\n" + r.stdout + r.stderr)
        print("systemd-analyze security: exposure %s" % m.group(1))
        check(float(m.group(1)) <= 4.0, "the unit's exposure %s is above 4:\n%s" % (m.group(1), r.stdout))


def test_logrotate_file():
    deb = deb_path()
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-x", deb, d])
        r = run(["logrotate", "--debug", "--state", os.path.join(d, "state"), os.path.join(d, "etc/logrotate.d/meles")],
                check_rc=False)
        out = r.stdout + r.stderr
        check(r.returncode == 0 and "error" not in out.lower(), "logrotate --debug:\n" + out)
        check("/var/lib/meles/logs/*.log" in out, out)


# ------------------------------------------------------------------------------- unpacked
def test_unpacked_tree_serves():
    deb = deb_path()
    tmp = tempfile.mkdtemp(prefix="meles-pkg-", dir="/tmp")
    os.chmod(tmp, 0o755)  # the database's system user must reach the state below it
    root, state = os.path.join(tmp, "root"), os.path.join(tmp, "state")
    run(["dpkg-deb", "-x", deb, root])
    unpacked = os.path.join(root, "usr/bin/meles")
    # A copy of the binary away from its files: only $MELES_PREFIX leads it there.
    os.makedirs(os.path.join(tmp, "bin"))
    meles = os.path.join(tmp, "bin", "meles")
    shutil.copy2(unpacked, meles)
    prefix = os.path.join(root, "usr")
    env = clean_env(MELES_PREFIX=prefix, MELES_CONFIG=os.path.join(state, "meles.conf"))
    conf = ["--config", os.path.join(state, "meles.conf")]
    try:
        v = run([unpacked, "--version"], env=clean_env()).stdout
        check("meles %s\n" % VERSION in v, v)
        check("layout: installed (%s)" % prefix in v, "the unpacked binary finds its files beside it:\n" + v)
        v = run([meles, "--version"], env=env).stdout
        check("layout: $MELES_PREFIX (%s)" % prefix in v, v)
        for part in ("system RDs: %s/share/meles/system_rds" % prefix, "templates: %s/share/meles/templates" % prefix,
                     "python: %s/lib/meles/python" % prefix):
            check(part in v, "%s not in\n%s" % (part, v))
        port = free_port()
        run([meles] + conf + ["init", "--port", str(port)], env=env)
        rd_dir = os.path.join(state, "inputs", "pkgtest")
        os.makedirs(rd_dir)
        open(os.path.join(rd_dir, "q.rd"), "w").write(RD)
        open(os.path.join(rd_dir, "stars.csv"), "w").write(CSV)
        run([meles] + conf + ["val", "pkgtest/q"], env=env)
        out = run([meles] + conf + ["start", "list"], env=env).stdout
        check("scs" in out and "taptable" in out, "meles start list:\n" + out)
        run([meles] + conf + ["imp", "pkgtest/q"], env=env)
        # As after a reboot: the daemon starts the database itself, and `serve start` still
        # returns once it serves (the database must not inherit the pipe it waits on).
        run([meles] + conf + ["db", "stop"], env=env)
        run([meles] + conf + ["serve", "start"], env=env, timeout=60)
        rows = tap_rows(port, "SELECT id, label FROM pkgtest.main WHERE 1=CONTAINS(POINT(ra, dec), "
                              "CIRCLE(10.5, -5.25, 1)) ORDER BY id")
        check(rows == [["1", "star 1 at 00 42 00.000"]], rows)
    finally:
        if os.path.exists(os.path.join(state, "meles.conf")):
            run([meles] + conf + ["serve", "stop"], env=env, check_rc=False)
            run([meles] + conf + ["db", "stop"], env=env, check_rc=False)
        shutil.rmtree(tmp, ignore_errors=True)


# -------------------------------------------------------------------------------- install
INNER = "install-inner"


def test_dpkg_install_and_purge():
    if os.geteuid() != 0:
        print("SKIPPED: dpkg -i into an overlay root needs root")
        sys.exit(77)
    deb = deb_path()
    tmp = tempfile.mkdtemp(prefix="meles-pkgroot-", dir="/tmp")
    try:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, os.path.abspath(__file__),
                            INNER, BUILD, VERSION, deb, tmp], capture_output=True, text=True, timeout=600)
        print(r.stdout, end="")
        if r.returncode == 77:
            print(r.stderr, end="")
            sys.exit(77)
        check(r.returncode == 0, "the install in the overlay root failed:\n" + r.stdout + r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def inner_install(deb, tmp):
    """In a private mount namespace: `tmp/m/root` is an overlay over / whose writes go to a
    tmpfs; dpkg installs, the unit's commands run, dpkg purges, all inside it."""
    m = os.path.join(tmp, "m")
    os.makedirs(m)
    r = run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", m], check_rc=False)
    if r.returncode != 0:
        print("SKIPPED: cannot mount a tmpfs here: " + r.stderr.strip())
        sys.exit(77)
    upper, work, root = (os.path.join(m, x) for x in ("upper", "work", "root"))
    for x in (upper, work, root):
        os.makedirs(x)
    r = run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=/,upperdir=%s,workdir=%s" % (upper, work), root],
            check_rc=False)
    if r.returncode != 0:
        print("SKIPPED: overlay mounts are not allowed here: " + r.stderr.strip())
        sys.exit(77)
    run(["mount", "-t", "proc", "proc", os.path.join(root, "proc")])
    run(["mount", "--rbind", "/dev", os.path.join(root, "dev")])
    for d in ("dev/shm", "tmp", "run"):
        run(["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", os.path.join(root, d)])
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive",
           "HOME": "/root"}

    def ch(*cmd, check_rc=True, timeout=300):
        return run(["chroot", root] + list(cmd), env=env, check_rc=check_rc, timeout=timeout)

    # A clean root as far as Meles goes: nothing of a Meles installed, or run, on this machine.
    ch("sh", "-c", "rm -rf /var/lib/meles /etc/meles /usr/bin/meles /usr/share/meles /usr/lib/meles "
                   "/lib/systemd/system/meles.service /etc/systemd/system/multi-user.target.wants/meles.service; "
                   # A user meles of this machine (the test cluster's) is renamed, not removed:
                   # its id stays taken, so the package's new user cannot share it with processes
                   # running outside (userdel would refuse to remove a user with processes).
                   "sed -i 's/^meles:/meles-host:/' /etc/passwd /etc/shadow /etc/group /etc/gshadow; "
                   "if dpkg -s meles >/dev/null 2>&1; then dpkg --purge --force-all meles; fi")
    shutil.copy(deb, os.path.join(root, "tmp", "meles.deb"))
    port = free_port()
    started = False
    unit = {}
    try:
        r = ch("dpkg", "-i", "/tmp/meles.deb", check_rc=False, timeout=300)
        check(r.returncode == 0, "dpkg -i:\n" + r.stdout + r.stderr)
        print("dpkg -i: ok")
        check(ch("getent", "passwd", "meles").stdout.split(":")[5] == "/var/lib/meles", "the user's home")
        check(os.readlink(os.path.join(root, "var/lib/meles/meles.conf")) == "/etc/meles/meles.conf",
              "the configuration link")
        pg_version = os.path.join(root, "var/lib/meles/pgdata/PG_VERSION")
        check(os.path.isfile(pg_version), "postinst made no database (meles init)")
        owner = ch("stat", "-c", "%U", "/var/lib/meles/pgdata").stdout.strip()
        check(owner == "meles", "pgdata belongs to %s" % owner)
        check(not os.path.exists(os.path.join(root, "var/lib/meles/pgdata/postmaster.pid")),
              "postinst left the database running outside the unit")
        check(os.path.islink(os.path.join(root, "etc/systemd/system/multi-user.target.wants/meles.service")),
              "the unit is not enabled")
        # Start as systemd would: the unit's User, Environment and commands.
        for line in open(os.path.join(root, "lib/systemd/system/meles.service")):
            k, _, v = line.strip().partition("=")
            if k in ("User", "Environment", "ExecStart", "ExecStop", "ExecStopPost"):
                unit.setdefault(k, []).append(v)
        ch("sed", "-i", "s/^serverPort = .*/serverPort = %d/" % port, "/etc/meles/meles.conf")

        def as_unit(cmd):
            return ch("setpriv", "--reuid", unit["User"][0], "--regid", unit["User"][0], "--init-groups",
                      "env", *unit["Environment"], *shlex.split(cmd), timeout=200)

        as_unit(unit["ExecStart"][0])
        started = True
        rows = tap_rows(port, "SELECT table_name FROM TAP_SCHEMA.tables WHERE table_name = 'tap_schema.tables'")
        check(rows == [["tap_schema.tables"]], rows)
        print("TAP query through the unit's ExecStart: ok")
        for c in unit["ExecStop"] + unit["ExecStopPost"]:
            as_unit(c)
        started = False
        check(not os.path.exists(os.path.join(root, "var/lib/meles/pgdata/postmaster.pid")),
              "ExecStop/ExecStopPost left the database running")
        # An upgrade (the same version again): postinst runs `meles init` on the existing
        # database; the conffile keeps the local change, the data stays.  The account is made
        # by root's CLI, which finds /var/lib/meles/meles.conf by itself.
        ch("meles", "adm", "adduser", "pkguser", "a-password")
        r = ch("dpkg", "-i", "/tmp/meles.deb", check_rc=False, timeout=300)
        check(r.returncode == 0, "dpkg -i over the installed package:\n" + r.stdout + r.stderr)
        conf = open(os.path.join(root, "etc/meles/meles.conf")).read()
        check("serverPort = %d" % port in conf, "the upgrade lost the local change of the conffile:\n" + conf)
        check("pkguser" in ch("meles", "adm", "listusers").stdout, "the upgrade lost the account")
        as_unit(unit["ExecStart"][0])
        started = True
        check(tap_rows(port, "SELECT COUNT(*) FROM TAP_SCHEMA.schemas WHERE schema_name = 'tap_schema'") == [["1"]],
              "TAP after the upgrade")
        for c in unit["ExecStop"] + unit["ExecStopPost"]:
            as_unit(c)
        started = False
        print("upgrade: ok")
        r = ch("dpkg", "--purge", "meles", check_rc=False)
        check(r.returncode == 0, "dpkg --purge:\n" + r.stdout + r.stderr)
        for p in ("var/lib/meles", "etc/meles", "usr/bin/meles", "usr/share/meles", "lib/systemd/system/meles.service"):
            check(not os.path.lexists(os.path.join(root, p)), "/%s is still there after purge" % p)
        check(ch("getent", "passwd", "meles", check_rc=False).returncode != 0, "the user meles survived the purge")
        print("dpkg --purge: ok")
    finally:
        if started:
            for c in unit.get("ExecStop", []) + unit.get("ExecStopPost", []):
                try:
                    as_unit(c)
                except Exception as e:  # noqa
                    print("cleanup: %s" % e)
        pid_file = os.path.join(root, "var/lib/meles/pgdata/postmaster.pid")
        if os.path.exists(pid_file):
            run(["kill", "-QUIT", open(pid_file).readline().strip()], check_rc=False)
            time.sleep(1)


if __name__ == "__main__":
    if STAGE == INNER:
        inner_install(sys.argv[4], sys.argv[5])
        sys.exit(0)
    run_tests({
        "build": [test_cpack_makes_the_package],
        "contents": [test_control_fields, test_depends_cover_every_library, test_conffiles_and_maintainer_scripts,
                     test_systemd_unit, test_logrotate_file],
        "unpacked": [test_unpacked_tree_serves],
        "install": [test_dpkg_install_and_purge],
    }[STAGE])
