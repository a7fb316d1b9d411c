"""The execute scheduler (issue 13 item 3, docs/execute.md): the daemon runs `every` jobs and
on-loaded jobs of the RDs below its inputs without any request, never overlaps a job with
itself, logs and records failures and hanging jobs while it keeps serving, picks up new RDs,
`meles exec RD#job` runs a job by hand, `meles exec --status` and the service info page show
the records, and a restart continues the schedule instead of starting it afresh."""
import os
import re
import time

from harness import Meles, check, run_tests

RD = r"""<resource schema="sched">
  <meta name="title">Scheduled jobs</meta>
  <meta name="description">Jobs the daemon runs on its own.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">tests</meta>

  <execute id="setup" on="loaded" title="attach a greeting"><job><code>
    with base.getAdminConn() as c:
      c.query("CREATE SCHEMA IF NOT EXISTS sched")
      c.query("CREATE TABLE IF NOT EXISTS sched.loaded (at timestamptz DEFAULT now())")
      c.query("INSERT INTO sched.loaded DEFAULT VALUES")
    rd.greeting = "hello from on-loaded"
  </code></job></execute>

  <execute id="tick" title="tick" every="1"><job><code>
    with base.getAdminConn() as c:
      c.query("CREATE TABLE IF NOT EXISTS sched.ticks (at timestamptz DEFAULT clock_timestamp(), greeting text)")
      c.query("INSERT INTO sched.ticks (greeting) VALUES (%(g)s)", {"g": rd.greeting})
  </code></job></execute>

  <execute id="slow" title="slow" every="1"><job><code>
    import time
    start = time.time()
    time.sleep(2.5)
    with base.getAdminConn() as c:
      c.query("CREATE TABLE IF NOT EXISTS sched.slow (s double precision, e double precision)")
      c.query("INSERT INTO sched.slow VALUES (%(s)s, %(e)s)", {"s": start, "e": time.time()})
  </code></job></execute>

  <execute id="broken" title="always fails" every="1"><job><code>
    x = 1
    raise ValueError("deliberately broken")
  </code></job></execute>

  <execute id="hang" title="hangs" every="-3600"><job><code>
    while True:
      pass
  </code></job></execute>

  <execute id="twenty" title="every twenty seconds" every="20"><job><code>
    with base.getAdminConn() as c:
      c.query("CREATE TABLE IF NOT EXISTS sched.twenty (at timestamptz DEFAULT clock_timestamp())")
      c.query("INSERT INTO sched.twenty DEFAULT VALUES")
  </code></job></execute>

  <execute id="daily" title="daily" at="3:00, w3 15:02, m22 7:30"><job><code>
    pass
  </code></job></execute>

  <service id="svc" allowed="api">
    <meta name="title">A service beside the jobs</meta>
    <pythonCore>
      <inputTable>
        <inputKey name="n" type="integer" description="a number"/>
      </inputTable>
      <outputTable>
        <outputField name="greeting" type="text"/>
      </outputTable>
      <coreProc>
        <code>
          return rsc.TableForDef(self.outputTable, rows=[{"greeting": self.rd.greeting}])
        </code>
      </coreProc>
    </pythonCore>
  </service>
</resource>
"""

NEW_RD = r"""<resource schema="sched2">
  <meta name="title">Added later</meta>
  <meta name="description">An RD put in place while the daemon runs.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">tests</meta>
  <execute id="later" title="later" every="1"><job><code>
    with base.getAdminConn() as c:
      c.query("CREATE TABLE IF NOT EXISTS sched.later (at timestamptz DEFAULT now())")
      c.query("INSERT INTO sched.later DEFAULT VALUES")
  </code></job></execute>
</resource>
"""

BAD_RD = r"""<resource schema="bad">
  <meta name="title">Bad schedules</meta>
  <execute id="a" title="a" at="7:30, 25:00"><job><code>pass</code></job></execute>
  <execute id="b" title="b" every="0"><job><code>pass</code></job></execute>
  <execute id="c" title="c" at="m31 7:30"><job><code>pass</code></job></execute>
  <execute id="d" title="d" every="soon"><job><code>pass</code></job></execute>
</resource>
"""

CONFIG = "[python]\nthreads = 6\njobTimeLimit = 3\n[execute]\nthreads = 6\nrescan = 1\n"

m = None


def count(table):
    return int(m.sql("SELECT count(*) FROM %s" % table)[0][0])


def table_exists(name):
    return m.sql("SELECT to_regclass('%s') IS NOT NULL" % name) == [["t"]]


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what + "\n" + m.daemon_log()[-3000:])


def record(job):
    rows = m.sql("SELECT outcome, error, runs, failures, skipped, extract(epoch FROM last_start), "
                 "extract(epoch FROM next_run) FROM meles.execute_jobs WHERE rd_id = 'sched/q' AND job = '%s'" % job)
    return rows[0] if rows else None


def test_bad_schedules_are_val_errors_at_their_line():
    d = os.path.join(m.state, "inputs", "bad")
    os.makedirs(d)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(BAD_RD)
    r = m.cli("val", "bad/q")
    out = r.stdout + r.stderr
    check(r.returncode != 0, out)
    check(re.search(r"q\.rd:3\b.*bad at time '25:00'.*0\.\.23", out), "at error with its line: " + out)
    check(re.search(r"q\.rd:4\b.*every=\"0\"", out), "every=0 with its line: " + out)
    check(re.search(r"q\.rd:5\b.*between 1 and 28", out), "m31 with its line: " + out)
    check(re.search(r"q\.rd:6\b.*every", out), "every=soon with its line: " + out)
    os.remove(os.path.join(d, "q.rd"))


def test_daemon_runs_jobs_without_requests():
    d = os.path.join(m.state, "inputs", "sched")
    os.makedirs(d)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD)
    r = m.cli("val", "sched/q")
    check(r.returncode == 0, "val: " + r.stdout + r.stderr)
    m.start()
    # no request at all: the on-loaded job and the every="1" job run on their own
    wait_for(lambda: table_exists("sched.ticks") and count("sched.ticks") >= 3, "three ticks")
    check(count("sched.loaded") == 1, "the on-loaded job ran once")
    greetings = m.sql("SELECT DISTINCT greeting FROM sched.ticks")
    check(greetings == [["hello from on-loaded"]], "on-loaded job set rd.greeting for the others: %r" % greetings)
    log = m.daemon_log()
    check("RD sched/q loaded with 7 job(s)" in log, log[-2000:])
    check(record("setup")[0] == "ok", "on-loaded job recorded: %r" % (record("setup"),))


def test_a_job_never_overlaps_itself():
    wait_for(lambda: table_exists("sched.slow") and count("sched.slow") >= 2, "two slow runs", timeout=40)
    runs = [(float(s), float(e)) for s, e in m.sql("SELECT s, e FROM sched.slow ORDER BY s")]
    for (s1, e1), (s2, e2) in zip(runs, runs[1:]):
        check(s2 >= e1, "slow runs overlap: %r" % runs)
    rec = record("slow")
    check(int(rec[4]) >= 1, "runs due while it ran are skipped and counted: %r" % (rec,))
    check("'slow' of RD sched/q is still running" in m.daemon_log(), "the skip is logged")


def test_failures_and_hanging_jobs_are_logged_kept_and_shown():
    wait_for(lambda: record("broken") and int(record("broken")[3]) >= 2, "two failures of the broken job")
    rec = record("broken")
    check(rec[0] == "failed" and "deliberately broken" in rec[1] and "ValueError" in rec[1], repr(rec))
    check(re.search(r"q\.rd:\d+", rec[1]), "the error names the RD line: " + rec[1])
    log = m.daemon_log()
    check(re.search(r"execute: 'always fails' of RD sched/q failed: .*q\.rd:\d+.*deliberately broken", log),
          log[-3000:])
    # the hanging job is stopped at [python] jobTimeLimit, the daemon serves all along
    check(m.get("/").status == 200, "the daemon serves while a job hangs")
    wait_for(lambda: record("hang") and record("hang")[0] == "timeout", "the hanging job's time limit")
    check("stopped after 3 s" in record("hang")[1], repr(record("hang")))
    # the ticks went on while the others failed or hung
    n = count("sched.ticks")
    wait_for(lambda: count("sched.ticks") > n + 1, "more ticks")
    r = m.cli("exec", "--status", "sched/q")
    check(r.returncode == 0, r.stdout + r.stderr)
    check(re.search(r"sched/q#broken 'always fails' \(every 1 s\)\n  last run: .*, failed", r.stdout), r.stdout)
    check("last error: " in r.stdout and "deliberately broken" in r.stdout, r.stdout)
    check(re.search(r"sched/q#hang 'hangs' \(on load, then every 3600 s\)\n  last run: .*, timeout", r.stdout),
          r.stdout)
    check(re.search(r"sched/q#daily \(at 3:00, w3 15:02, m22 7:30\)\n  last run: -, never\n  next run: 20",
                    r.stdout), r.stdout)
    # the service's info page has the RD's jobs
    page = m.get("/sched/q/svc/info")
    check(page.status == 200, page.text[:300])
    check("Scheduled jobs of this resource" in page.text and "always fails" in page.text
          and "deliberately broken" in page.text and "/work" not in page.text, page.text[-3000:])


def test_new_rds_are_picked_up():
    d = os.path.join(m.state, "inputs", "sched")
    with open(os.path.join(d, "new.rd"), "w") as f:
        f.write(NEW_RD)
    wait_for(lambda: table_exists("sched.later") and count("sched.later") >= 2, "the new RD's job")


def test_exec_runs_a_job_by_hand():
    n = count("sched.ticks")
    r = m.cli("exec", "sched/q#tick")
    check(r.returncode == 0, r.stdout + r.stderr)
    check(count("sched.ticks") > n, "the job ran")
    r = m.cli("exec", os.path.join(m.state, "inputs", "sched", "q.rd") + "#broken")
    check(r.returncode == 1, r.stdout + r.stderr)
    check(re.search(r"q\.rd:\d+.*ValueError: deliberately broken", r.stderr), r.stderr)
    r = m.cli("exec", "sched/q#nosuch")
    check(r.returncode == 1 and "has no execute job 'nosuch'" in r.stderr and "tick" in r.stderr, r.stderr)
    r = m.cli("exec", "sched/q")
    check(r.returncode == 1 and "RD#JOB" in r.stderr, r.stderr)


def test_restart_continues_the_schedule():
    # `twenty` first ran every/10 = 2 s after the start and is next due 20 s after that run
    wait_for(lambda: table_exists("sched.twenty") and count("sched.twenty") >= 1, "the twenty-second job")
    n0 = count("sched.twenty")
    if time.time() > float(record("twenty")[5]) + 10:
        # restart soon after a run, so that the next one is not due while the daemon is down
        wait_for(lambda: count("sched.twenty") > n0, "a fresh run of the twenty-second job", timeout=40)
        n0 = count("sched.twenty")
    last = float(record("twenty")[5])
    loaded = count("sched.loaded")  # meles exec ran the on-loaded job in its own process, too
    m.stop()
    m.start()
    wait_for(lambda: "RD sched/q loaded" in m.daemon_log(), "the RD loaded again")
    # a fresh schedule would run it 2 s after the start; the recorded run keeps it at last + 20
    time.sleep(max(0.0, min(last + 20 - time.time() - 1, 5)))
    if time.time() < last + 19:
        check(count("sched.twenty") == n0, "no run right after the restart")
    check(abs(float(record("twenty")[6]) - (last + 20)) < 0.01, "next run continues: %r" % (record("twenty"),))
    wait_for(lambda: count("sched.twenty") == n0 + 1, "the next run at last + 20 s", timeout=40)
    t2 = m.sql("SELECT extract(epoch FROM max(at)) FROM sched.twenty")[0][0]
    check(float(t2) >= last + 19.5, "ran on time, not earlier: %s vs %s" % (t2, last))
    # the on-loaded job ran again for the reloaded RD
    check(count("sched.loaded") == loaded + 1, "on-loaded ran once at the restart")


if __name__ == "__main__":
    with Meles("execute", extra_config=CONFIG) as m:
        run_tests([test_bad_schedules_are_val_errors_at_their_line, test_daemon_runs_jobs_without_requests,
                   test_a_job_never_overlaps_itself, test_failures_and_hanging_jobs_are_logged_kept_and_shown,
                   test_new_rds_are_picked_up, test_exec_runs_a_job_by_hand, test_restart_continues_the_schedule])
