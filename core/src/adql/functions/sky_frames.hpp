// adql/functions/sky_frames.hpp — the celestial frames ADQL geometries may be given in, and
// their conversion to ICRS, the frame every table and every computation of Meles is in.
// ICRS, FK5 (J2000), GALACTIC and ECLIPTIC (mean ecliptic and equinox of J2000) differ from
// ICRS by fixed rotations; FK4 (B1950) adds the E-terms of aberration, which depend on the
// position, so it is converted for constant positions only.  The constants follow the
// conventions of astropy (FK5: Hipparcos frame offsets; Galactic: the J2000 pole and zero
// point; ecliptic: IAU 2006 bias; FK4: Standish's B1950 -> J2000 matrix), which the tests
// compare with.  Directions only: no proper motion, parallax or aberration of the observer.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meles::adql {

enum class SkyFrame : uint8_t { Icrs, Fk5, Fk4, Galactic, Ecliptic };

// Reads a coordinate-system string (the deprecated first argument of POINT, CIRCLE, BOX and
// POLYGON, or the words after an STC-S shape name): a frame, optionally an equinox, reference
// position and the flavour SPHERICAL2.  "" is ICRS.  nullopt with `error` naming the word for
// anything that cannot be honoured (another frame or equinox, a cartesian flavour).
std::optional<SkyFrame> parse_coordsys(std::string_view text, std::string& error);

const char* frame_name(SkyFrame frame);

// lon, lat (degrees) in `frame` -> ICRS ra in [0, 360), dec (degrees).
void to_icrs(SkyFrame frame, double lon, double lat, double& ra, double& dec);

// The rotation taking a unit vector in `frame` to ICRS (row-major); for FK4 without the
// E-terms.
std::array<double, 9> rotation_to_icrs(SkyFrame frame);

// The same rotation as pg_sphere's strans(phi, theta, psi, 'ZXZ') (radians), which turns a
// point by phi about z, then by theta about x, then by psi about z (fixed axes).
std::array<double, 3> strans_to_icrs(SkyFrame frame);

} // namespace meles::adql
