"""fitsProdGrammar and //products#define (issue 14, items 1 and 2) on FITS files astropy writes:
plain, gzip-compressed and tile-compressed (fpack) images, a multi-extension file read per HDU,
header cards of every kind, compared with astropy's own reading of the same headers; corrupt
and truncated files named (stopping the import, or skipped and reported at the end with
--keep-going); hostile file names; the products table kept in step by imp and drop."""
import gzip
import os
import shutil

import numpy as np
from astropy.io import fits

from harness import Meles, check, run_tests

RD = r"""<resource schema="fitsimg">
  <meta name="title">FITS product test</meta>
  <meta name="description">Images written by astropy.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">photographic plates</meta>
  <table id="main" onDisk="True" mixin="//products#table" primary="accref">
    <meta name="description">One row per image.</meta>
    <column name="object" type="text" description="Object"/>
    <column name="dateobs" type="text" description="DATE-OBS, as written"/>
    <column name="exptime" type="double precision" unit="s" description="Exposure"/>
    <column name="airmass" type="double precision" description="Airmass (D exponent)"/>
    <column name="platenum" type="bigint" description="Plate number"/>
    <column name="photom" type="boolean" description="Photometric"/>
    <column name="observer" type="text" description="Observer (quotes)"/>
    <column name="history" type="text" description="A long string (CONTINUE cards)"/>
    <column name="chip" type="text" description="HIERARCH card"/>
    <column name="naxis1" type="integer" description="Width"/>
    <column name="naxis2" type="integer" description="Height"/>
    <column name="bitpix" type="integer" description="BITPIX"/>
    <column name="crval1" type="double precision" description="CRVAL1"/>
    <column name="blank" type="text" description="A keyword without value"/>
  </table>
  <table id="hdus" onDisk="True" primary="file,hdu">
    <meta name="description">One row per HDU.</meta>
    <column name="file" type="text" description="File"/>
    <column name="hdu" type="integer" description="HDU index"/>
    <column name="extname" type="text" description="EXTNAME"/>
    <column name="naxis" type="integer" description="NAXIS"/>
  </table>
  <data id="import">
    <sources recurse="True"><pattern>data/*.fits</pattern><pattern>data/*.fits.gz</pattern><pattern>data/*.fits.fz</pattern></sources>
    <fitsProdGrammar>
      <mapKeys>chip: ESO DET CHIP NAME, dateobs:DATE-OBS</mapKeys>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
        <bind key="mime">'image/fits'</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="main">
      <rowmaker>
        <map key="object">@OBJECT</map>
        <map key="dateobs">@dateobs</map>
        <map key="exptime">@EXPTIME</map>
        <map key="airmass">@AIRMASS</map>
        <map key="platenum">@PLATENUM</map>
        <map key="photom">@PHOTOM</map>
        <map key="observer">@OBSERVER</map>
        <map key="history">@LONGHIST</map>
        <map key="chip">@chip</map>
        <map key="naxis1">@NAXIS1</map>
        <map key="naxis2">@NAXIS2</map>
        <map key="bitpix">@BITPIX</map>
        <map key="crval1">@CRVAL1</map>
        <map key="blank">@BLANKKEY</map>
      </rowmaker>
    </make>
  </data>
  <data id="perhdu" auto="False">
    <sources pattern="mef/*.fits"/>
    <fitsProdGrammar hdusField="hdu" qnd="False"/>
    <make table="hdus">
      <rowmaker>
        <map key="file">\inputRelativePath</map>
        <map key="hdu">@hdu</map>
        <map key="extname">@EXTNAME</map>
        <map key="naxis">@NAXIS</map>
      </rowmaker>
    </make>
  </data>
</resource>
"""


def header_for(n):
    h = fits.Header()
    h["OBJECT"] = "field %d  " % n  # trailing blanks are not significant in FITS
    h["DATE-OBS"] = "1931-%02d-12T03:00:00" % (n % 12 + 1)
    h["EXPTIME"] = 60.5 * n
    h["PLATENUM"] = 10 ** 10 + n  # beyond 32 bits
    h["PHOTOM"] = n % 2 == 0
    h["OBSERVER"] = "O'Brien & \"Shapley\" <%d>" % n
    h["LONGHIST"] = ("plate scanned at Harvard; " * 6) + "end %d" % n  # CONTINUE cards
    h["HIERARCH ESO DET CHIP NAME"] = "ccd-%d" % n
    h["CRVAL1"] = 10.0 + n / 7.0
    h["BLANKKEY"] = None
    h["COMMENT"] = "not a field"
    h["HISTORY"] = "nor this"
    # a real written with a D exponent, as old plate archives do
    h.append(fits.Card.fromstring("AIRMASS = %20s / D exponent" % ("1.%dD0" % n)))
    return h


def write_images(d):
    """Writes one file of each kind; returns {relative path: astropy header of the image}."""
    data = os.path.join(d, "data")
    os.makedirs(os.path.join(data, "sub dir"), exist_ok=True)
    made = {}

    def plain(rel, n, arr):
        hdu = fits.PrimaryHDU(arr, header=header_for(n))
        hdu.writeto(os.path.join(d, rel))
        made[rel] = rel

    plain("data/plain.fits", 1, np.arange(64 * 48, dtype=np.int16).reshape(48, 64))
    plain("data/float.fits", 2, np.linspace(0, 1, 100 * 30, dtype=np.float32).reshape(30, 100))
    # a name an attacker or a careless scanner might pick; it must come through unharmed
    plain("data/sub dir/it's a plate; rm -rf.fits", 3, np.zeros((10, 20), dtype=np.uint8))
    # what COPY's text format and CSV writers must escape: a tab, a backslash, a newline
    plain("data/sub dir/tab\there\\back\nline.fits", 6, np.zeros((2, 3), dtype=np.int16))
    # gzip-compressed
    fits.PrimaryHDU(np.ones((16, 16), dtype=np.int32), header=header_for(4)).writeto(
        os.path.join(d, "data/gz.fits.gz"))
    made["data/gz.fits.gz"] = "data/gz.fits.gz"
    # tile-compressed (fpack): an empty primary HDU, the image in a compressed extension whose
    # original header fitsProdGrammar gives, as DaCHS does
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(np.arange(40 * 30, dtype=np.float32).reshape(30, 40),
                                                       header=header_for(5))]).writeto(
        os.path.join(d, "data/tiles.fits.fz"))
    made["data/tiles.fits.fz"] = "data/tiles.fits.fz"
    return made


def astropy_header(path):
    with fits.open(path) as hl:
        if len(hl) > 1 and isinstance(hl[1], fits.CompImageHDU) and hl[0].header["NAXIS"] == 0:
            return hl[1].header.copy()
        return hl[0].header.copy()


def setup(m):
    d = os.path.join(m.state, "inputs", "fitsimg")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD)
    return d, write_images(d)


def column_values(m, table, columns):
    """{first column: [the others]} as text; through JSON, as accrefs may hold tabs and newlines."""
    import json
    sql = "SELECT json_build_array(%s)::text FROM %s" % (", ".join("(%s)::text" % c for c in columns), table)
    out = {}
    for line in m.sql(sql):
        v = json.loads("\t".join(line))
        out[v[0]] = v[1:]
    return out


def accrefs(m, table):
    return sorted(column_values(m, table, ["accref"]))


def test_headers_as_astropy_reads_them():
    with Meles("fitsprod_headers") as m:
        d, made = setup(m)
        r = m.cli("imp", "fitsimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("fitsimg.main: 6 rows" in r.stdout, r.stdout)
        rows = column_values(m, "fitsimg.main", ["accref", "object", "dateobs", "exptime", "airmass", "platenum",
                                                 "photom", "observer", "history", "chip", "naxis1", "naxis2",
                                                 "bitpix", "crval1", "coalesce(blank, 'NULL')"])
        check(sorted(rows) == sorted("fitsimg/" + p for p in made), sorted(rows))
        for rel in made:
            h = astropy_header(os.path.join(d, rel))
            got = rows["fitsimg/" + rel]
            want = [h["OBJECT"].rstrip(), h["DATE-OBS"], repr(float(h["EXPTIME"])), repr(float(h["AIRMASS"])),
                    str(h["PLATENUM"]), "true" if h["PHOTOM"] else "false", h["OBSERVER"], h["LONGHIST"],
                    h["ESO DET CHIP NAME"], str(h["NAXIS1"]), str(h["NAXIS2"]), str(h["BITPIX"]),
                    repr(float(h["CRVAL1"])), "NULL"]
            # floats through PostgreSQL's shortest round-trip text and Python's repr alike
            got = [repr(float(v)) if i in (2, 3, 12) else v for i, v in enumerate(got)]
            check(got == want, "%s:\n meles   %r\n astropy %r" % (rel, got, want))
        # the product registry: one row per file, its size the file's, paths relative to the
        # inputs directory
        prods = column_values(m, "dc.products", ["accref", "accessPath", "mime", "sourceTable"])
        check(sorted(prods) == sorted(rows), prods)
        for rel in made:
            check(prods["fitsimg/" + rel] == ["fitsimg/" + rel, "image/fits", "fitsimg.main"], prods)
        sizes = column_values(m, "fitsimg.main", ["accref", "accsize"])
        for rel in made:
            check(sizes["fitsimg/" + rel] == [str(os.path.getsize(os.path.join(d, rel)))], sizes)
        # `val` agrees with what imp did
        r = m.cli("val", "fitsimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        # drop takes the products along
        r = m.cli("drop", "fitsimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check(m.sql("SELECT count(*) FROM dc.products WHERE sourceTable = 'fitsimg.main'") == [["0"]],
              "products left after drop")


def test_one_row_per_hdu():
    with Meles("fitsprod_hdus") as m:
        d, _ = setup(m)
        os.makedirs(os.path.join(d, "mef"))
        hl = fits.HDUList([fits.PrimaryHDU(header=header_for(1))])
        for i, name in enumerate(["SCI", "ERR", "DQ"]):
            hl.append(fits.ImageHDU(np.zeros((4 + i, 5), dtype=np.float32), name=name))
        hl.append(fits.BinTableHDU.from_columns([fits.Column(name="x", format="D", array=np.arange(3.0))],
                                                name="CAT"))
        path = os.path.join(d, "mef", "multi.fits")
        hl.writeto(path)
        r = m.cli("imp", "fitsimg/q", "perhdu")
        check(r.returncode == 0, r.stdout + r.stderr)
        got = m.sql("SELECT hdu, coalesce(extname, '-'), naxis FROM fitsimg.hdus ORDER BY hdu")
        with fits.open(path) as ref:
            want = [[str(i), h.header.get("EXTNAME", "-"), str(h.header["NAXIS"])] for i, h in enumerate(ref)]
        check(got == want, "meles %r\nastropy %r" % (got, want))


def test_bad_files_named_and_skipped_with_keep_going():
    with Meles("fitsprod_bad") as m:
        d, made = setup(m)
        data = os.path.join(d, "data")
        good = os.path.join(data, "plain.fits")
        # truncated in the data, truncated in the header, not FITS at all, a gzip stream cut
        # short, a header without END
        with open(good, "rb") as f:
            raw = f.read()
        with open(os.path.join(data, "cut-data.fits"), "wb") as f:
            f.write(raw[:len(raw) - 2880])  # into the pixels, not only the padding
        with open(os.path.join(data, "cut-header.fits"), "wb") as f:
            f.write(raw[:1000])
        with open(os.path.join(data, "notfits.fits"), "wb") as f:
            f.write(b"<html>this is not FITS</html>\n" * 200)
        with open(os.path.join(data, "cut.fits.gz"), "wb") as f:
            f.write(gzip.compress(raw)[:500])
        with open(os.path.join(data, "noend.fits"), "wb") as f:
            f.write(raw[:2880].replace(b"END" + b" " * 77, b"COMMENT" + b" " * 73) + b" " * 2880 * 50)
        bad = ["cut-data.fits", "cut-header.fits", "notfits.fits", "cut.fits.gz", "noend.fits"]

        def products():
            if m.sql("SELECT to_regclass('dc.products') IS NULL") == [["t"]]:
                return []
            return accrefs(m, "dc.products")
        before = products()
        r = m.cli("imp", "fitsimg/q")
        check(r.returncode != 0, "a corrupt file must stop the import: " + r.stdout)
        check(any("data/%s" % b in r.stderr for b in bad), r.stderr)
        check(products() == before, "products written by a failed import")
        check(m.sql("SELECT to_regclass('fitsimg.main') IS NULL") == [["t"]], "a table made by a failed import")
        r = m.cli("imp", "--keep-going", "fitsimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("fitsimg.main: 6 rows, 5 bad records skipped" in r.stdout, r.stdout)
        tail = r.stdout[r.stdout.index("skipped in fitsimg.main:"):]
        for b in bad:
            check("data/" + b + ":" in tail, "%s not reported at the end:\n%s" % (b, r.stdout))
        check(accrefs(m, "fitsimg.main") == sorted("fitsimg/" + p for p in made), "the good files")


def test_sources_outside_the_inputs_directory():
    with Meles("fitsprod_paths") as m:
        d, made = setup(m)
        # a data directory linked in from elsewhere (the usual layout for big collections)
        elsewhere = os.path.join(m.state, "bigdisk")
        shutil.move(os.path.join(d, "data"), elsewhere)
        os.symlink(elsewhere, os.path.join(d, "data"))
        r = m.cli("imp", "fitsimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check(accrefs(m, "dc.products") == sorted("fitsimg/" + p for p in made), accrefs(m, "dc.products"))
        # a pattern reaching out of the inputs directory gets no accref spelling a server path
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write(RD.replace("<pattern>data/*.fits</pattern>", "<pattern>../../bigdisk/*.fits</pattern>"))
        r = m.cli("imp", "fitsimg/q")
        check(r.returncode != 0 and "lies outside" in r.stderr, r.stdout + r.stderr)
        check(m.sql("SELECT count(*) FROM dc.products WHERE accref LIKE '/%' OR accref LIKE '%..%'") == [["0"]],
              "server paths as accrefs")


if __name__ == "__main__":
    run_tests([test_headers_as_astropy_reads_them, test_one_row_per_hdu, test_bad_files_named_and_skipped_with_keep_going,
               test_sources_outside_the_inputs_directory])
