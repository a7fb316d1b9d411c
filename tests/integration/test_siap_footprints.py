"""//siap#pgs and //siap2#pgs filled by computePGS and setMeta (issue 14, item 3): images astropy
writes with each projection (TAN, SIN, ZEA, AIT, CAR; a CD matrix, PC+CDELT, CROTA2, SIP and TPV
distortions, galactic axes, a cube) imported through fitsProdGrammar, their footprints, centres
and pixel scales compared with what astropy.wcs (WCSLIB underneath) computes for the same
headers; images without or with a broken WCS imported without footprint and a warning naming
the file, or stopping the import when the RD requires the footprint."""
import math
import os
import re
import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from harness import Meles, check, run_tests

# astropy.wcs notes that it made MJD-OBS from DATE-OBS, for every image
warnings.simplefilter("ignore", category=UserWarning)

RD = r"""<resource schema="siapimg">
  <meta name="title">SIAP footprint test</meta>
  <meta name="description">Images written by astropy with many projections.</meta>
  <meta name="creationDate">2026-12-08T00:00:00Z</meta>
  <meta name="subject">images</meta>
  <table id="main" onDisk="True" mixin="//siap#pgs">
    <meta name="description">SIAP 1 image table.</meta>
  </table>
  <table id="obs" onDisk="True" mixin="//siap2#pgs">
    <meta name="description">SIAP 2 image table.</meta>
  </table>
  <data id="import">
    <sources pattern="data/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="main">
      <rowmaker>
        <apply procDef="//siap#computePGS">
          <bind key="missingIsError">MISSING</bind>
        </apply>
        <apply procDef="//siap#setMeta">
          <bind key="title">"%s %s" % (@OBJECT, @FILTER)</bind>
          <bind key="instrument">@INSTRUME</bind>
          <bind key="dateObs">@DATE_OBS</bind>
          <bind key="bandpassId">@FILTER</bind>
          <bind key="pixflags">"C"</bind>
        </apply>
      </rowmaker>
    </make>
  </data>
  <data id="import2" auto="False">
    <sources pattern="data/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.obs"</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="obs">
      <rowmaker>
        <apply procDef="//siap2#computePGS">
          <bind key="missingIsError">False</bind>
        </apply>
        <apply procDef="//siap2#setMeta">
          <bind key="dateObs">@DATE_OBS</bind>
          <bind key="t_exptime">@EXPTIME</bind>
          <bind key="obs_title">@OBJECT</bind>
          <bind key="target_name">@OBJECT</bind>
          <bind key="calib_level">2</bind>
          <bind key="obs_collection">"footprint test"</bind>
          <bind key="instrument_name">@INSTRUME</bind>
          <bind key="facility_name">"Meles test telescope"</bind>
          <bind key="em_min">4.5e-7</bind>
          <bind key="em_max">5.5e-7</bind>
        </apply>
      </rowmaker>
    </make>
  </data>
</resource>
"""


def base_header(n1, n2, ctype1, ctype2, crval, cdelt, extra=None):
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = ctype1, ctype2
    h["CRVAL1"], h["CRVAL2"] = crval
    h["CRPIX1"], h["CRPIX2"] = (n1 + 1) / 2, (n2 + 1) / 2
    h["CDELT1"], h["CDELT2"] = -cdelt, cdelt
    h["CUNIT1"], h["CUNIT2"] = "deg", "deg"
    h["RADESYS"] = "ICRS"
    h["EQUINOX"] = 2000.0
    for k, v in (extra or {}).items():
        h[k] = v
    return h


def images():
    """{file name: (header, shape)} covering the projections and encodings computePGS must read."""
    out = {}
    for code, crval in [("TAN", (10.5, 41.2)), ("SIN", (200.0, -30.0)), ("ZEA", (83.6, 22.0)),
                        ("AIT", (270.0, -29.0)), ("CAR", (150.0, 2.0))]:
        out["%s.fits" % code.lower()] = (base_header(120, 80, "RA---" + code, "DEC--" + code, crval, 0.01), (80, 120))
    # across RA 0, with a rotated CD matrix and no CDELT
    h = base_header(200, 100, "RA---TAN", "DEC--TAN", (0.05, -5.0), 0.002)
    for k in ("CDELT1", "CDELT2"):
        del h[k]
    a = math.radians(30)
    h["CD1_1"], h["CD1_2"] = -0.002 * math.cos(a), 0.002 * math.sin(a)
    h["CD2_1"], h["CD2_2"] = 0.002 * math.sin(a), 0.002 * math.cos(a)
    out["cd_rotated.fits"] = (h, (100, 200))
    # PC matrix plus CDELT, and the old CROTA2
    h = base_header(64, 64, "RA---TAN", "DEC--TAN", (120.0, 60.0), 0.05, {"PC1_1": 0.9, "PC1_2": -0.1,
                                                                         "PC2_1": 0.12, "PC2_2": 1.0})
    out["pc.fits"] = (h, (64, 64))
    out["crota.fits"] = (base_header(64, 50, "RA---TAN", "DEC--TAN", (300.0, 10.0), 0.03, {"CROTA2": 25.0}),
                         (50, 64))
    # near the pole
    out["pole.fits"] = (base_header(100, 100, "RA---TAN", "DEC--TAN", (45.0, 89.0), 0.015), (100, 100))
    # SIP distortion
    h = base_header(256, 256, "RA---TAN-SIP", "DEC--TAN-SIP", (33.0, 12.0), 0.001,
                    {"A_ORDER": 2, "B_ORDER": 2, "A_2_0": 2e-6, "A_0_2": -1.5e-6, "A_1_1": 3e-6,
                     "B_2_0": -1e-6, "B_0_2": 2.5e-6, "B_1_1": 1e-6})
    out["sip.fits"] = (h, (256, 256))
    # TPV distortion
    h = base_header(256, 200, "RA---TPV", "DEC--TPV", (150.1, 2.2), 0.0005,
                    {"PV1_0": 0.0, "PV1_1": 1.0, "PV1_2": 0.0, "PV1_4": 0.002, "PV1_5": -0.003,
                     "PV2_0": 0.0, "PV2_1": 1.0, "PV2_2": 0.0, "PV2_4": 0.001, "PV2_6": 0.002})
    out["tpv.fits"] = (h, (200, 256))
    # galactic axes: stored as equatorial
    h = base_header(90, 90, "GLON-TAN", "GLAT-TAN", (30.0, 5.0), 0.02)
    del h["RADESYS"]
    del h["EQUINOX"]
    out["galactic.fits"] = (h, (90, 90))
    # a cube: celestial axes plus a spectral one
    h = base_header(40, 30, "RA---TAN", "DEC--TAN", (180.0, 45.0), 0.01,
                    {"CTYPE3": "WAVE", "CRVAL3": 5e-7, "CDELT3": 1e-9, "CRPIX3": 1.0, "CUNIT3": "m"})
    out["cube.fits"] = (h, (5, 30, 40))
    return out


BROKEN = {
    "nowcs.fits": {},
    "badproj.fits": {"CTYPE1": "RA---XYZ", "CTYPE2": "DEC--XYZ", "CRVAL1": 1.0, "CRVAL2": 2.0,
                     "CRPIX1": 1.0, "CRPIX2": 1.0, "CDELT1": 0.1, "CDELT2": 0.1},
    "singular.fits": {"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CRVAL1": 1.0, "CRVAL2": 2.0,
                      "CRPIX1": 1.0, "CRPIX2": 1.0, "CD1_1": 0.0, "CD1_2": 0.0, "CD2_1": 0.0, "CD2_2": 0.0},
}


def common(h, i):
    h["OBJECT"] = "field %d" % i
    h["FILTER"] = "V"
    h["INSTRUME"] = "cam%d" % i
    h["DATE-OBS"] = "2020-01-%02dT12:00:00" % (i + 1)
    h["EXPTIME"] = 30.0 * (i + 1)


def write(d, broken=True):
    data = os.path.join(d, "data")
    os.makedirs(data, exist_ok=True)
    made = images()
    for i, (name, (h, shape)) in enumerate(sorted(made.items())):
        common(h, i)
        fits.PrimaryHDU(np.zeros(shape, dtype=np.int16), header=h).writeto(os.path.join(data, name))
    if broken:
        for name, cards in BROKEN.items():
            h = fits.Header()
            for k, v in cards.items():
                h[k] = v
            common(h, 0)
            fits.PrimaryHDU(np.zeros((10, 12), dtype=np.int16), header=h).writeto(os.path.join(data, name))
    return made


def setup(m, missing="False"):
    d = os.path.join(m.state, "inputs", "siapimg")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "q.rd"), "w") as f:
        f.write(RD.replace("MISSING", missing))
    return d


def reference(path):
    """What astropy.wcs says: corners (as calc_footprint), centre and pixel scales, all ICRS."""
    with fits.open(path) as hl:
        w = WCS(hl[0].header).celestial
        n1, n2 = hl[0].header["NAXIS1"], hl[0].header["NAXIS2"]
        corners = w.calc_footprint(axes=(n1, n2))
        centre = w.all_pix2world([[(n1 + 1) / 2, (n2 + 1) / 2]], 1)[0]
        nb = w.all_pix2world([[(n1 + 1) / 2 + 1, (n2 + 1) / 2], [(n1 + 1) / 2, (n2 + 1) / 2 + 1]], 1)
        frame = "galactic" if w.wcs.lngtyp == "GLON" else "icrs"

        def icrs(pts):
            c = SkyCoord(pts[:, 0] * u.deg, pts[:, 1] * u.deg, frame=frame).icrs
            return np.column_stack([c.ra.deg, c.dec.deg])
        corners, centre, nb = icrs(np.array(corners)), icrs(np.array([centre]))[0], icrs(np.array(nb))
        c0 = SkyCoord(centre[0] * u.deg, centre[1] * u.deg)
        scales = [c0.separation(SkyCoord(p[0] * u.deg, p[1] * u.deg)).deg for p in nb]
        return corners, centre, scales


def spoly_degrees(text):
    """pg_sphere's spoly text ({(a , b),...} in radians) as [(ra, dec)] in degrees."""
    nums = [float(x) for x in re.findall(r"[-+0-9.eE]+", text)]
    return [(math.degrees(nums[i]) % 360, math.degrees(nums[i + 1])) for i in range(0, len(nums), 2)]


def sep(a, b):
    return SkyCoord(a[0] * u.deg, a[1] * u.deg).separation(SkyCoord(b[0] * u.deg, b[1] * u.deg)).arcsec


def rows(m, table, cols):
    out = {}
    for r in m.sql("SELECT accref, %s FROM %s" % (", ".join(cols), table)):
        out[r[0].split("/")[-1]] = r[1:]
    return out


def test_footprints_agree_with_astropy():
    with Meles("siap_footprints") as m:
        d = setup(m)
        made = write(d)
        r = m.cli("imp", "siapimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        n = len(made) + len(BROKEN)
        check("siapimg.main: %d rows" % n in r.stdout, r.stdout)
        got = rows(m, "siapimg.main", ["coalesce(coverage::text, '')", "centerAlpha", "centerDelta",
                                       "array_to_string(pixelScale, ' ')", "wcs_projection", "nAxes",
                                       "array_to_string(pixelSize, ' ')", "imageTitle", "instId", "dateObs",
                                       "bandpassId", "pixflags"])
        for name, (h, shape) in made.items():
            corners, centre, scales = reference(os.path.join(d, "data", name))
            cov, ra, dec, pscale, proj, naxes, psize, title, inst, mjd, band, flags = got[name]
            poly = spoly_degrees(cov)
            check(len(poly) == 4, "%s: %r" % (name, cov))
            # galactic axes went through a rotation given to 1e-5 degrees
            tol = 0.2 if name == "galactic.fits" else 0.01  # arcsec
            for mine, ref in zip(poly, corners):
                check(sep(mine, ref) < tol, "%s: corner %r, astropy %r" % (name, mine, list(ref)))
            check(sep((float(ra), float(dec)), centre) < tol, "%s: centre %s %s, astropy %r" % (name, ra, dec, centre))
            for mine, ref in zip(map(float, pscale.split()), scales):
                check(abs(mine - ref) < 1e-6 * ref + 1e-9, "%s: scale %r, astropy %r" % (name, pscale, scales))
            check(proj == h["CTYPE1"][5:8].rstrip("-") or proj == h["CTYPE1"][5:8], "%s: %s" % (name, proj))
            check(naxes == str(len(shape)), "%s: nAxes %s" % (name, naxes))
            check(psize.split() == [str(x) for x in reversed(shape)], "%s: pixelSize %s" % (name, psize))
            check(title == "%s V" % h["OBJECT"] and inst == h["INSTRUME"] and band == "V" and flags == "C",
                  "%s: %r" % (name, got[name]))
            check(abs(float(mjd) - (58849.5 + int(h["DATE-OBS"][8:10]) - 1)) < 1e-9, "%s: dateObs %s" % (name, mjd))
        # images without a usable WCS: in the table without footprint, each named in a warning
        for name in BROKEN:
            check(got[name][0] == "" and got[name][1] == "", "%s: %r" % (name, got[name]))
            check(re.search(r"no footprint for siapimg/data/%s: " % re.escape(name), r.stderr),
                  "%s not named in a warning:\n%s" % (name, r.stderr))
        # the footprint index answers containment as the footprints say
        for name, (h, shape) in made.items():
            _, centre, _ = reference(os.path.join(d, "data", name))
            hit = m.sql("SELECT accref FROM siapimg.main WHERE coverage @> spoint(radians(%r), radians(%r))"
                        % (float(centre[0]), float(centre[1])))
            check(["siapimg/data/" + name] in hit, "%s: its centre is not in its footprint: %r" % (name, hit))


def test_siap2_columns():
    with Meles("siap2_footprints") as m:
        d = setup(m)
        made = write(d)
        r = m.cli("imp", "siapimg/q", "import2")
        check(r.returncode == 0, r.stdout + r.stderr)
        got = rows(m, "siapimg.obs", ["coalesce(s_region::text, '')", "s_ra", "s_dec", "s_fov", "s_xel1", "s_xel2",
                                      "s_pixel_scale", "t_min", "t_max", "t_exptime", "obs_title", "calib_level",
                                      "instrument_name", "dataproduct_type", "em_min"])
        for name, (h, shape) in made.items():
            corners, centre, scales = reference(os.path.join(d, "data", name))
            reg, ra, dec, fov, x1, x2, ps, tmin, tmax, texp, title, calib, inst, dptype, emmin = got[name]
            tol = 0.2 if name == "galactic.fits" else 0.01
            for mine, ref in zip(spoly_degrees(reg), corners):
                check(sep(mine, ref) < tol, "%s: corner %r, astropy %r" % (name, mine, list(ref)))
            check(sep((float(ra), float(dec)), centre) < tol, name)
            diag = max(sep(corners[0], corners[2]), sep(corners[1], corners[3])) / 3600
            check(abs(float(fov) - diag) < 1e-6, "%s: s_fov %s, diagonal %r" % (name, fov, diag))
            check([x1, x2] == [str(shape[-1]), str(shape[-2])], name)
            check(abs(float(ps) - sum(scales) / 2) < 1e-6 * scales[0], "%s: %s %r" % (name, ps, scales))
            start = 58849.5 + int(h["DATE-OBS"][8:10]) - 1
            check(abs(float(tmin) - start) < 1e-9, "%s: t_min %s" % (name, tmin))
            check(abs(float(tmax) - (start + h["EXPTIME"] / 86400)) < 1e-9, "%s: t_max %s" % (name, tmax))
            check(float(texp) == h["EXPTIME"] and title == h["OBJECT"] and calib == "2", "%s %r" % (name, got[name]))
            check(inst == h["INSTRUME"] and dptype == "image" and float(emmin) == 4.5e-7, name)
        for name in BROKEN:
            check(got[name][0] == "", "%s: %r" % (name, got[name]))


def test_missing_wcs_stops_the_import_when_required():
    with Meles("siap_required") as m:
        d = setup(m, missing="True")
        write(d)
        r = m.cli("imp", "siapimg/q")
        check(r.returncode != 0, "an image without WCS must stop the import: " + r.stdout)
        check("siapimg/data/" in r.stderr and "no footprint" in r.stderr, r.stderr)
        check("Traceback" not in r.stderr, r.stderr)
        # the default of //siap#computePGS is to require the footprint, as in DaCHS
        with open(os.path.join(d, "q.rd"), "w") as f:
            f.write(RD.replace('<bind key="missingIsError">MISSING</bind>', ""))
        r = m.cli("imp", "siapimg/q")
        check(r.returncode != 0 and "no footprint" in r.stderr, r.stdout + r.stderr)
        # --keep-going skips the images without WCS and reports them
        r = m.cli("imp", "--keep-going", "siapimg/q")
        check(r.returncode == 0, r.stdout + r.stderr)
        check("siapimg.main: %d rows" % len(images()) in r.stdout, r.stdout)


if __name__ == "__main__":
    run_tests([test_footprints_agree_with_astropy, test_siap2_columns, test_missing_wcs_stops_the_import_when_required])
