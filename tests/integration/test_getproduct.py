"""Product delivery and previews (issue 14, item 6): /getproduct/<accref> of an image RD with
//products#define, byte-identical to the file; Range requests (first bytes, suffix, open-ended,
beyond the file, several ranges), HEAD, conditional requests; embargo (the owner gets it, another
user 403, anonymous 401 with a challenge, everybody once the date has passed); path tricks and
missing files are 404s and logged; previews are PNGs of the configured size whose pixels are the
binned, percentile-stretched image as numpy computes it, cached on disk after the first request."""
import base64
import io
import os
import threading
import urllib.parse

import numpy as np
from astropy.io import fits
from PIL import Image

from harness import Meles, check, run_tests

RD = r"""<resource schema="prodimg">
  <meta name="title">getproduct test</meta>
  <meta name="description">Images written by astropy.</meta>
  <meta name="creationDate">2026-12-01T00:00:00Z</meta>
  <meta name="subject">photographic plates</meta>
  <table id="main" onDisk="True" mixin="//products#table" primary="accref">
    <meta name="description">One row per image.</meta>
    <column name="object" type="text" description="Object"/>
  </table>
  <data id="import">
    <sources recurse="True"><pattern>data/*.fits</pattern><pattern>data/*.fits.fz</pattern></sources>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
        <bind key="owner">"alice" if @PLATENUM == 2 else None</bind>
        <bind key="embargo">"2099-01-01" if @PLATENUM == 2 else None</bind>
        <bind key="preview">"prodimg/data/ready.png" if @PLATENUM == 4 else "AUTO"</bind>
        <bind key="preview_mime">"image/png" if @PLATENUM == 4 else None</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="main">
      <rowmaker><map key="object">@OBJECT</map></rowmaker>
    </make>
  </data>
</resource>
"""

PREVIEW = 64  # [web] previewSize of these tests


def image_data():
    """200 rows × 300 columns of floats with a gradient, hot pixels and a blank (NaN) patch."""
    y, x = np.mgrid[0:200, 0:300]
    d = (x * 2.0 + y * 0.5 + 10 * np.sin(x / 7.0)).astype(np.float32)
    d[5, 7] = 1e6
    d[150, 250] = -1e6
    d[20:40, 30:60] = np.nan
    return d


def write_files(d):
    data = os.path.join(d, "data")
    os.makedirs(data, exist_ok=True)

    def hdu(arr, n):
        h = fits.PrimaryHDU(arr)
        h.header["OBJECT"] = "field %d" % n
        h.header["PLATENUM"] = n
        return h

    hdu(image_data(), 1).writeto(os.path.join(data, "public.fits"))
    hdu(np.arange(40 * 30, dtype=np.int16).reshape(30, 40), 2).writeto(os.path.join(data, "secret.fits"))
    hdu(np.zeros((10, 20), dtype=np.uint8), 3).writeto(os.path.join(data, "gone.fits"))
    hdu(np.ones((4, 4), dtype=np.int16), 4).writeto(os.path.join(data, "named preview.fits"))
    with open(os.path.join(data, "ready.png"), "wb") as f:
        Image.new("L", (3, 2), 77).save(f, format="PNG")
    # an int16 image, tile-compressed: the preview reads it through CFITSIO
    i16 = (np.arange(70 * 50) % 97).astype(np.int16).reshape(50, 70)
    comp = fits.CompImageHDU(i16, header=fits.Header([("OBJECT", "tiles"), ("PLATENUM", 5)]))
    fits.HDUList([fits.PrimaryHDU(), comp]).writeto(os.path.join(data, "tiles.fits.fz"))
    return data


def setup(m):
    d = os.path.join(m.state, "inputs", "prodimg")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD)
    data = write_files(d)
    r = m.cli("imp", "prodimg/q")
    check(r.returncode == 0, r.stdout + r.stderr)
    for u in ("alice", "bob"):
        r = m.cli("adm", "adduser", u, u + "-pw")
        check(r.returncode == 0, r.stdout + r.stderr)
    return data


def auth(user):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s-pw" % (user, user)).encode()).decode()}


def url(accref, query=""):
    return "/getproduct/" + urllib.parse.quote(accref) + (("?" + query) if query else "")


def expected_preview(d, size):
    """The binning and stretch of docs/products.md, in numpy."""
    h, w = d.shape
    f = max(1, -(-max(w, h) // size))
    H, W = -(-h // f) * f, -(-w // f) * f
    p = np.full((H, W), np.nan)
    p[:h, :w] = d
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grid = np.nanmean(p.reshape(H // f, f, W // f, f), axis=(1, 3))
    grid = grid[::-1]  # FITS row 1 is the bottom
    finite = grid[np.isfinite(grid)]
    lo, hi = np.percentile(finite, [1, 99])
    out = np.clip((grid - lo) / (hi - lo), 0, 1) * 255
    out = np.where(np.isfinite(grid), np.floor(out + 0.5), 0)
    return out.astype(np.uint8)


def test_delivery_and_ranges():
    with Meles("getproduct_ranges") as m:
        data = setup(m)
        m.start()
        path = os.path.join(data, "public.fits")
        whole = open(path, "rb").read()
        r = m.get(url("prodimg/data/public.fits"))
        check(r.status == 200, (r.status, r.text))
        check(r.body == whole, "body differs from the file")
        check(r.header("Content-Type") == "image/fits", r.headers)
        check(r.header("Content-Length") == str(len(whole)), r.headers)
        check(r.header("Content-Disposition") ==
              "attachment; filename=\"public.fits\"; filename*=UTF-8''public.fits", r.headers)
        check(r.header("Accept-Ranges") == "bytes", r.headers)
        check(r.header("Last-Modified") and r.header("ETag"), r.headers)
        etag = r.header("ETag")
        # DaCHS's older form
        r = m.get("/getproduct?key=" + urllib.parse.quote("prodimg/data/public.fits"))
        check(r.status == 200 and r.body == whole, r.status)
        # ranges
        n = len(whole)
        for rng, first, last in (("bytes=0-99", 0, 99), ("bytes=-500", n - 500, n - 1),
                                 ("bytes=%d-" % (n - 1000), n - 1000, n - 1), ("bytes=100-%d" % (n * 2), 100, n - 1)):
            r = m.get(url("prodimg/data/public.fits"), headers={"Range": rng})
            check(r.status == 206, (rng, r.status))
            check(r.body == whole[first:last + 1], rng)
            check(r.header("Content-Range") == "bytes %d-%d/%d" % (first, last, n), (rng, r.headers))
            check(r.header("Content-Length") == str(last - first + 1), r.headers)
        for rng in ("bytes=%d-" % n, "bytes=%d-%d" % (n + 10, n + 20), "bytes=-0"):
            r = m.get(url("prodimg/data/public.fits"), headers={"Range": rng})
            check(r.status == 416, (rng, r.status))
            check(r.header("Content-Range") == "bytes */%d" % n, r.headers)
        # several ranges: the whole file (docs/products.md); a malformed header too
        for rng in ("bytes=0-1,5-6", "bytes=x-y", "items=0-5"):
            r = m.get(url("prodimg/data/public.fits"), headers={"Range": rng})
            check(r.status == 200 and r.body == whole, (rng, r.status))
        # If-Range with another validator: the whole file
        r = m.get(url("prodimg/data/public.fits"), headers={"Range": "bytes=0-9", "If-Range": '"other"'})
        check(r.status == 200 and r.body == whole, r.status)
        r = m.get(url("prodimg/data/public.fits"), headers={"Range": "bytes=0-9", "If-Range": etag})
        check(r.status == 206 and r.body == whole[:10], r.status)
        r = m.get(url("prodimg/data/public.fits"), headers={"If-None-Match": etag})
        check(r.status == 304 and r.body == b"", r.status)
        # HEAD: the headers of GET, no body
        r = m.request("HEAD", url("prodimg/data/public.fits"))
        check(r.status == 200 and r.body == b"", r.status)
        check(r.header("Content-Length") == str(n), r.headers)
        r = m.request("HEAD", url("prodimg/data/public.fits"), headers={"Range": "bytes=10-19"})
        check(r.status == 206 and r.header("Content-Length") == "10", r.headers)
        r = m.post(url("prodimg/data/public.fits"), body="x")
        check(r.status == 405, r.status)
        # keep-alive after a file: the next request on the same connection works
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", m.port, timeout=30)
        for _ in range(3):
            c.request("GET", url("prodimg/data/public.fits"), headers={"Range": "bytes=0-2879"})
            resp = c.getresponse()
            check(resp.status == 206 and resp.read() == whole[:2880], resp.status)
        c.close()
        # tile-compressed products go out as they are stored
        r = m.get(url("prodimg/data/tiles.fits.fz"))
        check(r.status == 200 and r.body == open(os.path.join(data, "tiles.fits.fz"), "rb").read(), r.status)


def test_embargo():
    with Meles("getproduct_embargo") as m:
        setup(m)
        m.start()
        secret = url("prodimg/data/secret.fits")
        r = m.get(secret)
        check(r.status == 401, (r.status, r.text))
        check((r.header("WWW-Authenticate") or "").startswith("Basic"), r.headers)
        check("embargoed until 2099-01-01" in r.text, r.text)
        r = m.get(secret, headers=auth("bob"))
        check(r.status == 403, (r.status, r.text))
        r = m.get(secret, headers=auth("alice"))
        check(r.status == 200 and r.body[:6] == b"SIMPLE", r.status)
        check(r.header("Cache-Control") == "private", r.headers)
        # previews are embargoed as well
        check(m.get(url("prodimg/data/secret.fits", "preview=True")).status == 401, "preview of embargoed")
        check(m.get(url("prodimg/data/secret.fits", "preview=True"), headers=auth("alice")).status == 200, "owner")
        # wrong password: 401 whatever the product
        bad = {"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()}
        check(m.get(secret, headers=bad).status == 401, "wrong password")
        # public products for everybody
        check(m.get(url("prodimg/data/public.fits"), headers=auth("bob")).status == 200, "public to bob")
        # the embargo ends
        m.sql("UPDATE dc.products SET embargo = current_date - 1 WHERE accref = 'prodimg/data/secret.fits'")
        check(m.get(secret).status == 200, "after the embargo")
        check(m.get(secret, headers=auth("bob")).status == 200, "after the embargo, bob")
        m.sql("UPDATE dc.products SET embargo = current_date WHERE accref = 'prodimg/data/secret.fits'")
        check(m.get(secret).status == 200, "on the day the embargo ends")


def test_path_tricks_and_missing_files():
    with Meles("getproduct_tricks") as m:
        data = setup(m)
        outside = os.path.join(m.state, "outside.txt")
        with open(outside, "w") as f:
            f.write("not yours")
        # rows an operator's RD could have made: a symlink out of the inputs, a path with '..',
        # an absolute path
        os.symlink(outside, os.path.join(data, "link.fits"))
        os.symlink(os.path.join(data, "public.fits"), os.path.join(data, "inside-link.fits"))
        m.sql("INSERT INTO dc.products (accref, accessPath, mime) VALUES "
              "('t/link', 'prodimg/data/link.fits', 'image/fits'), "
              "('t/dots', 'prodimg/../outside.txt', 'text/plain'), "
              "('t/abs', '%s', 'text/plain'), "
              "('t/inside', 'prodimg/data/inside-link.fits', 'image/fits'), "
              "('t/dir', 'prodimg/data', 'image/fits')" % outside)
        os.remove(os.path.join(data, "gone.fits"))
        m.start()
        for path in ("/getproduct/..%2F..%2Fetc%2Fpasswd", "/getproduct/%2e%2e/%2e%2e/etc/passwd",
                     "/getproduct/prodimg/../../outside.txt", "/getproduct//etc/passwd",
                     "/getproduct?key=../outside.txt", "/getproduct/" + "a" * 5000,
                     "/getproduct/t/link", "/getproduct/t/dots", "/getproduct/t/abs", "/getproduct/t/dir",
                     "/getproduct/no/such/thing", "/getproduct/t/link?preview=True", "/getproduct/%ff%fe.fits"):
            r = m.get(path)
            check(r.status == 404, (path, r.status, r.text))
            check(b"not yours" not in r.body and m.state.encode() not in r.body, (path, r.text))
        # parameters must be UTF-8 (an overlong '.' here): the parameter layer says so (400)
        r = m.get("/getproduct?key=%c0%ae%c0%ae/outside.txt")
        check(r.status == 400 and "parameter key is not valid UTF-8" in r.text, (r.status, r.text))
        # NUL never reaches a handler (the transport refuses control characters: 400)
        check(m.get("/getproduct/a%00b").status in (400, 404), "NUL")
        # a symlink that stays inside the inputs is followed
        r = m.get("/getproduct/t/inside")
        check(r.status == 200 and r.body == open(os.path.join(data, "public.fits"), "rb").read(), r.status)
        # a registered product whose file is gone: 404 naming it, an operator problem in the log
        r = m.get(url("prodimg/data/gone.fits"))
        check(r.status == 404 and "prodimg/data/gone.fits" in r.text and "missing" in r.text, r.text)
        check(m.state.encode() not in r.body, r.text)
        m.stop()
        log = m.daemon_log()
        check("prodimg/data/gone.fits" in log and "is missing" in log, log[-3000:])
        check("leaves the inputs directory" in log and "outside the inputs directory" in log, log[-3000:])


def test_before_any_product():
    """No RD has registered products yet (no dc.products table): 404, not a database error."""
    with Meles("getproduct_none") as m:
        m.start()
        r = m.get("/getproduct/some/file.fits")
        check(r.status == 404 and "some/file.fits" in r.text, (r.status, r.text))


def test_previews():
    with Meles("getproduct_previews", "[web]\npreviewSize = %d\n" % PREVIEW) as m:
        data = setup(m)
        m.start()
        r = m.get(url("prodimg/data/public.fits", "preview=True"))
        check(r.status == 200, (r.status, r.text))
        check(r.header("Content-Type") == "image/png", r.headers)
        check(r.header("X-Preview-Cache") == "miss", r.headers)
        img = Image.open(io.BytesIO(r.body))
        check(img.mode == "L", img.mode)
        want = expected_preview(image_data().astype(np.float64), PREVIEW)
        check(img.size == (want.shape[1], want.shape[0]) == (60, 40), (img.size, want.shape))
        got = np.asarray(img).astype(int)
        diff = np.abs(got - want.astype(int))
        check(diff.max() <= 1, "preview differs from numpy by up to %d (at %s)" %
              (diff.max(), np.unravel_index(diff.argmax(), diff.shape)))
        # the blank patch is black, the stretch uses the range (not all black or white)
        check(got.min() == 0 and got.max() == 255 and 50 < got.mean() < 200, got.mean())
        # cached: the same bytes from the file below the state directory
        cache = os.path.join(m.state, "previews")
        files = [f for f in os.listdir(cache) if f.endswith(".png")]
        check(len(files) == 1, files)
        r2 = m.get(url("prodimg/data/public.fits", "preview=True"))
        check(r2.status == 200 and r2.body == r.body and r2.header("X-Preview-Cache") == "hit", r2.headers)
        # DaCHS spells it preview=True; other true spellings too
        check(m.get(url("prodimg/data/public.fits", "preview=true")).body == r.body, "preview=true")
        # concurrent first requests of another product: one cached file, every answer the same
        out = []
        ts = [threading.Thread(target=lambda: out.append(m.get(url("prodimg/data/tiles.fits.fz", "preview=True"))))
              for _ in range(6)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        check(all(o.status == 200 for o in out) and len({o.body for o in out}) == 1, [o.status for o in out])
        tiles = np.asarray(Image.open(io.BytesIO(out[0].body))).astype(int)
        with fits.open(os.path.join(data, "tiles.fits.fz")) as hl:
            tw = expected_preview(hl[1].data.astype(np.float64), PREVIEW)
        check(tiles.shape == tw.shape and np.abs(tiles - tw).max() <= 1, (tiles.shape, tw.shape))
        check(len([f for f in os.listdir(cache) if f.endswith(".png")]) == 2, os.listdir(cache))
        check(not [f for f in os.listdir(cache) if f.startswith("tmp-")], os.listdir(cache))
        # a preview the RD names is served as it is
        r = m.get(url("prodimg/data/named preview.fits", "preview=True"))
        check(r.status == 200 and r.body == open(os.path.join(data, "ready.png"), "rb").read(), r.status)
        check(r.header("Content-Type") == "image/png", r.headers)
        # a product changed on disk gets a new preview
        with fits.open(os.path.join(data, "public.fits"), mode="update") as hl:
            hl[0].data = -hl[0].data
        r3 = m.get(url("prodimg/data/public.fits", "preview=True"))
        check(r3.status == 200 and r3.header("X-Preview-Cache") == "miss" and r3.body != r.body, r3.headers)
        # no preview: products without one, files that are not images
        m.sql("UPDATE dc.products SET preview = NULL WHERE accref = 'prodimg/data/gone.fits'")
        check(m.get(url("prodimg/data/gone.fits", "preview=True")).status == 404, "no preview")
        check(m.get(url("prodimg/data/ready.png", "preview=True")).status == 404, "not a product")


if __name__ == "__main__":
    run_tests([test_before_any_product, test_delivery_and_ranges, test_embargo, test_path_tricks_and_missing_files, test_previews])
