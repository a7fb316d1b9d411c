#include "adql/functions/sky_frames.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <cctype>
#include <cmath>
#include <numbers>
#include <vector>

namespace meles::adql {

namespace {

using Mat = std::array<double, 9>;
using Vec = std::array<double, 3>;

constexpr double kRad = std::numbers::pi / 180;
constexpr double kMas = kRad / 3600000;
constexpr double kArcsec = kRad / 3600;

// Rotation of the coordinate axes by `a` (radians) about x, y or z: the passive rotations of
// astropy's rotation_matrix and ERFA's iauRx/Ry/Rz.
Mat axis_rotation(double a, int axis) {
	double c = std::cos(a), s = std::sin(a);
	switch (axis) {
	case 0:
		return {1, 0, 0, 0, c, s, 0, -s, c};
	case 1:
		return {c, 0, -s, 0, 1, 0, s, 0, c};
	default:
		return {c, s, 0, -s, c, 0, 0, 0, 1};
	}
}

Mat mul(const Mat& a, const Mat& b) {
	Mat r{};
	for (int i = 0; i < 3; ++i)
		for (int j = 0; j < 3; ++j)
			for (int k = 0; k < 3; ++k)
				r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
	return r;
}

Mat transpose(const Mat& a) {
	return {a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]};
}

Vec apply(const Mat& m, const Vec& v) {
	return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
	        m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

// ICRS -> FK5 (J2000): the frame offsets of the Hipparcos catalogue (Mignard & Froeschle 2000)
Mat icrs_to_fk5() {
	return mul(mul(axis_rotation(19.9 * kMas, 0), axis_rotation(9.1 * kMas, 1)),
	           axis_rotation(-22.9 * kMas, 2));
}

// FK5 (J2000) -> Galactic: the north galactic pole and the longitude of the celestial pole
Mat fk5_to_galactic() {
	return mul(mul(axis_rotation((180 - 122.9319185680026) * kRad, 2),
	               axis_rotation((90 - 27.12825118085622) * kRad, 1)),
	           axis_rotation(192.8594812065348 * kRad, 2));
}

// ICRS -> mean ecliptic and equinox of J2000: the IAU 2006 frame bias (Fukushima-Williams
// angles at J2000) followed by the obliquity, as ERFA's ecm06 at J2000
Mat icrs_to_ecliptic() {
	return mul(mul(axis_rotation(0.041775 * kArcsec, 2), axis_rotation(84381.412819 * kArcsec, 0)),
	           axis_rotation(-0.052928 * kArcsec, 2));
}

// FK4 (B1950, without E-terms) -> FK5 (J2000) for epoch B1950 (Standish 1982, as astropy)
Mat fk4_to_fk5() {
	constexpr Mat b = {0.9999256794956877, -0.0111814832204662, -0.0048590038153592,
	                   0.0111814832391717, 0.9999374848933135,  -0.0000271625947142,
	                   0.0048590037723143, -0.0000271702937440, 0.9999881946023742};
	constexpr Mat corr = {-0.0026455262, -1.1539918689, +2.1111346190, +1.1540628161, -0.0129042997,
	                      +0.0236021478, -2.1112979048, -0.0056024448, +0.0102587734};
	constexpr double jd_b1950 = 2433282.4235;
	double t = ((2000.0 + (jd_b1950 - 2451545.0) / 365.25) - 1950.0) / 100.0; // Julian centuries
	Mat m{};
	for (int i = 0; i < 9; ++i)
		m[i] = b[i] + corr[i] * 1e-6 * t;
	return m;
}

// The E-terms of aberration for equinox B1950: the eccentricity of the Earth's orbit and the
// mean longitude of perigee of the solar orbit at B1950 (Explanatory Supplement 1992), the
// obliquity of 1980's theory, the constant of aberration 20.49552"
Vec eterms_b1950() {
	constexpr double jd_b1950 = 2433282.4235;
	double t = (jd_b1950 - 2451545.0) / 36525.0; // for the obliquity, from J2000
	double e = 0.01673011;
	double g = 1015489.951 * kArcsec;
	double o = (84381.448 - 46.8150 * t - 0.00059 * t * t + 0.001813 * t * t * t) * kArcsec;
	double k = 0.0056932 * kRad;
	return {e * k * std::sin(g), -e * k * std::cos(g) * std::cos(o), -e * k * std::cos(g) * std::sin(o)};
}

Vec unit_vector(double lon, double lat) {
	double a = lon * kRad, d = lat * kRad;
	return {std::cos(d) * std::cos(a), std::cos(d) * std::sin(a), std::sin(d)};
}

} // namespace

const char* frame_name(SkyFrame frame) {
	switch (frame) {
	case SkyFrame::Icrs:
		return "ICRS";
	case SkyFrame::Fk5:
		return "FK5";
	case SkyFrame::Fk4:
		return "FK4";
	case SkyFrame::Galactic:
		return "GALACTIC";
	case SkyFrame::Ecliptic:
		return "ECLIPTIC";
	}
	return "ICRS";
}

std::optional<SkyFrame> parse_coordsys(std::string_view text, std::string& error) {
	auto words = split_list(std::string(text), ' ');
	std::vector<std::string> w;
	for (auto& x : words)
		if (!trim(x).empty()) w.push_back(to_upper(trim(x)));
	if (w.empty()) return SkyFrame::Icrs;
	SkyFrame frame;
	std::string equinox; // the one the frame is converted for
	const std::string& f = w[0];
	if (f == "ICRS") {
		frame = SkyFrame::Icrs;
	} else if (f == "FK5" || f == "J2000") {
		frame = SkyFrame::Fk5;
		equinox = "J2000";
	} else if (f == "FK4" || f == "B1950") {
		frame = SkyFrame::Fk4;
		equinox = "B1950";
	} else if (f == "GALACTIC" || f == "GALACTIC_II") {
		frame = SkyFrame::Galactic;
	} else if (f == "ECLIPTIC") {
		frame = SkyFrame::Ecliptic;
		equinox = "J2000";
	} else {
		error = concat("the coordinate system '", text, "' is not supported: Meles converts ICRS, FK5, FK4, ",
		               "GALACTIC and ECLIPTIC (an empty string means ICRS)");
		return std::nullopt;
	}
	static const char* const kRefpos[] = {
	    "GEOCENTER", "BARYCENTER",      "HELIOCENTER",  "TOPOCENTER",         "LSR",           "LSRK",
	    "LSRD",      "GALACTIC_CENTER", "EMBARYCENTER", "LOCAL_GROUP_CENTER", "UNKNOWNREFPOS", "RELOCATABLE"};
	for (size_t i = 1; i < w.size(); ++i) {
		const std::string& x = w[i];
		bool known = x == "SPHERICAL2";
		for (const char* r : kRefpos)
			known |= x == r;
		if (known) continue; // a direction does not depend on where it is seen from, here
		if (i == 1 && (x[0] == 'J' || x[0] == 'B') && x.size() > 1 &&
		    std::isdigit(static_cast<unsigned char>(x[1]))) {
			if (x == equinox || (frame == SkyFrame::Fk5 && x == "J2000.0") ||
			    (frame == SkyFrame::Fk4 && x == "B1950.0"))
				continue;
			error = concat("the coordinate system '", text, "': ", frame_name(frame),
			               " is converted only for equinox ", equinox.empty() ? "(none)" : equinox);
			return std::nullopt;
		}
		error = concat("the coordinate system '", text, "' is not supported ('", x,
		               "' is neither a reference position nor the flavour SPHERICAL2)");
		return std::nullopt;
	}
	return frame;
}

std::array<double, 9> rotation_to_icrs(SkyFrame frame) {
	switch (frame) {
	case SkyFrame::Fk5:
		return transpose(icrs_to_fk5());
	case SkyFrame::Galactic:
		return transpose(mul(fk5_to_galactic(), icrs_to_fk5()));
	case SkyFrame::Ecliptic:
		return transpose(icrs_to_ecliptic());
	case SkyFrame::Fk4:
		return mul(transpose(icrs_to_fk5()), fk4_to_fk5()); // without the E-terms
	case SkyFrame::Icrs:
		break;
	}
	return {1, 0, 0, 0, 1, 0, 0, 0, 1};
}

std::array<double, 3> strans_to_icrs(SkyFrame frame) {
	// M = Rz(psi) Rx(theta) Rz(phi), active rotations: M33 = cos theta, (M31, M32) = sin theta
	// (sin phi, cos phi), (M13, -M23) = sin theta (sin psi, cos psi)
	Mat m = rotation_to_icrs(frame);
	double theta = std::atan2(std::hypot(m[6], m[7]), m[8]);
	double phi = std::atan2(m[6], m[7]);
	double psi = std::atan2(m[2], -m[5]);
	return {phi, theta, psi};
}

void to_icrs(SkyFrame frame, double lon, double lat, double& ra, double& dec) {
	if (frame == SkyFrame::Icrs) { // as given
		ra = lon;
		dec = lat;
		return;
	}
	{
		Vec v = unit_vector(lon, lat);
		if (frame == SkyFrame::Fk4) {
			// remove the E-terms: r - A + (r.A) r, renormalised
			Vec a = eterms_b1950();
			double dot = v[0] * a[0] + v[1] * a[1] + v[2] * a[2];
			for (int i = 0; i < 3; ++i)
				v[i] = v[i] - a[i] + dot * v[i];
			double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
			for (auto& x : v)
				x /= n;
		}
		Vec r = apply(rotation_to_icrs(frame), v);
		ra = std::atan2(r[1], r[0]) / kRad;
		dec = std::atan2(r[2], std::hypot(r[0], r[1])) / kRad;
	}
	ra = std::fmod(ra, 360.0);
	if (ra < 0) ra += 360.0;
}

} // namespace meles::adql
