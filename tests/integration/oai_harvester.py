"""A small OAI-PMH harvester, as the searchable registries run against a publishing registry:
it lists records page by page following resumption tokens, checks every response against
the OAI-PMH and IVOA schemas in tests/schemata (xmllint, no network) and the protocol's
rules for tokens (cursor, completeListSize, the empty token ending a resumed list), and
hands back the records.

    h = Harvester("http://127.0.0.1:8080/oai.xml")
    for rec in h.list_records("ivo_vor", set="ivo_managed"):
        rec.identifier, rec.datestamp, rec.deleted, rec.sets, rec.metadata (an Element or None)

Used by the integration tests and by `scripts/bench oai` (validate=False there).
"""
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {
    "oai": OAI,
    "ri": "http://www.ivoa.net/xml/RegistryInterface/v1.0",
    "vr": "http://www.ivoa.net/xml/VOResource/v1.0",
    "vs": "http://www.ivoa.net/xml/VODataService/v1.1",
    "vg": "http://www.ivoa.net/xml/VORegistry/v1.0",
    "tr": "http://www.ivoa.net/xml/TAPRegExt/v1.0",
    "cs": "http://www.ivoa.net/xml/ConeSearch/v1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
SCHEMATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemata")


class OaiError(Exception):
    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


class Record:
    def __init__(self, identifier, datestamp, deleted, sets, metadata):
        self.identifier = identifier
        self.datestamp = datestamp
        self.deleted = deleted
        self.sets = sets
        self.metadata = metadata  # the metadata's root element, or None

    def xsi_type(self):
        return None if self.metadata is None else self.metadata.get("{%s}type" % NS["xsi"])


def validate(data):
    """xmllint's complaints about an OAI-PMH response (empty: valid against the schemas)."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(data)
        name = f.name
    try:
        r = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", os.path.join(SCHEMATA, "registry-all.xsd"), name],
                           capture_output=True, text=True)
    finally:
        os.unlink(name)
    lines = [l for l in r.stderr.splitlines()
             if l and "validates" not in l and "Skipping import of schema" not in l and "element import" not in l]
    if r.returncode != 0 and not lines:
        lines = ["xmllint exited with %d" % r.returncode]
    return "\n".join(lines)


class Harvester:
    def __init__(self, base_url, validate=True, timeout=60):
        self.base_url = base_url
        self.validate = validate
        self.timeout = timeout
        self.requests = 0
        self.bytes = 0

    def fetch(self, **args):
        """One request; returns (raw bytes, parsed root).  OAI errors raise OaiError."""
        url = self.base_url + "?" + urllib.parse.urlencode(args)
        with urllib.request.urlopen(url, timeout=self.timeout) as r:
            if r.status != 200:
                raise RuntimeError("HTTP %d for %s" % (r.status, url))
            data = r.read()
        self.requests += 1
        self.bytes += len(data)
        if self.validate:
            problems = validate(data)
            if problems:
                raise AssertionError("response to %s is not schema-valid:\n%s" % (url, problems[:3000]))
        root = ET.fromstring(data)
        err = root.find("oai:error", NS)
        if err is not None:
            raise OaiError(err.get("code"), err.text or "")
        return data, root

    @staticmethod
    def parse_header(h):
        return (h.findtext("oai:identifier", namespaces=NS), h.findtext("oai:datestamp", namespaces=NS),
                h.get("status") == "deleted", [s.text for s in h.findall("oai:setSpec", NS)])

    def _list(self, verb, **args):
        token = None
        seen = 0
        resumed = False
        while True:
            _, root = self.fetch(verb=verb, resumptionToken=token) if token else self.fetch(verb=verb, **args)
            body = root.find("oai:" + verb, NS)
            items = body.findall("oai:record" if verb == "ListRecords" else "oai:header", NS)
            rt = body.find("oai:resumptionToken", NS)
            if rt is not None:
                # cursor: how many came before this page; the size, when given, stays put
                if rt.get("cursor") is not None and int(rt.get("cursor")) != seen:
                    raise AssertionError("cursor %s, but %d records came before" % (rt.get("cursor"), seen))
            elif resumed:
                raise AssertionError("a resumed list must end with an (empty) resumptionToken")
            for it in items:
                if verb == "ListRecords":
                    ident, stamp, deleted, sets = self.parse_header(it.find("oai:header", NS))
                    md = it.find("oai:metadata", NS)
                    if deleted and md is not None:
                        raise AssertionError("deleted record %s carries metadata" % ident)
                    if not deleted and md is None:
                        raise AssertionError("record %s has no metadata" % ident)
                    yield Record(ident, stamp, deleted, sets, None if md is None else md[0])
                else:
                    ident, stamp, deleted, sets = self.parse_header(it)
                    yield Record(ident, stamp, deleted, sets, None)
            seen += len(items)
            token = rt.text if rt is not None else None
            if not token:
                if rt is not None and rt.get("completeListSize") is not None and int(rt.get("completeListSize")) != seen:
                    raise AssertionError("completeListSize %s, but %d records came" % (rt.get("completeListSize"), seen))
                return
            resumed = True

    def list_records(self, metadata_prefix="ivo_vor", **args):
        """Every record (following resumption tokens); [] when noRecordsMatch."""
        try:
            return list(self._list("ListRecords", metadataPrefix=metadata_prefix, **args))
        except OaiError as e:
            if e.code == "noRecordsMatch":
                return []
            raise

    def list_identifiers(self, metadata_prefix="ivo_vor", **args):
        try:
            return list(self._list("ListIdentifiers", metadataPrefix=metadata_prefix, **args))
        except OaiError as e:
            if e.code == "noRecordsMatch":
                return []
            raise

    def get_record(self, identifier, metadata_prefix="ivo_vor"):
        _, root = self.fetch(verb="GetRecord", identifier=identifier, metadataPrefix=metadata_prefix)
        rec = root.find("oai:GetRecord/oai:record", NS)
        ident, stamp, deleted, sets = self.parse_header(rec.find("oai:header", NS))
        md = rec.find("oai:metadata", NS)
        return Record(ident, stamp, deleted, sets, None if md is None else md[0])


def timed_harvest(base_url, metadata_prefix="ivo_vor"):
    """Harvests every record as fast as a client can take them (no validation, no parsing
    beyond counting records and finding the token); returns (records, seconds, requests,
    bytes).  For `scripts/bench oai`."""
    import re
    token_re = re.compile(rb"<oai:resumptionToken[^>]*>([^<]+)</oai:resumptionToken>")
    start = time.time()
    n = requests = size = 0
    args = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    while True:
        with urllib.request.urlopen(base_url + "?" + urllib.parse.urlencode(args), timeout=60) as r:
            data = r.read()
        requests += 1
        size += len(data)
        n += data.count(b"<oai:record>")
        m = token_re.search(data)
        if not m:
            return n, time.time() - start, requests, size
        args = {"verb": "ListRecords", "resumptionToken": m.group(1).decode()}
