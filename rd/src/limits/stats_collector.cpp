#include "stats_collector.hpp"

#include "meles/core/common/error.hpp"

#include <algorithm>
#include <cmath>

namespace meles::rd::limits {

namespace {

// PostgreSQL orders floats with NaN above every number (and NaN = NaN).
bool pg_less(double a, double b) {
	if (std::isnan(a)) return false;
	if (std::isnan(b)) return true;
	return a < b;
}

} // namespace

StatsCollector::StatsCollector(std::vector<CollectSpec> specs,
                               std::optional<std::pair<size_t, size_t>> position, int moc_order,
                               size_t expected_rows)
    : specs_(std::move(specs)), summaries_(specs_.size()), position_(position) {
	if (position_) cells_ = std::make_unique<moc::PointCoverage>(moc_order);
	for (size_t i = 0; i < specs_.size(); ++i)
		if (specs_[i].percentiles) summaries_[i].values.reserve(expected_rows);
}

ColumnSummary& StatsCollector::current() {
	if (col_ >= summaries_.size())
		throw Error(ErrorKind::Internal, "statistics: more cells than columns in a row");
	return summaries_[col_];
}

void StatsCollector::begin_row() {
	col_ = 0;
	ra_set_ = dec_set_ = false;
}

void StatsCollector::end_row() {
	++rows_;
	if (cells_ && ra_set_ && dec_set_) cells_->add(ra_, dec_);
}

void StatsCollector::null() {
	++col_;
}

void StatsCollector::mark() {
	++current().non_null;
	++col_;
}

void StatsCollector::integer(int64_t v) {
	auto& s = current();
	auto& spec = specs_[col_];
	++s.non_null;
	if (spec.kind == CollectSpec::Kind::Float32 || spec.kind == CollectSpec::Kind::Float64) {
		// an integer arriving in a float column (cannot happen with COPY's typed output)
		floating(static_cast<double>(v));
		return;
	}
	if (!s.has_minmax) {
		s.imin = s.imax = v;
		s.has_minmax = true;
	} else {
		if (v < s.imin) s.imin = v;
		if (v > s.imax) s.imax = v;
	}
	if (spec.percentiles) s.values.push_back(static_cast<double>(v));
	if (position_) {
		if (col_ == position_->first) ra_ = static_cast<double>(v), ra_set_ = true;
		if (col_ == position_->second) dec_ = static_cast<double>(v), dec_set_ = true;
	}
	++col_;
}

void StatsCollector::floating(double v) {
	auto& s = summaries_[col_];
	if (!s.has_minmax) {
		s.dmin = s.dmax = v;
		s.has_minmax = true;
	} else {
		if (pg_less(v, s.dmin)) s.dmin = v;
		if (pg_less(s.dmax, v)) s.dmax = v;
	}
	if (specs_[col_].percentiles) s.values.push_back(v);
	if (position_) {
		if (col_ == position_->first) ra_ = v, ra_set_ = true;
		if (col_ == position_->second) dec_ = v, dec_set_ = true;
	}
	++col_;
}

void StatsCollector::float32(float v) {
	++current().non_null;
	floating(static_cast<double>(v));
}

void StatsCollector::float64(double v) {
	++current().non_null;
	floating(v);
}

void StatsCollector::string(std::string_view v) {
	auto& s = current();
	auto& spec = specs_[col_];
	++s.non_null;
	if (spec.text_order) {
		if (!s.has_minmax) {
			s.smin = s.smax = std::string(v);
			s.has_minmax = true;
		} else {
			if (v < std::string_view(s.smin)) s.smin.assign(v);
			if (v > std::string_view(s.smax)) s.smax.assign(v);
		}
	}
	if (spec.enumerate && !s.too_many_values) {
		auto it = s.frequencies.find(std::string(v));
		if (it != s.frequencies.end())
			++it->second;
		else if (s.frequencies.size() < kMaxDistinct)
			s.frequencies.emplace(std::string(v), 1);
		else {
			s.too_many_values = true;
			s.frequencies.clear();
		}
	}
	++col_;
}

std::optional<moc::Moc> StatsCollector::moc() const {
	if (!cells_) return std::nullopt;
	auto m = cells_->moc();
	if (merged_moc_) m.unite(*merged_moc_);
	return m;
}

void StatsCollector::merge(StatsCollector&& other) {
	if (other.specs_.size() != specs_.size())
		throw Error(ErrorKind::Internal, "statistics: merging different columns");
	rows_ += other.rows_;
	for (size_t i = 0; i < specs_.size(); ++i) {
		auto& a = summaries_[i];
		auto& b = other.summaries_[i];
		a.non_null += b.non_null;
		if (b.has_minmax) {
			if (!a.has_minmax) {
				a.imin = b.imin, a.imax = b.imax, a.dmin = b.dmin, a.dmax = b.dmax;
				a.smin = std::move(b.smin), a.smax = std::move(b.smax);
				a.has_minmax = true;
			} else {
				a.imin = std::min(a.imin, b.imin);
				a.imax = std::max(a.imax, b.imax);
				if (pg_less(b.dmin, a.dmin)) a.dmin = b.dmin;
				if (pg_less(a.dmax, b.dmax)) a.dmax = b.dmax;
				if (b.smin < a.smin) a.smin = std::move(b.smin);
				if (b.smax > a.smax) a.smax = std::move(b.smax);
			}
		}
		if (a.values.empty() && b.values.capacity() > a.values.capacity()) a.values.swap(b.values);
		a.values.insert(a.values.end(), b.values.begin(), b.values.end());
		if (b.too_many_values) a.too_many_values = true;
		if (!a.too_many_values) {
			for (auto& [v, n] : b.frequencies)
				a.frequencies[v] += n;
			if (a.frequencies.size() > kMaxDistinct) a.too_many_values = true;
		}
		if (a.too_many_values) a.frequencies.clear();
	}
	if (auto m = other.moc()) {
		if (merged_moc_)
			merged_moc_->unite(*m);
		else
			merged_moc_ = std::move(m);
	}
}

std::vector<double> percentiles_cont(std::vector<double>& values, const std::vector<double>& ps) {
	std::vector<double> out;
	if (values.empty()) return out;
	const double n1 = static_cast<double>(values.size() - 1);
	auto lo_bound = values.begin(); // everything before it is <= what is still to be selected
	for (double p : ps) {
		// The same arithmetic as PostgreSQL's percentile_cont_final_common.
		double pos = p * n1;
		auto first = static_cast<size_t>(std::floor(pos));
		auto second = static_cast<size_t>(std::ceil(pos));
		double proportion = pos - static_cast<double>(first);
		auto it_first = values.begin() + static_cast<std::ptrdiff_t>(first);
		if (it_first >= lo_bound) std::nth_element(lo_bound, it_first, values.end(), pg_less);
		double a = *it_first;
		double b = a;
		if (second != first) {
			// the next value in order is the smallest of what follows the first
			b = *std::min_element(it_first + 1, values.end(), pg_less);
		}
		lo_bound = it_first + 1;
		// float8_lerp: lo + (hi - lo) * proportion
		out.push_back(second == first ? a : a + (b - a) * proportion);
	}
	return out;
}

} // namespace meles::rd::limits
