// Image geometry through WCSLIB (the one folder that includes it).
#include "meles/core/wcs/image_wcs.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/fits/fits_header_reader.hpp"

#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>
#include <wcslib/wcsmath.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numbers>

namespace meles::core::wcs {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

[[noreturn]] void refuse(std::string why) {
	throw Error(ErrorKind::Validation, std::move(why));
}

// Great-circle distance in degrees (haversine: exact for small images as well).
double separation(double ra1, double dec1, double ra2, double dec2) {
	double s1 = std::sin((dec2 - dec1) * kDeg / 2), s2 = std::sin((ra2 - ra1) * kDeg / 2);
	double h = s1 * s1 + std::cos(dec1 * kDeg) * std::cos(dec2 * kDeg) * s2 * s2;
	return 2 * std::asin(std::min(1.0, std::sqrt(h))) / kDeg;
}

// WCSLIB's own words for a status of wcsset.
std::string why(int status) {
	if (status > 0 && status < WCSERR_BAD_WORLD_COORD + 1)
		return concat("WCSLIB refuses the WCS: ", wcs_errmsg[status]);
	return concat("WCSLIB refuses the WCS (status ", std::to_string(status), ")");
}

double wrap360(double a) {
	a = std::fmod(a, 360.0);
	return a < 0 ? a + 360.0 : a;
}

struct WcsSet {
	int n = 0;
	wcsprm* w = nullptr;
	~WcsSet() {
		if (w) wcsvfree(&n, &w);
	}
};

struct WcsCopy {
	wcsprm w{};
	bool made = false;
	WcsCopy() { w.flag = -1; }
	~WcsCopy() {
		if (made) wcsfree(&w);
	}
};

} // namespace

ImageGeometry image_geometry(std::string_view cards) {
	ImageGeometry g;
	// NAXISn are not WCS keywords, so WCSLIB does not return them.
	std::string header;
	header.reserve(cards.size() + 80);
	for (size_t i = 0; i + 80 <= cards.size(); i += 80) {
		std::string_view card = cards.substr(i, 80);
		header.append(card);
		fits::HeaderCard c;
		if (!fits::parse_card(card, c) || c.kind != fits::HeaderCard::Kind::Integer) continue;
		if (c.key == "NAXIS") {
			g.naxes = static_cast<int>(c.integer);
			g.naxis.assign(std::clamp(g.naxes, 0, 999), 0);
		} else if (c.key.size() > 5 && c.key.starts_with("NAXIS")) {
			int axis = std::atoi(c.key.c_str() + 5);
			if (axis >= 1 && axis <= static_cast<int>(g.naxis.size())) g.naxis[axis - 1] = c.integer;
		}
	}
	if (g.naxes < 2) refuse("the header has no image of at least two axes (NAXIS < 2)");
	if (g.naxis[0] <= 0 || g.naxis[1] <= 0) refuse("the image has no pixels (NAXIS1 or NAXIS2 is 0)");
	int nkeyrec = static_cast<int>(header.size() / 80);

	WcsSet all;
	int nreject = 0;
	{
		// wcspih's scanner is only reentrant in recent WCSLIBs; one header at a time is cheap.
		static std::mutex parsing;
		std::lock_guard lock(parsing);
		if (int st = wcspih(header.data(), nkeyrec, WCSHDR_all, 0, &nreject, &all.n, &all.w); st != 0)
			refuse(concat("WCSLIB cannot read the header (status ", std::to_string(st), ")"));
	}
	if (all.n < 1) refuse("the header has no WCS");
	wcsprm* primary = &all.w[0]; // the primary description (alt ' ')

	// Only the celestial axes, as a two-axis WCS of their own.
	int nsub = 2;
	int axes[2] = {WCSSUB_LONGITUDE, WCSSUB_LATITUDE};
	WcsCopy cel;
	if (wcssub(1, primary, &nsub, axes, &cel.w) != 0)
		refuse("the WCS cannot be reduced to its celestial axes");
	cel.made = true;
	if (nsub != 2) refuse("the WCS has no pair of celestial axes (CTYPEn like RA---TAN / DEC--TAN)");
	// Which pixel axes they are (wcssub keeps their order in the original).
	int pix_axis[2] = {0, 1};
	for (int k = 0, found = 0; k < primary->naxis && found < 2; ++k) {
		std::string_view t(primary->ctype[k]);
		bool lng = t.starts_with("RA") || t.substr(1, 3) == "LON" || t.starts_with("GLON");
		bool lat = t.starts_with("DEC") || t.substr(1, 3) == "LAT" || t.starts_with("GLAT");
		if (lng || lat) pix_axis[found++] = k;
	}
	if (pix_axis[0] >= g.naxes || pix_axis[1] >= g.naxes) refuse("a celestial axis has no NAXISn");

	int naxis_fix[2] = {static_cast<int>(g.naxis[pix_axis[0]]), static_cast<int>(g.naxis[pix_axis[1]])};
	// Units spelt oddly, AIPS-style CTYPEs, cylindrical projections with their reference point
	// off the equator; not wcsfix's cdfix, which makes an all-zero CD matrix a unit one.
	unitfix(0, &cel.w);
	celfix(&cel.w);
	cylfix(naxis_fix, &cel.w);
	if (int st = wcsset(&cel.w); st != 0) refuse(why(st));
	std::string lngtyp(cel.w.lngtyp);
	if (lngtyp == "GLON") {
		// The equatorial (FK5 J2000) pole and origin in galactic coordinates.
		if (wcsccs(&cel.w, 192.85948, 27.12825, 122.93192, "RA", "DEC", "FK5", 2000.0, "") != 0)
			refuse("the galactic WCS cannot be turned into an equatorial one");
	} else if (lngtyp != "RA") {
		refuse(concat("the celestial axes are ", lngtyp, "/", cel.w.lattyp,
		              "; only equatorial and galactic ones are understood"));
	}
	if (int st = wcsset(&cel.w); st != 0) refuse(why(st));

	double n1 = static_cast<double>(naxis_fix[0]), n2 = static_cast<double>(naxis_fix[1]);
	// Corners, centre, and the centre's neighbours along each pixel axis.
	double pix[7][2] = {{1, 1},
	                    {1, n2},
	                    {n1, n2},
	                    {n1, 1},
	                    {(n1 + 1) / 2, (n2 + 1) / 2},
	                    {(n1 + 1) / 2 + 1, (n2 + 1) / 2},
	                    {(n1 + 1) / 2, (n2 + 1) / 2 + 1}};
	double img[7][2], phi[7], theta[7], world[7][2];
	int pstat[7];
	if (wcsp2s(&cel.w, 7, 2, &pix[0][0], &img[0][0], phi, theta, &world[0][0], pstat) != 0)
		refuse("a corner or the centre of the image does not map to the sky");
	for (int i = 0; i < 7; ++i)
		if (pstat[i] || !std::isfinite(world[i][0]) || !std::isfinite(world[i][1]))
			refuse("a corner or the centre of the image does not map to the sky");
	int lng = cel.w.lng, lat = cel.w.lat;
	for (int i = 0; i < 4; ++i)
		g.corners[i] = {wrap360(world[i][lng]), world[i][lat]};
	g.center_ra = wrap360(world[4][lng]);
	g.center_dec = world[4][lat];
	g.pixel_scale = {separation(world[4][lng], world[4][lat], world[5][lng], world[5][lat]),
	                 separation(world[4][lng], world[4][lat], world[6][lng], world[6][lat])};
	g.fov = std::max(separation(g.corners[0][0], g.corners[0][1], g.corners[2][0], g.corners[2][1]),
	                 separation(g.corners[1][0], g.corners[1][1], g.corners[3][0], g.corners[3][1]));

	// Bounding box around the corners, RA relative to the centre so RA 0 does no harm.
	double dmin = 0, dmax = 0;
	g.dec_min = g.dec_max = g.center_dec;
	for (auto& c : g.corners) {
		double d = std::remainder(c[0] - g.center_ra, 360.0);
		dmin = std::min(dmin, d);
		dmax = std::max(dmax, d);
		g.dec_min = std::min(g.dec_min, c[1]);
		g.dec_max = std::max(g.dec_max, c[1]);
	}
	g.ra_min = wrap360(g.center_ra + dmin);
	g.ra_max = wrap360(g.center_ra + dmax);

	// The plain WCS values, from the header's own description (not the galactic conversion).
	std::string_view ctype(primary->ctype[pix_axis[0]]);
	if (ctype.size() >= 8) g.projection = std::string(trim(ctype.substr(5, 3)));
	for (int k = 0; k < 2; ++k) {
		g.ref_pixel[k] = primary->crpix[pix_axis[k]];
		g.ref_values[k] = primary->crval[pix_axis[k]];
	}
	// CD = CDELT x PC, whichever the header used (wcsset made PC and CDELT from CD or CROTA).
	WcsCopy plain;
	int nplain = 2;
	int paxes[2] = {WCSSUB_LONGITUDE, WCSSUB_LATITUDE};
	if (wcssub(1, primary, &nplain, paxes, &plain.w) == 0) {
		plain.made = true;
		if (nplain == 2 && wcsset(&plain.w) == 0)
			for (int i = 0; i < 2; ++i)
				for (int j = 0; j < 2; ++j)
					g.cd[i * 2 + j] = plain.w.pc[i * 2 + j] * plain.w.cdelt[i];
	}
	if (!undefined(primary->equinox)) g.equinox = primary->equinox;
	g.ref_frame = std::string(trim(std::string_view(primary->radesys)));
	if (g.ref_frame.empty()) g.ref_frame = lngtyp == "GLON" ? "GALACTIC" : "ICRS";
	return g;
}

} // namespace meles::core::wcs
