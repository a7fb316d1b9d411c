"""TAP async (UWS 1.1): the job tree, PHASE=RUN at creation (also with uploads), WAIT capped
and woken by phase changes, DELETE redirecting to a short list, job-list filters, ABORT,
execution duration enforced at the database for every output format, and jobs surviving
(or failing clearly through) daemon restarts."""
import signal
import time
import xml.etree.ElementTree as ET

import tapdata
from harness import Meles, check, run_tests
from tapdata import (SLOW_QUERY, UWS_NS, create_job, error_message, query_statuses, read_votable, uws_job,
                     votable_bytes, votlint, wait_job)

M = None
CONFIG = """[async]
maxWait = 3
maxTAPRunning = 2
defaultExecTime = 600
"""


def job_url(job, child=""):
    return "/tap/async/" + job + child


def test_job_lifecycle_and_children():
    r = M.post("/tap/async", fields={"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": "SELECT TOP 3 id FROM tapt.main",
                                     "RUNID": "my-run", "MAXREC": "2"})
    check(r.status == 303, (r.status, r.text))
    loc = r.header("Location")
    check(loc.startswith(M.url + "/tap/async/"), loc)
    job = loc.rsplit("/", 1)[1]
    j = uws_job(M.get(job_url(job)).body)
    check(j["jobId"] == job and j["phase"] == "PENDING" and j["runId"] == "my-run", j)
    check(j["parameters"]["QUERY"] == "SELECT TOP 3 id FROM tapt.main" and j["parameters"]["REQUEST"] == "doQuery", j)
    check(M.get(job_url(job, "/phase")).text == "PENDING", "phase child")
    check(M.get(job_url(job, "/executionduration")).text == j["executionDuration"] == "600", j)
    check(M.get(job_url(job, "/destruction")).text == j["destruction"], "destruction child")
    check(M.get(job_url(job, "/quote")).status == 200, "quote")
    check(M.get(job_url(job, "/runId")).text == "my-run", "runId")
    check(M.get(job_url(job, "/owner")).status == 200, "owner")
    params = ET.fromstring(M.get(job_url(job, "/parameters")).body)
    check({p.get("id") for p in params} >= {"QUERY", "LANG", "REQUEST", "MAXREC"}, "parameters child")
    # parameters may change while PENDING
    r = M.post(job_url(job, "/parameters"), fields={"MAXREC": "1"})
    check(r.status == 303, r.status)
    r = M.post(job_url(job, "/executionduration"), fields={"EXECUTIONDURATION": "100"})
    check(r.status == 303 and M.get(job_url(job, "/executionduration")).text == "100", "executionduration")
    past = "2001-01-01T00:00:00Z"
    r = M.post(job_url(job, "/destruction"), fields={"DESTRUCTION": past})
    check(r.status == 400 and "past" in error_message(r.body), (r.status, r.text))  # vollt#57
    r = M.post(job_url(job, "/phase"), fields={"PHASE": "RUN"})
    check(r.status == 303 and r.header("Location") == loc, r.headers)
    j = wait_job(M, job)
    check(j["phase"] == "COMPLETED" and j["startTime"] and j["endTime"], j)
    r = M.get(job_url(job, "/results/result"))
    check(r.status == 200 and len(read_votable(r.body)) == 1, r.text)
    check(query_statuses(r.body) == ["OK", "OVERFLOW"] and votlint(r.body) == [], r.text)  # MAXREC=1 cut TOP 3
    check(M.get(job_url(job, "/error")).status == 404, "a completed job has no error")
    r = M.post(job_url(job, "/phase"), fields={"PHASE": "RUN"})
    check(r.status == 400, "a completed job cannot run again")
    # HTTP DELETE: 303 to a short job list (pyvo#535), then 404
    r = M.request("DELETE", job_url(job))
    check(r.status == 303 and r.header("Location").endswith("/tap/async?LAST=10"), r.headers)
    check(M.get(job_url(job)).status == 404 and M.get(job_url(job, "/phase")).status == 404, "deleted job still there")
    # ACTION=DELETE does the same
    job = create_job(M, "SELECT TOP 1 id FROM tapt.main")
    r = M.post(job_url(job), fields={"ACTION": "DELETE"})
    check(r.status == 303 and r.header("Location").endswith("?LAST=10"), r.headers)
    check(M.get(job_url(job)).status == 404, "ACTION=DELETE")


def test_phase_run_at_creation_also_with_uploads():
    job = create_job(M, "SELECT COUNT(*) AS n FROM tapt.main", run=True)
    check(wait_job(M, job)["phase"] == "COMPLETED", "PHASE=RUN at creation")
    data = votable_bytes([("ra", "f8"), ("dec", "f8"), ("Name", "U4")], [(1.0, 2.0, "a"), (3.0, 4.0, "b")], "BINARY2")
    # astroquery#963: PHASE=RUN in the creating multipart POST with an upload
    job = create_job(M, "SELECT u.ra, u.name FROM TAP_UPLOAD.up AS u ORDER BY u.ra", run=True,
                     files=[("t", "t.vot", data)], UPLOAD="up,param:t")
    j = wait_job(M, job)
    check(j["phase"] == "COMPLETED", j)
    t = read_votable(M.get(job_url(job, "/results/result")).body)
    check(list(t["Name"]) == ["a", "b"], t)
    # bad parameters do not stop the creation (UWS clients expect a job); the job fails
    job = create_job(M, "SELECT * FROM TAP_UPLOAD.x", run=True, UPLOAD="x,param:nope")
    j = wait_job(M, job)
    check(j["phase"] == "ERROR" and "param:nope" in j["errorSummary"], j)
    job = create_job(M, "SELECT * FROM tapt.main", run=True, LANG="PIG")
    j = wait_job(M, job)
    check(j["phase"] == "ERROR" and "unsupported LANG 'PIG'" in j["errorSummary"], j)
    r = M.get(job_url(job, "/error"))
    check(r.status == 200 and "LANG 'PIG'" in error_message(r.body) and votlint(r.body) == [], r.text)
    job = create_job(M, "SELECT nothing FROM tapt.main", run=True)
    j = wait_job(M, job)
    check(j["phase"] == "ERROR" and "Unknown column 'nothing'" in j["errorSummary"], j)


def test_wait_is_capped_and_wakes_on_change():
    job = create_job(M, SLOW_QUERY, run=True, EXECUTIONDURATION=30)
    for _ in range(100):
        if M.get(job_url(job, "/phase")).text == "EXECUTING":
            break
        time.sleep(0.05)
    t0 = time.time()
    r = M.get(job_url(job) + "?WAIT=-1", timeout=20)   # pyvo#713/#784: never block past maxWait (3 s)
    check(r.status == 200 and uws_job(r.body)["phase"] == "EXECUTING", r.text)
    check(2 < time.time() - t0 < 15, "WAIT=-1 was not capped at maxWait: %.1fs" % (time.time() - t0))
    r = M.get(job_url(job) + "?WAIT=30&PHASE=PENDING", timeout=20)  # not in that phase: at once
    check(r.status == 200, r.status)
    M.post(job_url(job, "/phase"), fields={"PHASE": "ABORT"})
    check(wait_job(M, job)["phase"] == "ABORTED", "abort")
    for _ in range(50):
        if tapdata.active_queries(M, "a.mag + b.mag") == 0:
            break
        time.sleep(0.1)
    check(tapdata.active_queries(M, "a.mag + b.mag") == 0, "ABORT left the query running")
    # a quick job: WAIT returns when it finishes, not when the wait runs out
    for _ in range(20):
        job = create_job(M, "SELECT TOP 1 id FROM tapt.main", run=True)
        r = M.get(job_url(job) + "?WAIT=60", timeout=30)
        j = uws_job(r.body)
        if j["phase"] == "EXECUTING" or j["phase"] == "QUEUED":
            r = M.get(job_url(job) + "?WAIT=60&PHASE=" + j["phase"], timeout=30)
            j = uws_job(r.body)
        check(j["phase"] in ("COMPLETED", "EXECUTING"), j)


def test_job_list_filters():
    ids = [create_job(M, "SELECT TOP 1 id FROM tapt.main") for _ in range(3)]
    done = create_job(M, "SELECT TOP 1 id FROM tapt.main", run=True)
    wait_job(M, done)
    root = ET.fromstring(M.get("/tap/async?LAST=2").body)
    refs = [e.get("id") for e in root.iter(UWS_NS + "jobref")]
    check(refs == [done, ids[2]], refs)
    root = ET.fromstring(M.get("/tap/async?PHASE=PENDING").body)
    pend = {e.get("id") for e in root.iter(UWS_NS + "jobref")}
    check(set(ids) <= pend and done not in pend, pend)
    root = ET.fromstring(M.get("/tap/async?PHASE=COMPLETED&PHASE=PENDING&LAST=50").body)
    both = {e.get("id") for e in root.iter(UWS_NS + "jobref")}
    check(set(ids) | {done} <= both, both)
    check(M.get("/tap/async?PHASE=SLEEPING").status == 400, "bad PHASE filter")
    check(M.get("/tap/async?AFTER=2200-01-01T00:00:00Z").body.count(b"jobref") == 0, "AFTER filter")
    for j in ids + [done]:
        M.request("DELETE", job_url(j))


def test_execution_duration_enforced_for_every_format():
    # vollt#74: the limit holds whatever writer is used, at the database
    for fmt in ("votable", "votable/td", "csv", "tsv", "json", "fits"):
        job = create_job(M, SLOW_QUERY, run=True, EXECUTIONDURATION=1, RESPONSEFORMAT=fmt)
        t0 = time.time()
        j = wait_job(M, job, timeout=60)
        check(j["phase"] == "ERROR" and "execution duration of 1 seconds" in j["errorSummary"], (fmt, j))
        check(time.time() - t0 < 30, (fmt, "took too long"))
        r = M.get(job_url(job, "/error"))
        check(r.status == 200 and votlint(r.body) == [], r.text)
    for _ in range(50):
        if tapdata.active_queries(M, "a.mag + b.mag") == 0:
            break
        time.sleep(0.1)
    check(tapdata.active_queries(M, "a.mag + b.mag") == 0, "timed-out queries still run")


def test_concurrent_jobs_are_queued():
    jobs = [create_job(M, SLOW_QUERY, run=True, EXECUTIONDURATION=3) for _ in range(5)]
    seen_queued = False
    max_exec = 0
    t0 = time.time()
    while time.time() - t0 < 40:
        root = ET.fromstring(M.get("/tap/async?LAST=50").body)
        phases = [e.find(UWS_NS + "phase").text for e in root.iter(UWS_NS + "jobref") if e.get("id") in jobs]
        max_exec = max(max_exec, phases.count("EXECUTING"))
        seen_queued = seen_queued or "QUEUED" in phases
        if all(p not in ("QUEUED", "EXECUTING") for p in phases):
            break
        time.sleep(0.2)
    check(max_exec <= 2 and seen_queued, (max_exec, seen_queued))
    for j in jobs:
        check(uws_job(M.get(job_url(j)).body)["phase"] == "ERROR", "job did not time out")


def test_jobs_survive_restart_and_interrupted_jobs_fail_clearly():
    global M
    done = create_job(M, "SELECT TOP 2 id FROM tapt.main", run=True)
    check(wait_job(M, done)["phase"] == "COMPLETED", "job")
    pending = create_job(M, "SELECT TOP 2 id FROM tapt.main")
    for sig, needle in ((signal.SIGKILL, "restarted"), (signal.SIGTERM, "shut down")):
        running = create_job(M, SLOW_QUERY, run=True)
        for _ in range(100):
            if uws_job(M.get(job_url(running)).body)["phase"] == "EXECUTING":
                break
            time.sleep(0.05)
        port = M.port
        M.stop(sig=sig)
        M.start(port=port)
        j = uws_job(M.get(job_url(running)).body)
        check(j["phase"] == "ERROR" and needle in j["errorSummary"], (sig, j))
        r = M.get(job_url(running, "/error"))
        check(r.status == 200 and needle in error_message(r.body) and votlint(r.body) == [], r.text)
        # finished and pending jobs are still there, with their results
        r = M.get(job_url(done, "/results/result"))
        check(r.status == 200 and len(read_votable(r.body)) == 2, r.text)
        check(uws_job(M.get(job_url(pending)).body)["phase"] == "PENDING", "pending job lost")
    M.post(job_url(pending, "/phase"), fields={"PHASE": "RUN"})
    check(wait_job(M, pending)["phase"] == "COMPLETED", "pending job runs after the restart")
    for _ in range(50):
        if tapdata.active_queries(M, "a.mag + b.mag") == 0:
            break
        time.sleep(0.1)
    check(tapdata.active_queries(M, "a.mag + b.mag") == 0, "an interrupted query still runs")


def main():
    global M
    port, config = tapdata.config_with_url(CONFIG)
    with Meles("tap_uws", extra_config=config) as m:
        tapdata.setup(m, 20000)
        m.start(port=port)
        M = m
        run_tests([test_job_lifecycle_and_children, test_phase_run_at_creation_also_with_uploads,
                   test_wait_is_capped_and_wakes_on_change, test_job_list_filters,
                   test_execution_duration_enforced_for_every_format, test_concurrent_jobs_are_queued,
                   test_jobs_survive_restart_and_interrupted_jobs_fail_clearly])


if __name__ == "__main__":
    main()
