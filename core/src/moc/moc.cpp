#include "meles/core/moc/moc.hpp"

#include "meles/core/common/error.hpp"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

namespace meles::moc {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

uint64_t cells_at(int order) {
	return uint64_t(12) << (2 * order);
}
int shift_of(int order) {
	return 2 * (kMaxOrder - order);
}

void check_order(int order) {
	if (order < 0 || order > kMaxOrder)
		throw Error(ErrorKind::Validation, concat("MOC order ", std::to_string(order), " is outside 0..29"));
}

pointing to_pointing(double ra_deg, double dec_deg) {
	return pointing((90.0 - dec_deg) * kDeg, ra_deg * kDeg);
}

bool valid_position(double ra, double dec) {
	return std::isfinite(ra) && std::isfinite(dec) && std::fabs(dec) <= 90.0;
}

} // namespace

uint64_t ang2pix_nest(int order, double ra_deg, double dec_deg) {
	check_order(order);
	if (!valid_position(ra_deg, dec_deg))
		throw Error(ErrorKind::Validation, "a position outside the sky has no HEALPix cell");
	T_Healpix_Base<int64> base(order, NEST);
	return uint64_t(base.ang2pix(to_pointing(ra_deg, dec_deg)));
}

Moc Moc::from_cells(int order, std::vector<uint64_t> cells) {
	check_order(order);
	std::sort(cells.begin(), cells.end());
	cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
	Moc m;
	m.order_ = order;
	uint64_t limit = cells_at(order);
	int sh = shift_of(order);
	for (size_t i = 0; i < cells.size();) {
		if (cells[i] >= limit)
			throw Error(ErrorKind::Validation, concat("HEALPix cell ", std::to_string(cells[i]),
			                                          " does not exist at order ", std::to_string(order)));
		size_t j = i + 1;
		while (j < cells.size() && cells[j] == cells[j - 1] + 1)
			++j;
		m.ranges_.emplace_back(cells[i] << sh, (cells[j - 1] + 1) << sh);
		i = j;
	}
	return m;
}

void Moc::add_range(uint64_t begin, uint64_t end) {
	if (begin < end) ranges_.emplace_back(begin, end);
}

void Moc::normalise() {
	std::sort(ranges_.begin(), ranges_.end());
	std::vector<std::pair<uint64_t, uint64_t>> out;
	for (auto& r : ranges_) {
		if (!out.empty() && r.first <= out.back().second)
			out.back().second = std::max(out.back().second, r.second);
		else
			out.push_back(r);
	}
	ranges_ = std::move(out);
}

Moc Moc::parse_ascii(std::string_view text) {
	Moc m;
	int order = -1;
	bool any_order = false;
	size_t i = 0;
	auto token_at = [&](size_t start) {
		size_t e = start;
		while (e < text.size() && !std::isspace(static_cast<unsigned char>(text[e])) && text[e] != ',')
			++e;
		std::string t(text.substr(start, std::min<size_t>(e - start, 40)));
		return t;
	};
	auto read_number = [&](uint64_t& v) {
		size_t start = i;
		v = 0;
		while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
			if (i - start >= 19)
				throw Error(ErrorKind::Syntax, concat("MOC: number too long at '", token_at(start), "'"));
			v = v * 10 + uint64_t(text[i] - '0');
			++i;
		}
		return i > start;
	};
	while (i < text.size()) {
		char c = text[i];
		if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
			++i;
			continue;
		}
		size_t start = i;
		uint64_t a;
		if (!read_number(a))
			throw Error(ErrorKind::Syntax,
			            concat("MOC: unexpected '", token_at(start), "' (expected order/ or cells)"));
		if (i < text.size() && text[i] == '/') {
			++i;
			if (a > uint64_t(kMaxOrder))
				throw Error(ErrorKind::Syntax, concat("MOC: order ", std::to_string(a), " is outside 0..29"));
			order = int(a);
			any_order = true;
			m.order_ = std::max(m.order_, order);
			continue;
		}
		if (order < 0)
			throw Error(ErrorKind::Syntax, concat("MOC: cell '", token_at(start),
			                                      "' before any order (write e.g. 6/", token_at(start), ")"));
		uint64_t b = a;
		if (i < text.size() && text[i] == '-') {
			++i;
			if (!read_number(b))
				throw Error(ErrorKind::Syntax, concat("MOC: incomplete range at '", token_at(start), "'"));
			if (b < a)
				throw Error(ErrorKind::Syntax, concat("MOC: descending range '", token_at(start), "'"));
		}
		if (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ',')
			throw Error(ErrorKind::Syntax, concat("MOC: unexpected '", token_at(start), "'"));
		if (b >= cells_at(order))
			throw Error(ErrorKind::Syntax, concat("MOC: cell ", std::to_string(b),
			                                      " does not exist at order ", std::to_string(order)));
		m.add_range(a << shift_of(order), (b + 1) << shift_of(order));
	}
	if (!any_order && !text.empty() && text.find_first_not_of(" \t\r\n,") != std::string_view::npos)
		throw Error(ErrorKind::Syntax, "MOC: no order given");
	m.normalise();
	return m;
}

std::string Moc::to_ascii() const {
	// Split every range into maximal aligned cells, bucketed by order.
	std::vector<std::vector<uint64_t>> by_order(kMaxOrder + 1);
	int deepest = 0;
	for (auto [b, e] : ranges_) {
		while (b < e) {
			int tz = b == 0 ? 2 * kMaxOrder + 4 : std::countr_zero(b);
			int level = std::min(tz / 2, kMaxOrder); // how many orders up b is aligned
			while (level > 0 && b + (uint64_t(1) << (2 * level)) > e)
				--level;
			int order = kMaxOrder - level;
			by_order[size_t(order)].push_back(b >> (2 * level));
			deepest = std::max(deepest, order);
			b += uint64_t(1) << (2 * level);
		}
	}
	std::string out;
	for (int o = 0; o <= kMaxOrder; ++o) {
		auto& cells = by_order[size_t(o)];
		if (cells.empty()) continue;
		std::sort(cells.begin(), cells.end());
		if (!out.empty()) out += ' ';
		out += std::to_string(o) + "/";
		for (size_t i = 0; i < cells.size();) {
			size_t j = i + 1;
			while (j < cells.size() && cells[j] == cells[j - 1] + 1)
				++j;
			out += (i == 0 ? "" : " ") + std::to_string(cells[i]);
			if (j - 1 > i) out += "-" + std::to_string(cells[j - 1]);
			i = j;
		}
	}
	int stated = std::max(order_, deepest);
	if (ranges_.empty() || stated > deepest) {
		if (!out.empty()) out += ' ';
		out += std::to_string(stated) + "/";
	}
	return out;
}

Moc Moc::united(const Moc& other) const {
	Moc out = *this;
	out.unite(other);
	return out;
}

void Moc::unite(const Moc& other) {
	ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
	order_ = std::max(order_, other.order_);
	normalise();
}

Moc Moc::degraded(int order) const {
	check_order(order);
	Moc out;
	out.order_ = order;
	uint64_t step = uint64_t(1) << shift_of(order);
	for (auto [b, e] : ranges_)
		out.ranges_.emplace_back(b / step * step, (e + step - 1) / step * step);
	out.normalise();
	return out;
}

double Moc::sky_fraction() const {
	long double covered = 0;
	for (auto [b, e] : ranges_)
		covered += static_cast<long double>(e - b);
	return static_cast<double>(covered / static_cast<long double>(cells_at(kMaxOrder)));
}

bool Moc::contains(double ra_deg, double dec_deg) const {
	if (!valid_position(ra_deg, dec_deg)) return false;
	uint64_t p = ang2pix_nest(kMaxOrder, ra_deg, dec_deg);
	auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(p, UINT64_MAX));
	if (it == ranges_.begin()) return false;
	--it;
	return p >= it->first && p < it->second;
}

Moc Moc::disc(int order, double ra_deg, double dec_deg, double radius_deg) {
	check_order(order);
	if (!valid_position(ra_deg, dec_deg) || !std::isfinite(radius_deg) || radius_deg < 0)
		throw Error(ErrorKind::Validation, "a disc needs a position on the sky and a radius >= 0");
	T_Healpix_Base<int64> base(order, NEST);
	rangeset<int64> rs;
	// fact 4: cells are tested at four times the resolution, which keeps "inclusive" tight.
	base.query_disc_inclusive(to_pointing(ra_deg, dec_deg), std::min(radius_deg, 180.0) * kDeg, rs,
	                          order < 27 ? 4 : 1);
	Moc m;
	m.order_ = order;
	for (tsize i = 0; i < rs.nranges(); ++i)
		m.add_range(uint64_t(rs.ivbegin(i)) << shift_of(order), uint64_t(rs.ivend(i)) << shift_of(order));
	m.normalise();
	return m;
}

Moc Moc::polygon(int order, const std::vector<std::pair<double, double>>& vertices) {
	check_order(order);
	if (vertices.size() < 3) throw Error(ErrorKind::Validation, "a polygon needs at least three vertices");
	std::vector<pointing> pts;
	for (auto [ra, dec] : vertices) {
		if (!valid_position(ra, dec))
			throw Error(ErrorKind::Validation, "a polygon vertex lies outside the sky");
		pts.push_back(to_pointing(ra, dec));
	}
	T_Healpix_Base<int64> base(order, NEST);
	rangeset<int64> rs;
	try {
		base.query_polygon_inclusive(pts, rs, order < 27 ? 4 : 1);
	} catch (const PlanckError& e) {
		throw Error(ErrorKind::Validation, concat("polygon not usable for a MOC: ", e.what()));
	}
	Moc m;
	m.order_ = order;
	for (tsize i = 0; i < rs.nranges(); ++i)
		m.add_range(uint64_t(rs.ivbegin(i)) << shift_of(order), uint64_t(rs.ivend(i)) << shift_of(order));
	m.normalise();
	return m;
}

// ------------------------------------------------------------------ PointCoverage

struct PointCoverage::Impl {
	T_Healpix_Base<int64> base;
};

namespace {
// Up to this order a bitmap of all cells (12·4^10 bits = 1.5 MB) is cheaper than a list.
constexpr int kBitmapMaxOrder = 10;
constexpr size_t kCompactAt = size_t(1) << 22;
} // namespace

PointCoverage::PointCoverage(int order) : order_(order), impl_(nullptr) {
	check_order(order);
	impl_ = new Impl{T_Healpix_Base<int64>(order, NEST)};
	if (order <= kBitmapMaxOrder) bits_.assign((cells_at(order) + 63) / 64, 0);
}

PointCoverage::~PointCoverage() {
	delete impl_;
}

PointCoverage::PointCoverage(PointCoverage&& o) noexcept
    : order_(o.order_), impl_(o.impl_), bits_(std::move(o.bits_)), cells_(std::move(o.cells_)),
      compact_at_(o.compact_at_), points_(o.points_), ignored_(o.ignored_) {
	o.impl_ = nullptr;
}

PointCoverage& PointCoverage::operator=(PointCoverage&& o) noexcept {
	if (this != &o) {
		delete impl_;
		order_ = o.order_;
		impl_ = o.impl_;
		o.impl_ = nullptr;
		bits_ = std::move(o.bits_);
		cells_ = std::move(o.cells_);
		compact_at_ = o.compact_at_;
		points_ = o.points_;
		ignored_ = o.ignored_;
	}
	return *this;
}

void PointCoverage::add(double ra, double dec) {
	if (!valid_position(ra, dec)) {
		++ignored_;
		return;
	}
	++points_;
	auto p = uint64_t(impl_->base.ang2pix(to_pointing(ra, dec)));
	if (!bits_.empty()) {
		bits_[p >> 6] |= uint64_t(1) << (p & 63);
		return;
	}
	cells_.push_back(p);
	if (cells_.size() >= compact_at_) {
		// Memory stays bounded by the cells covered, not by the points seen.
		std::sort(cells_.begin(), cells_.end());
		cells_.erase(std::unique(cells_.begin(), cells_.end()), cells_.end());
		compact_at_ = std::max(kCompactAt, cells_.size() * 2);
	}
}

Moc PointCoverage::moc() const {
	std::vector<uint64_t> cells;
	if (!bits_.empty()) {
		for (size_t w = 0; w < bits_.size(); ++w) {
			uint64_t v = bits_[w];
			while (v) {
				int b = std::countr_zero(v);
				cells.push_back(uint64_t(w) * 64 + uint64_t(b));
				v &= v - 1;
			}
		}
	} else {
		cells = cells_;
	}
	return Moc::from_cells(order_, std::move(cells));
}

} // namespace meles::moc
