"""The publishing registry (issue 16, item 2): `meles pub` / `pub -u` / `pub -a`, the
VOResource records they store and the OAI-PMH endpoint /oai.xml — harvested page by page
with a real harvester client (oai_harvester.py) following resumption tokens, every response
checked against the OAI-PMH, RegistryInterface, VOResource, VODataService, TAPRegExt and
ConeSearch schemas (tests/schemata/registry-all.xsd); pub refusing incomplete metadata with
file:line; deleted records kept; and what hostile clients send to /oai.xml."""
import os
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

from harness import Meles, check, import_stars, run_tests
from oai_harvester import NS, Harvester, OaiError, validate

CONFIG = "[ivoa]\nauthority = meles.test\noaipmhPageSize = 3\n[web]\nsitename = Meles Test Site\n"

BAD_RD = """<resource schema="badpub">
  <meta name="title">Incomplete</meta>
  <meta name="subject">catalogs</meta>
  <meta name="subject">catalogue stuff</meta>
  <meta name="contentLevel">Expert</meta>
  <table id="main" onDisk="True" adql="True">
    <column name="x" type="real"/>
    <publish/>
  </table>
  <data id="import">
    <make table="main"/>
  </data>
  <service id="web" allowed="form">
    <meta name="title">A form</meta>
    <nullCore/>
    <publish render="form,scs.xml"/>
  </service>
</resource>
"""


def oai(m, query, method="GET"):
    """(status, root element, raw body) of a request to /oai.xml; the body must be
    schema-valid whatever was asked."""
    if method == "POST":
        r = m.post("/oai.xml", body=query, headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        r = m.get("/oai.xml?" + query)
    check(r.status == 200, "HTTP %d for %s: %s" % (r.status, query[:100], r.text[:300]))
    problems = validate(r.body)
    check(not problems, "response to %s not schema-valid:\n%s\n%s" % (query[:100], problems[:2000], r.text[:1000]))
    return r.status, ET.fromstring(r.body), r.body


def error_code(m, query, method="GET"):
    _, root, body = oai(m, query, method)
    err = root.find("oai:error", NS)
    check(err is not None, "no error for %s: %s" % (query[:100], body[:300]))
    req = root.find("oai:request", NS)
    if err.get("code") in ("badVerb", "badArgument"):
        check(not req.attrib, "badVerb/badArgument answers must echo no arguments: %s" % req.attrib)
    return err.get("code")


def setup_site(m, rows=2000):
    """The demo star catalogue imported, its limits computed, the cone service and TAP published."""
    import_stars(m, rows)
    r = m.cli("limits", "stars/q")
    check(r.returncode == 0, "limits failed: " + r.stdout + r.stderr)
    r = m.cli("pub", "stars/q", "//tap")
    check(r.returncode == 0, "pub failed: " + r.stdout + r.stderr)
    return r


def test_pub_refuses_incomplete_metadata():
    with Meles("reg_badpub", CONFIG) as m:
        d = os.path.join(m.state, "inputs", "badpub")
        os.makedirs(d)
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write(BAD_RD)
        r = m.cli("imp", "badpub/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        r = m.cli("pub", "badpub/q")
        check(r.returncode == 1, "pub must fail: %s %s" % (r.stdout, r.stderr))
        err = r.stderr
        # every missing or invalid item, each with file:line
        for what in [r"q\.rd:6: table 'main': no description", r"q\.rd:6: table 'main': no creationDate",
                     r"q\.rd:4: .*subject 'catalogue stuff' is not a UAT term",
                     r"q\.rd:5: .*contentLevel 'Expert' is not one of Research, Amateur, General",
                     r"q\.rd:13: service 'web': no description",
                     r"q\.rd:16: service 'web': publishes renderer 'scs.xml', which it does not allow"]:
            check(re.search(what, err), "missing %r in:\n%s" % (what, err))
        check("nothing was published" in err, err)
        check(r.stdout == "", "nothing may be reported as published: " + r.stdout)
        # and nothing was: the registry has no record, not even its own
        check(m.sql("SELECT to_regclass('meles.resources') IS NULL")[0][0] == "t" or
              m.sql("SELECT count(*) FROM meles.resources")[0][0] == "0", "records were stored")
        # the subject suggestion points at real UAT terms
        check("did you mean" in err, err)


def test_harvest_validates():
    with Meles("reg_harvest", CONFIG) as m:
        out = setup_site(m)
        check("ivo://meles.test/stars/q/cone published" in out.stdout, out.stdout)
        check("ivo://meles.test/tap published" in out.stdout, out.stdout)
        check("ivo://meles.test/__system__/services/registry published" in out.stdout, out.stdout)
        m.start()
        h = Harvester(m.url + "/oai.xml")
        # Identify carries the registry's own record
        _, root = h.fetch(verb="Identify")
        ident = root.find("oai:Identify", NS)
        check(ident.findtext("oai:baseURL", namespaces=NS).endswith("/oai.xml"), "baseURL")
        check(ident.findtext("oai:deletedRecord", namespaces=NS) == "persistent", "deletedRecord")
        check(ident.findtext("oai:adminEmail", namespaces=NS) == "operators@example.org", "adminEmail from defaultmeta")
        reg = ident.find("oai:description/ri:Resource", NS)
        check(reg is not None and reg.get("{%s}type" % NS["xsi"]) == "vg:Registry", "Identify without the registry record")
        check(reg.findtext("managedAuthority") == "meles.test", "managedAuthority")

        # ListRecords, 3 per page: every page validated, tokens followed to the end
        recs = h.list_records("ivo_vor")
        check(h.requests >= 3, "expected several pages, got %d requests" % h.requests)
        by_id = {r.identifier: r for r in recs}
        check(len(by_id) == len(recs), "a record came twice")
        expect = {"ivo://meles.test/stars/q/cone": "vs:CatalogService", "ivo://meles.test/tap": "vs:CatalogService",
                  "ivo://meles.test/__system__/services/registry": "vg:Registry", "ivo://meles.test": "vg:Authority"}
        for ivoid, t in expect.items():
            check(ivoid in by_id, "%s not harvested (got %s)" % (ivoid, sorted(by_id)))
            check(by_id[ivoid].xsi_type() == t, "%s is %s" % (ivoid, by_id[ivoid].xsi_type()))
            check("ivo_managed" in by_id[ivoid].sets, "sets of " + ivoid)

        cone = by_id["ivo://meles.test/stars/q/cone"].metadata
        check(cone.findtext("title") == "Meles demo cone search", "title")
        check(cone.findtext("content/subject") == "catalogs", "subject identifiers")
        check([s.text for s in cone.findall("content/subject")] == ["catalogs", "stellar-astronomy"], "subjects")
        check(cone.findtext("curation/creator/name") == "Meles developers", "creator")
        check(cone.get("created") == "2026-11-23T00:00:00Z", "created from creationDate")
        check(cone.findtext("content/referenceURL").endswith("/stars/q/cone/info"), "referenceURL")
        caps = {c.get("standardID"): c for c in cone.findall("capability")}
        check(caps["ivo://ivoa.net/std/ConeSearch"].get("{%s}type" % NS["xsi"]) == "cs:ConeSearch", "cone capability")
        check(caps["ivo://ivoa.net/std/ConeSearch"].findtext("interface/accessURL").endswith("/stars/q/cone/scs.xml?"), "scs URL")
        check("ivo://ivoa.net/std/TAP#aux" in caps, "TAP#aux on the cone service's record")
        check(any(c.find("interface").get("{%s}type" % NS["xsi"]) == "vr:WebBrowser" for c in cone.findall("capability")),
              "the form")
        tables = [t.findtext("name") for t in cone.findall("tableset/schema/table")]
        check(tables == ["stars.main"], "tableset %s" % tables)
        check(cone.findtext("tableset/schema/table/nrows") == "2000", "nrows from limits")
        # coverage: the MOC `meles limits` computed, and the waveband
        moc = m.sql("SELECT spatial FROM meles.rd_coverage WHERE rd_id = 'stars/q'")[0][0]
        check(cone.findtext("coverage/spatial") == moc, "spatial coverage %r vs %r" % (cone.findtext("coverage/spatial")[:80], moc[:80]))
        check(cone.findtext("coverage/waveband") == "Optical", "waveband")

        tap = by_id["ivo://meles.test/tap"].metadata
        check(tap.findtext("title") == "Meles Test Site TAP service", "TAP title from [web] sitename")
        tcap = [c for c in tap.findall("capability") if c.get("standardID") == "ivo://ivoa.net/std/TAP"]
        check(tcap and tcap[0].get("{%s}type" % NS["xsi"]) == "tr:TableAccess", "TAP capability")
        tnames = {t.findtext("name") for t in tap.findall("tableset/schema/table")}
        check({"stars.main", "tap_schema.tables", "tap_schema.columns"} <= tnames, "TAP tableset %s" % tnames)

        # the same in oai_dc
        dc = h.list_records("oai_dc")
        check({r.identifier for r in dc} == set(by_id), "oai_dc lists other records")
        cdc = [r for r in dc if r.identifier == "ivo://meles.test/stars/q/cone"][0].metadata
        check(cdc.findtext("dc:title", namespaces=NS) == "Meles demo cone search", "dc:title")

        # ListIdentifiers, GetRecord, ListMetadataFormats, ListSets, selective harvesting
        ids = h.list_identifiers("ivo_vor", set="ivo_managed")
        check({r.identifier for r in ids} == set(by_id), "ListIdentifiers")
        g = h.get_record("IVO://MELES.TEST/stars/q/cone")  # IVOIDs compare case-insensitively
        check(g.identifier == "ivo://meles.test/stars/q/cone" and g.xsi_type() == "vs:CatalogService", "GetRecord")
        _, root = h.fetch(verb="ListMetadataFormats", identifier="ivo://meles.test/tap")
        check({p.text for p in root.findall(".//oai:metadataPrefix", NS)} == {"ivo_vor", "oai_dc"}, "formats")
        _, root = h.fetch(verb="ListSets")
        check({s.text for s in root.findall(".//oai:setSpec", NS)} == {"ivo_managed", "local"}, "sets")
        check(len(h.list_records("ivo_vor", set="local")) == 1, "set=local")
        future = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
        check(h.list_records("ivo_vor", **{"from": future}) == [], "from in the future")
        check(len(h.list_records("ivo_vor", until=future)) == len(recs), "until in the future")
        # POST works as GET
        _, root, _ = oai(m, "verb=GetRecord&identifier=ivo%3A%2F%2Fmeles.test%2Ftap&metadataPrefix=ivo_vor", method="POST")
        check(root.find("oai:GetRecord", NS) is not None, "POST GetRecord")

        # the VOSI capabilities of the service are those of its record
        r = m.get("/stars/q/cone/capabilities")
        check(r.status == 200 and "cs:ConeSearch" in r.text and "vr:WebBrowser" in r.text, r.text[:500])


def test_deleted_records_and_datestamps():
    with Meles("reg_deleted", CONFIG) as m:
        setup_site(m)
        m.start()
        h = Harvester(m.url + "/oai.xml")
        cone = "ivo://meles.test/stars/q/cone"
        first = h.get_record(cone).datestamp
        # publishing again without a change keeps the datestamp (harvesters are not sent it again)
        time.sleep(1.1)
        r = m.cli("pub", "stars/q")
        check(r.returncode == 0 and "%s unchanged" % cone in r.stdout, r.stdout + r.stderr)
        check(h.get_record(cone).datestamp == first, "unchanged record got a new datestamp")
        # unpublishing keeps the record, as deleted, with a new datestamp
        r = m.cli("pub", "-u", "stars/q")
        check(r.returncode == 0 and "%s deleted" % cone in r.stdout, r.stdout + r.stderr)
        g = h.get_record(cone)
        check(g.deleted and g.metadata is None and g.datestamp > first, "deleted record: %s %s" % (g.deleted, g.datestamp))
        recs = {x.identifier: x for x in h.list_records("ivo_vor")}
        check(recs[cone].deleted, "ListRecords shows the deletion")
        check(not recs["ivo://meles.test/tap"].deleted, "TAP stays")
        # an incremental harvest from the deletion on sees it
        inc = h.list_identifiers("ivo_vor", **{"from": g.datestamp})
        check(cone in {x.identifier for x in inc if x.deleted}, "from= misses the deletion")
        # publishing again revives it
        r = m.cli("pub", "stars/q")
        check(r.returncode == 0 and "%s published" % cone in r.stdout, r.stdout + r.stderr)
        check(not h.get_record(cone).deleted, "not revived")
        # drop unpublishes, too
        r = m.cli("drop", "stars/q")
        check(r.returncode == 0 and "unpublished %s" % cone in r.stdout, r.stdout + r.stderr)
        check(h.get_record(cone).deleted, "dropped RD still published")
        # pub -a publishes every RD with <publish> (again) and //tap
        r = m.cli("imp", "stars/q")
        check(r.returncode == 0, r.stderr)
        r = m.cli("pub", "-a")
        check(r.returncode == 0 and "%s published" % cone in r.stdout and "ivo://meles.test/tap unchanged" in r.stdout,
              r.stdout + r.stderr)
        # and pub -a -u unpublishes everything, the registry's own records included
        r = m.cli("pub", "-a", "-u")
        check(r.returncode == 0, r.stderr)
        recs = h.list_records("ivo_vor")
        check(recs and all(x.deleted for x in recs), "pub -a -u left live records")


def test_limits_refresh_records():
    with Meles("reg_limits", CONFIG) as m:
        import_stars(m, 500)
        r = m.cli("pub", "stars/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        m.start()
        h = Harvester(m.url + "/oai.xml")
        cone = h.get_record("ivo://meles.test/stars/q/cone").metadata
        check(cone.find("coverage/spatial") is None, "coverage before limits")
        r = m.cli("limits", "stars/q")
        check(r.returncode == 0 and "registry records of stars/q updated" in r.stdout, r.stdout + r.stderr)
        cone = h.get_record("ivo://meles.test/stars/q/cone").metadata
        check(cone.findtext("coverage/spatial"), "limits did not reach the published record")


def test_hostile_oai():
    with Meles("reg_hostile", CONFIG) as m:
        setup_site(m, rows=200)
        m.start()
        q = urllib.parse.quote
        cases = [
            ("", "badVerb"), ("verb=", "badVerb"), ("verb=Nonsense", "badVerb"), ("verb=identify", "badVerb"),
            ("verb=Identify&verb=Identify", "badVerb"), ("verb=%ff%fe%00%01<x>", "badVerb"),
            ("verb=Identify&extra=1", "badArgument"), ("verb=ListRecords", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&metadataPrefix=ivo_vor", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&from=yesterday", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&from=2026-02-30", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&from=2026-01-01T00:00:00", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&from=2026-01-01&until=2026-01-01T00:00:00Z", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&from=2027-01-01&until=2026-01-01", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&set=a::b", "badArgument"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&resumptionToken=abc", "badArgument"),
            ("verb=GetRecord&identifier=ivo://meles.test/tap", "badArgument"),
            ("verb=GetRecord&identifier=&metadataPrefix=ivo_vor", "badArgument"),
            ("verb=ListRecords&resumptionToken=garbage!", "badResumptionToken"),
            ("verb=ListRecords&resumptionToken=" + "A" * 4000, "badResumptionToken"),
            ("verb=ListRecords&resumptionToken=" + "A" * 20000, "badResumptionToken"),
            ("verb=ListSets&resumptionToken=MXxMaXN0", "badResumptionToken"),
            ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
            ("verb=GetRecord&identifier=ivo://meles.test/tap&metadataPrefix=marc21", "cannotDisseminateFormat"),
            ("verb=GetRecord&identifier=ivo://nowhere/x&metadataPrefix=ivo_vor", "idDoesNotExist"),
            ("verb=GetRecord&identifier=" + q("not a URI <&>\"") + "&metadataPrefix=ivo_vor", "idDoesNotExist"),
            ("verb=ListMetadataFormats&identifier=ivo://nowhere/x", "idDoesNotExist"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&set=nosuchset", "noRecordsMatch"),
            ("verb=ListIdentifiers&metadataPrefix=oai_dc&from=2099-01-01", "noRecordsMatch"),
            ("verb=ListRecords&metadataPrefix=ivo_vor&" + "&".join("a%d=1" % i for i in range(40)), "badArgument"),
        ]
        for query, code in cases:
            got = error_code(m, query)
            check(got == code, "%s: expected %s, got %s" % (query[:80], code, got))
        # a token of one verb does not continue another, nor a tampered one anything
        h = Harvester(m.url + "/oai.xml")
        _, root = h.fetch(verb="ListIdentifiers", metadataPrefix="ivo_vor")
        token = root.find(".//oai:resumptionToken", NS).text
        check(error_code(m, "verb=ListRecords&resumptionToken=" + token) == "badResumptionToken", "token of another verb")
        check(error_code(m, "verb=ListIdentifiers&resumptionToken=" + token[:-3]) == "badResumptionToken", "tampered token")
        # the same mistakes by POST; other methods and content types are refused plainly
        check(error_code(m, "verb=Nonsense", method="POST") == "badVerb", "POST badVerb")
        r = m.request("PUT", "/oai.xml", body="x")
        check(r.status == 405, "PUT: %d" % r.status)
        r = m.post("/oai.xml", body="verb=Identify", headers={"Content-Type": "text/plain"})
        check(r.status == 415, "text/plain POST: %d" % r.status)
        r = m.post("/oai.xml", body="verb=Identify&x=" + "y" * 200000,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(r.status == 413, "huge POST: %d" % r.status)
        # after all that the endpoint still answers, and no connection was left behind
        check(len(h.list_records("ivo_vor")) >= 4, "endpoint broken after the probes")
        check("ERROR" not in m.daemon_log() or "oai" not in m.daemon_log().lower(), "errors logged:\n" + m.daemon_log()[-2000:])


if __name__ == "__main__":
    run_tests([test_pub_refuses_incomplete_metadata, test_harvest_validates, test_deleted_records_and_datestamps,
               test_limits_refresh_records, test_hostile_oai])
