"""`self` of regTest code (`meles test`): the response of the test's request and the
assertions DaCHS's regression tests are written with.

rd/src/python/rd_code.cpp makes one RegTest per test, lets fetch() fill in status, headers and
data (the request itself was resolved in C++, rd/regtest/request), then calls the test's code
with the RegTest as `self`.  AssertionError means the test failed, any other exception that it
could not run.  The names and behaviour follow DaCHS's documented test API; the code is Meles's.
"""
import base64
import http.client
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import types
import unittest
import urllib.parse

# A response larger than this fails the test rather than filling memory.
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
MAX_REDIRECTS = 10


class FetchError(Exception):
    """The request did not produce a response (refused, timed out, bad HTTP)."""


class EqualingRE(object):
    """Compares equal to strings its pattern matches (at their start), for assertXpath and
    assertEqual: self.assertEqual(EqualingRE(r"\\d+ rows"), text)."""

    def __init__(self, pattern):
        self.pat = re.compile(pattern)

    def __eq__(self, other):
        return isinstance(other, str) and bool(self.pat.match(other))

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.pat.pattern)

    def __repr__(self):
        return "EqualingRE(%r)" % self.pat.pattern


XPATH_NAMESPACES = {
    "v": "http://www.ivoa.net/xml/VOTable/v1.3",
    "v2": "http://www.ivoa.net/xml/VOTable/v1.2",
    "v1": "http://www.ivoa.net/xml/VOTable/v1.1",
    "o": "http://www.openarchives.org/OAI/2.0/",
    "h": "http://www.w3.org/1999/xhtml",
    "uws": "http://www.ivoa.net/xml/UWS/v1.0",  # Meles's addition
}


def _header(headers, key):
    for k, v in headers or ():
        if k.lower() == key.lower():
            return v
    raise KeyError(key)


def _python_value(v, field):
    """A VOTable cell as the plain Python value DaCHS's parser gives (numbers, str, lists,
    pg_sphere objects for DALI geometries, None for NULL)."""
    import numpy
    if v is numpy.ma.masked:
        return None
    if isinstance(v, numpy.ma.MaskedArray):
        v = v.filled(numpy.nan) if v.dtype.kind == "f" else v.data
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, numpy.ndarray):
        v = v.tolist()
    elif isinstance(v, numpy.generic):
        v = v.item()
    xtype = (field.xtype or "").lower()
    if xtype in ("point", "circle", "polygon") and isinstance(v, (list, tuple)) and v:
        from gavo.utils import pgsphere
        try:
            if xtype == "point":
                return pgsphere.SPoint.fromDegrees(v[0], v[1])
            if xtype == "circle":
                return pgsphere.SCircle.fromDALI(v)
            return pgsphere.SPoly.fromDALI(v)
        except Exception:
            return v
    return v


class RegTest(unittest.TestCase):
    """What regTest code calls `self`."""

    def __init__(self, title, sequential):
        unittest.TestCase.__init__(self, "_not_a_pyunit_test")
        self.maxDiff = 2000
        self.title = title
        self.sequential = sequential
        self.status = None
        self.headers = []
        self.data = b"<No data retrieved yet>"
        self.httpURL = "(not retrieved)"
        self.url = types.SimpleNamespace(httpURL=self.httpURL)  # DaCHS's self.url.httpURL
        self.requestTime = None
        self.next_location = None  # set by pointNextToLocation
        self._tree = None
        self._votable = None

    def _not_a_pyunit_test(self):
        raise AssertionError("regTest code is run by meles test")

    def __repr__(self):
        return "<regTest %r>" % self.title

    # -- the response ----------------------------------------------------------------------
    def assertHasStrings(self, *strings):
        """Each argument (str: compared UTF-8 encoded, or bytes) occurs in the response."""
        for s in strings:
            b = s.encode("utf-8") if isinstance(s, str) else s
            if b not in self.data:
                raise AssertionError("%r missing" % (s,))

    def assertLacksStrings(self, *strings):
        """No argument occurs in the response."""
        for s in strings:
            b = s.encode("utf-8") if isinstance(s, str) else s
            if b in self.data:
                raise AssertionError("Unexpected: %r" % (s,))

    def assertHTTPStatus(self, expectedStatus):
        if expectedStatus != self.status:
            raise AssertionError("Bad status received, %s instead of %s" % (self.status, expectedStatus))

    def assertHeader(self, key, value):
        """The response has the header `key` (any case) with exactly this value."""
        try:
            found = _header(self.headers, key)
        except KeyError:
            raise AssertionError("Header %s not found in %s" % (key, self.headers))
        self.assertEqual(value, found)

    def pointNextToLocation(self, addToPath=""):
        """The next test of this (sequential) suite fetches the Location header's URL
        (plus addToPath) instead of its own url text."""
        if not self.sequential:
            raise AssertionError("pointNextToLocation only allowed within sequential regSuites")
        try:
            self.next_location = _header(self.headers, "location") + addToPath
        except KeyError:
            raise AssertionError("No location header in redirect")

    # -- XML -------------------------------------------------------------------------------
    def _parsed(self):
        if self._tree is None:
            from lxml import etree
            try:
                self._tree = etree.fromstring(self.data)
            except etree.XMLSyntaxError as ex:
                raise AssertionError("Response is not well-formed XML: %s" % ex)
        return self._tree

    def getXpath(self, path, element=None):
        """tree.xpath(path) on the response (or on element), with the prefixes v (VOTable 1.3),
        v2, v1, o (OAI-PMH), h (XHTML) and uws (UWS 1.x)."""
        return (self._parsed() if element is None else element).xpath(path, namespaces=XPATH_NAMESPACES)

    def assertXpath(self, path, assertions):
        """path matches exactly one node; assertions maps attribute names (None: the text) to
        the values expected (EqualingRE for patterns)."""
        found = self.getXpath(path)
        if len(found) == 0:
            raise AssertionError("Element not found: %s" % path)
        if len(found) != 1:
            raise AssertionError("More than one item matched for %s" % path)
        el = found[0]
        for key, expected in assertions.items():
            if key is None:
                actual = el.text if hasattr(el, "text") else el
            else:
                try:
                    actual = el.attrib[key]
                except KeyError:
                    raise AssertionError("%s has no attribute %s" % (path, key))
            if not expected == actual:
                raise AssertionError("Trouble with %s: %s (%r, %r)" % (key or "content", path, expected, actual))

    def assertValidatesXSD(self):
        """The response validates.  VOTables are checked with STILTS votlint when `stilts` is
        on the PATH; otherwise (and for other documents) the check is only that the response
        is well-formed XML.  The message says which check failed."""
        self._parsed()
        if b"VOTABLE" in self.data[:2000] and shutil.which("stilts"):
            problems = votlint(self.data)
            if problems:
                raise AssertionError("Response not valid (STILTS votlint): %s" % problems[:400])

    assertValidates = assertValidatesXSD

    # -- VOTables --------------------------------------------------------------------------
    def _table(self):
        if self._votable is None:
            import warnings
            from astropy.io.votable import parse
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    vot = parse(io.BytesIO(self.data), verify="ignore")
                except Exception as ex:
                    raise AssertionError("Response is not a VOTable: %s" % ex)
            tables = list(vot.iter_tables())
            if not tables:
                raise AssertionError("The VOTable has no TABLE")
            self._votable = tables[0]
        return self._votable

    def getVOTableRows(self):
        """The rows of the response's first VOTable table as dicts (column name -> value)."""
        t = self._table()
        names = [f.name for f in t.fields]
        arr = t.array
        rows = []
        for r in range(len(arr)):
            rec = arr[r]
            rows.append({n: _python_value(rec[i], f) for i, (n, f) in enumerate(zip(names, t.fields))})
        return rows

    def getFirstVOTableRow(self):
        """The first row of getVOTableRows() (None if there is none); make the query's order
        fixed, or the test depends on the database's."""
        rows = self.getVOTableRows()
        return rows[0] if rows else None

    def getUnique(self, seq):
        """seq[0], asserting that seq has exactly one item."""
        self.assertEqual(len(seq), 1)
        return seq[0]

    def datalinkBySemantics(self):
        """A datalink response's rows grouped by their semantics: {semantics: [row, ...]}."""
        res = {}
        for row in self.getVOTableRows():
            res.setdefault(row.get("semantics"), []).append(row)
        return res


def votlint(data):
    """STILTS votlint's complaints about a VOTable ("" when it has none)."""
    with tempfile.NamedTemporaryFile(suffix=".vot", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        r = subprocess.run(["stilts", "votlint", "validate=true", path], capture_output=True, text=True,
                           timeout=120)
        return (r.stdout + r.stderr).strip()
    finally:
        os.unlink(path)


# ---------------------------------------------------------------------------- fetching
def _credentials(path, key):
    try:
        with open(path, "rb") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0].decode("utf-8", "replace") == key:
                    return parts[1], parts[2]
    except OSError as ex:
        raise FetchError("httpAuthKey %r: cannot read the credentials file %s (%s)"
                         % (key, path, ex.strerror or ex))
    raise FetchError("httpAuthKey %r: not in the credentials file %s" % (key, path))


def _chunks(body, size):
    for i in range(0, len(body), size):
        yield body[i:i + size]


def _one_request(method, url, headers, body, chunk_size, timeout, deadline):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("unsupported URL scheme in %s (http or https)" % url)
    host = parts.hostname or ""
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        conn = conn_class(host, parts.port, timeout=timeout)
    except ValueError as ex:
        raise FetchError("bad URL %s: %s" % (url, ex))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        if chunk_size and body is not None:
            conn.request(method, path, body=_chunks(body, chunk_size), headers=headers, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        out, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError("the response was not complete after %g s" % timeout)
            b = resp.read1(65536)
            if not b:
                break
            size += len(b)
            if size > MAX_RESPONSE_BYTES:
                raise FetchError("the response is larger than %d MiB" % (MAX_RESPONSE_BYTES >> 20))
            out.append(b)
        return resp.status, resp.getheaders(), b"".join(out)
    except (socket.timeout, TimeoutError):
        raise FetchError("no answer within %g s" % timeout)
    except http.client.HTTPException as ex:
        raise FetchError("bad HTTP response (%s: %s)" % (type(ex).__name__, ex))
    except OSError as ex:
        raise FetchError("cannot fetch: %s" % (ex.strerror or ex))
    finally:
        conn.close()


def fetch(test, request, creds_file, timeout):
    """Sends the request (a dict from C++: method, url, headers, body, chunk_size,
    honor_redirects, auth_key) and puts status, headers and data into test."""
    start = time.monotonic()
    deadline = start + timeout
    headers = {"User-Agent": "Meles regression tester"}
    for k, v in request["headers"]:
        headers[k] = v
    if request["auth_key"]:
        user, password = _credentials(creds_file, request["auth_key"])
        headers["Authorization"] = "Basic " + base64.b64encode(user + b":" + password).decode("ascii")
    url = request["url"]
    test.httpURL = url
    status, resp_headers, data = _one_request(request["method"], url, headers, request["body"],
                                              request["chunk_size"], timeout, deadline)
    hops = 0
    while request["honor_redirects"] and status in (301, 302, 303, 307, 308):
        hops += 1
        if hops > MAX_REDIRECTS:
            raise FetchError("more than %d redirects" % MAX_REDIRECTS)
        try:
            url = urllib.parse.urljoin(url, _header(resp_headers, "location"))
        except KeyError:
            break
        test.httpURL = url
        status, resp_headers, data = _one_request("GET", url, {"User-Agent": headers["User-Agent"]}, None, None,
                                                  timeout, deadline)
    test.status, test.headers, test.data = status, resp_headers, data
    test.url.httpURL = test.httpURL
    test.requestTime = time.monotonic() - start


def excerpt(data, limit=2000):
    """The start of a response body as text, for failure reports."""
    text = data[:limit].decode("utf-8", "replace")
    return text + ("..." if len(data) > limit else "")
