"""docs/operator-guide.md, run as written: its `sh` blocks in order, in one shell, against a test
database and a daemon on a free port; a `text` block right after an `sh` block lists lines that
block's output must contain (`...` stands for anything).  Keeps the guide true."""
import os
import re
import subprocess
import tempfile

from harness import MELES, SOURCE, Meles, check, free_port, run_tests

GUIDE = os.path.join(SOURCE, "docs", "operator-guide.md")


def fenced_blocks(text):
    """(language, body, line) of every fenced block, and whether it directly follows the previous one."""
    out = []
    lines = text.split("\n")
    i = 0
    last_end = -2
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if m:
            start = i
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append({"lang": m.group(1), "body": "\n".join(body), "line": start + 1, "adjacent": start == last_end + 1})
            last_end = i
        i += 1
    return out


def steps(text):
    """The sh blocks with the expected-output text block that follows each (or None)."""
    blocks = fenced_blocks(text)
    out = []
    for k, b in enumerate(blocks):
        if b["lang"] != "sh":
            continue
        expect = None
        if k + 1 < len(blocks) and blocks[k + 1]["lang"] == "text" and blocks[k + 1]["adjacent"]:
            expect = blocks[k + 1]["body"]
        out.append((b, expect))
    return out


def line_pattern(expected_line):
    return re.compile(".*".join(re.escape(p) for p in expected_line.split("...")))


def test_guide_has_steps():
    s = steps(open(GUIDE).read())
    check(len(s) >= 10, "the guide should walk through init, val, imp, serve, queries, re-import, drop: %d steps" % len(s))
    text = " ".join(b["body"] for b, _ in s)
    for cmd in ["meles init", "meles val", "meles imp", "meles serve start", "meles imp -m", "meles serve reload",
                "meles adm adduser", "meles drop", "meles serve stop", "/tap/sync", "scs.xml"]:
        check(cmd in text, "the guide runs no `%s`" % cmd)


def test_guide_runs_as_written():
    port = free_port()
    with Meles("guide", extra_config="[web]\nserverPort = %d\nserverURL = http://localhost:%d\n" % (port, port)) as m:
        bindir = tempfile.mkdtemp(prefix="meles-guide-bin-")
        os.symlink(MELES, os.path.join(bindir, "meles"))
        work = tempfile.mkdtemp(prefix="meles-guide-work-")
        s = steps(open(GUIDE).read())
        script = ["set -euo pipefail", "exec 2>&1", "cd %s" % work]
        for k, (b, _) in enumerate(s):
            script.append("echo '@@step %d@@'" % k)
            script.append(b["body"].replace("localhost:8080", "localhost:%d" % port))
        script.append("echo '@@end@@'")
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], MELES_CONFIG=m.conf)
        env.pop("MELES_STATE", None)
        env.pop("MELES_INPUTS", None)
        try:
            r = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, env=env, timeout=600,
                               stdin=subprocess.DEVNULL)
        finally:
            m.cli("serve", "stop")
        out = r.stdout + r.stderr
        parts = re.split(r"^@@step (\d+)@@$", r.stdout, flags=re.M)
        outputs = {}
        for k in range(1, len(parts) - 1, 2):
            outputs[int(parts[k])] = parts[k + 1]
        if r.returncode != 0 or "@@end@@" not in r.stdout:
            failed = max(outputs) if outputs else 0
            b = s[failed][0]
            raise AssertionError("the guide's block at docs/operator-guide.md:%d failed (exit %d):\n%s\n--- output:\n%s" %
                                 (b["line"], r.returncode, b["body"], out[-3000:]))
        for k, (b, expect) in enumerate(s):
            if not expect:
                continue
            got = outputs.get(k, "").replace("@@end@@", "")
            got_lines = got.split("\n")
            for want in expect.split("\n"):
                want = want.replace("localhost:8080", "localhost:%d" % port)
                if not want.strip():
                    continue
                pat = line_pattern(want)
                check(any(pat.fullmatch(line) or pat.match(line) for line in got_lines),
                      "docs/operator-guide.md:%d: expected a line like %r in the output of\n%s\n--- got:\n%s" %
                      (b["line"], want, b["body"], got))


if __name__ == "__main__":
    run_tests([test_guide_has_steps, test_guide_runs_as_written])
