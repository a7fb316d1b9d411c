"""The spine: CLI behaviour, configuration errors, and the daemon's HTTP robustness."""
import os
import socket
import subprocess
import time

from harness import MELES, Meles, check, run_tests

COMMANDS = ["init", "config", "serve", "db"]


def test_cli_help_and_errors():
    r = subprocess.run([MELES, "--help"], capture_output=True, text=True)
    check(r.returncode == 0 and "commands:" in r.stdout, r.stdout)
    for c in COMMANDS:
        r = subprocess.run([MELES, c, "--help"], capture_output=True, text=True)
        check(r.returncode == 0 and "usage: meles " + c in r.stdout, "help of %s: %s" % (c, r.stdout))
    r = subprocess.run([MELES, "frobnicate"], capture_output=True, text=True)
    check(r.returncode != 0 and "unknown command 'frobnicate'" in r.stderr, r.stderr)
    r = subprocess.run([MELES, "serve", "--bogus"], capture_output=True, text=True)
    check(r.returncode != 0 and "unknown option --bogus" in r.stderr, r.stderr)
    # unique prefixes work
    r = subprocess.run([MELES, "conf", "--doc"], capture_output=True, text=True)
    check(r.returncode == 0 and "[web]" in r.stdout, r.stderr)


def test_docs_configuration_is_current():
    r = subprocess.run([MELES, "config", "--doc"], capture_output=True, text=True)
    with open(os.path.join(os.environ["MELES_SOURCE_DIR"], "docs", "configuration.md")) as f:
        check(f.read() == r.stdout, "docs/configuration.md differs from `meles config --doc`; regenerate it")


def test_config_errors_name_file_line_key():
    with Meles("spine_conf") as m:
        with open(m.conf, "a") as f:
            f.write("[web]\nserverPrt = 80\n")
        r = m.cli("config")
        check(r.returncode == 1, r.stderr)
        check("meles.conf:" in r.stderr and "unknown key 'serverPrt' in [web]" in r.stderr and "serverPort" in r.stderr, r.stderr)


def test_state_dir_not_writable():
    r = subprocess.run([MELES, "init", "--state", "/proc/meles-cannot-be-here"], capture_output=True, text=True)
    check(r.returncode != 0 and "/proc/meles-cannot-be-here" in r.stderr, r.stderr)


def test_database_down_gives_clear_error():
    with Meles("spine_nodb") as m:
        text = open(m.conf).read().replace("host=", "host=/nonexistent/socketdir ignored=")
        with open(m.conf, "w") as f:
            f.write("[db]\ndsn = host=/nonexistent/socketdir port=5432 dbname=x user=meles_admin\n")
        r = m.cli("serve", "--port", "0", timeout=60)
        check(r.returncode == 1, r.stdout + r.stderr)
        check("cannot connect to the database given by [db] dsn" in r.stderr, r.stderr)
        del text


def test_database_restart_while_serving():
    """Its own embedded cluster: the database goes down and up under a running daemon."""
    import shutil
    import tempfile
    from harness import free_port
    state = tempfile.mkdtemp(prefix="meles-restart-", dir="/tmp")
    os.chmod(state, 0o755)
    conf = os.path.join(state, "meles.conf")
    port = free_port()
    env = dict(os.environ, MELES_CONFIG=conf)
    daemon = None
    try:
        r = subprocess.run([MELES, "init", "--port", str(port)], capture_output=True, text=True, env=env)
        check(r.returncode == 0, r.stdout + r.stderr)
        daemon = subprocess.Popen([MELES, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = "/tap/sync?LANG=ADQL&QUERY=SELECT+TOP+1+*+FROM+TAP_SCHEMA.tables"
        import http.client

        def get():
            # A deadline, not a count of tries: on a loaded CI machine the daemon's start-up
            # (catalogue load, TAP_SCHEMA sync) can take far longer than ten seconds.
            deadline = time.monotonic() + 180
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    c.request("GET", url)
                    resp = c.getresponse()
                    return resp.status, resp.read()
                except (ConnectionRefusedError, ConnectionResetError):
                    if daemon.poll() is not None:
                        raise RuntimeError("daemon exited with %s" % daemon.returncode)
                    if time.monotonic() > deadline:
                        raise RuntimeError("daemon not reachable within 180 s")
                    time.sleep(0.2)
        check(get()[0] == 200, "before")
        subprocess.run([MELES, "db", "stop"], env=env, check=True, capture_output=True)
        status, body = get()
        # 503 (come back later), without libpq's text, which names the socket path
        check(status == 503 and b"not available" in body and state.encode() not in body and b".s.PGSQL" not in body,
              (status, body[:300]))
        subprocess.run([MELES, "db", "start"], env=env, check=True, capture_output=True)
        check(get()[0] == 200, "a restarted database is used again at once")
        check(daemon.poll() is None, "daemon died")
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(30)
        subprocess.run([MELES, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def test_http_basics():
    with Meles("spine_http", extra_config="[web]\nreadTimeout = 2\nidleTimeout = 3\nmaxBodySize = 1M\n") as m:
        m.start()
        r = m.get("/")
        check(r.status == 200 and "text/html" in r.header("Content-Type") and "<html" in r.text, r.text)
        r = m.request("HEAD", "/")
        check(r.status == 200 and r.body == b"" and int(r.header("Content-Length")) > 0, r.headers)
        r = m.get("/no/such/thing")
        check(r.status == 404 and "Not found: /no/such/thing" in r.text, r.text)
        r = m.post("/", body="x")
        check(r.status == 405, r.status)
        r = m.post("/", body=b"x" * (2 * 1024 * 1024))
        check(r.status == 413 and "exceeds this server's limit" in r.text, (r.status, r.text))

        # keep-alive: several requests on one connection
        s = socket.create_connection(("127.0.0.1", m.port))
        for _ in range(3):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"</html>" not in data:
                data += s.recv(65536)
            check(data.startswith(b"HTTP/1.1 200"), data[:50])
        s.close()

        # malformed request → 400, daemon lives
        s = socket.create_connection(("127.0.0.1", m.port))
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        data = s.recv(65536)
        check(data.startswith(b"HTTP/1.1 400"), data[:80])
        s.close()

        # oversized header → 431
        s = socket.create_connection(("127.0.0.1", m.port))
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it read all of it
        data = s.recv(65536)
        check(data.startswith(b"HTTP/1.1 431"), data[:80])
        s.close()

        # slow client: an unfinished header is cut off after readTimeout
        s = socket.create_connection(("127.0.0.1", m.port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(10)
        t0 = time.time()
        data = s.recv(65536)
        check(data == b"" and time.time() - t0 < 8, "slow client not cut off: %r after %.1fs" % (data, time.time() - t0))
        s.close()

        check(m.get("/").status == 200, "daemon died")
        # graceful stop
        t0 = time.time()
        m.stop()
        check(time.time() - t0 < 10, "SIGTERM took too long")


if __name__ == "__main__":
    run_tests([test_cli_help_and_errors, test_docs_configuration_is_current, test_config_errors_name_file_line_key,
               test_state_dir_not_writable, test_database_down_gives_clear_error, test_database_restart_while_serving,
               test_http_basics])
