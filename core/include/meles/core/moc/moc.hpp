// meles/core/moc/moc.hpp — HEALPix Multi-Order Coverage maps (IVOA MOC 2.0, spatial part):
// the sky coverage `meles limits` computes and registry records and info pages show.
//
// A Moc is a set of HEALPix cells (NESTED scheme, ICRS), kept as sorted, disjoint, half-open
// ranges of cell numbers at the deepest order (29), so union and normalisation are range
// merges.  Pixel maths (ang2pix, discs, polygons) come from Debian's libhealpix-cxx, used
// only in core/src/moc.  Thread-safety: Moc is a plain value; PointCoverage is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::moc {

constexpr int kMaxOrder = 29;

class Moc {
public:
	Moc() = default;

	// Cell numbers (NESTED) at `order`, in any order, duplicates allowed.
	static Moc from_cells(int order, std::vector<uint64_t> cells);
	// The MOC 2.0 ASCII serialisation ("3/1-5 8 4/100 6/"): orders followed by '/', then
	// cell numbers or ranges a-b; a trailing "o/" without cells only states the order.
	// Throws Error(Syntax) naming the offending token.
	static Moc parse_ascii(std::string_view text);
	// The cells covering a disc (degrees), conservatively (every cell touching it), at `order`.
	static Moc disc(int order, double ra_deg, double dec_deg, double radius_deg);
	// The cells covering a convex spherical polygon (vertices in degrees), conservatively.
	static Moc polygon(int order, const std::vector<std::pair<double, double>>& vertices_deg);

	// Normalised ASCII: every cell at its lowest order, orders ascending, runs of cells as
	// ranges, and the order of the MOC ("o/") at the end when no cell of that order is
	// listed.  The empty MOC at order o is "o/".
	std::string to_ascii() const;

	Moc united(const Moc& other) const;
	void unite(const Moc& other);
	// Coarser copy: every cell partly covered at `order` becomes fully covered.
	Moc degraded(int order) const;

	bool empty() const { return ranges_.empty(); }
	// Share of the sky covered (0..1).
	double sky_fraction() const;
	// The order the MOC is stated at (the deepest cell, or what parse/from_cells said).
	int order() const { return order_; }
	bool contains(double ra_deg, double dec_deg) const;
	// (begin, end) cell numbers at order 29, sorted and disjoint.
	const std::vector<std::pair<uint64_t, uint64_t>>& ranges() const { return ranges_; }

	bool operator==(const Moc&) const = default;

private:
	void add_range(uint64_t begin, uint64_t end); // at order 29; keeps ranges_ normalised
	void normalise();
	std::vector<std::pair<uint64_t, uint64_t>> ranges_;
	int order_ = 0;
};

// NESTED cell number of a position (degrees) at `order` (0..29).
uint64_t ang2pix_nest(int order, double ra_deg, double dec_deg);

// Collects positions into the cells of one order; cheap per point (one ang2pix and a bit).
class PointCoverage {
public:
	explicit PointCoverage(int order);
	~PointCoverage();
	PointCoverage(PointCoverage&&) noexcept;
	PointCoverage& operator=(PointCoverage&&) noexcept;
	// Positions outside the valid range (NaN, |dec| > 90) are ignored and counted.
	void add(double ra_deg, double dec_deg);
	Moc moc() const;
	int order() const { return order_; }
	uint64_t points() const { return points_; }
	uint64_t ignored() const { return ignored_; }

private:
	struct Impl;
	int order_;
	Impl* impl_;
	std::vector<uint64_t> bits_; // one bit per cell when the order is small, else a cell list
	std::vector<uint64_t> cells_;
	size_t compact_at_ = size_t(1) << 22;
	uint64_t points_ = 0, ignored_ = 0;
};

} // namespace meles::moc
