// bench_expr — cost of rowmaker expressions per row against a hand-written floor.
//
// Evaluates the common map shapes over 1,000,000 synthetic rows (raw strings borrowed
// into the slot array, as the rowmaker does) and times the same work done directly with
// std::from_chars.  Prints ns/row for both and their ratio.  Usage: bench_expr [rows]
#include "meles/core/common/types.hpp"
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/literals.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace meles;
using namespace meles::rd::expr;

namespace {

struct Data {
	std::vector<std::string> ra_deg, ra_hms, mag, name;
};

Data make_data(std::size_t n) {
	Data d;
	std::uint64_t x = 0x9E3779B97F4A7C15ULL;
	auto next = [&]() {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		return x;
	};
	char buf[64];
	for (std::size_t i = 0; i < n; ++i) {
		double hours = static_cast<double>(next() % 86400000) / 3600000.0;
		std::snprintf(buf, sizeof buf, "%.7f", hours);
		d.ra_deg.emplace_back(buf);
		int h = static_cast<int>(hours), m = static_cast<int>((hours - h) * 60);
		double s = ((hours - h) * 60 - m) * 60;
		std::snprintf(buf, sizeof buf, "%02d:%02d:%06.3f", h, m, s);
		d.ra_hms.emplace_back(buf);
		if (next() % 20 == 0)
			d.mag.emplace_back("");
		else {
			std::snprintf(buf, sizeof buf, "%.3f", 5 + static_cast<double>(next() % 20000) / 1000.0);
			d.mag.emplace_back(buf);
		}
		std::snprintf(buf, sizeof buf, "  star %zu ", i);
		d.name.emplace_back(buf);
	}
	return d;
}

double best_of(int reps, std::size_t rows, const std::function<double()>& body, double& sink) {
	double best = 1e300;
	for (int r = 0; r < reps; ++r) {
		auto t0 = std::chrono::steady_clock::now();
		sink += body();
		auto t1 = std::chrono::steady_clock::now();
		best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() /
		                          static_cast<double>(rows));
	}
	return best;
}

double from_chars_double(std::string_view s) {
	double v = 0;
	std::from_chars(s.data(), s.data() + s.size(), v);
	return v;
}

} // namespace

int main(int argc, char** argv) {
	std::size_t rows = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
	const int reps = 7;
	Data data = make_data(rows);
	double sink = 0;

	Scope scope;
	Expression e_float = Expression::compile("float(@ra)*15", scope);
	Expression e_hms = Expression::compile("hmsToDeg(@hms, \":\")", scope);
	Expression e_null = Expression::compile("parseWithNull(@mag, float, \"\")", scope);
	Expression e_fmt = Expression::compile("\"{}-{}\".format(@name.strip(), @mag)", scope);
	Expression e_cond = Expression::compile("float(@mag) if @mag else None", scope);
	const auto slot = [&](const char* n) { return static_cast<std::size_t>(*scope.field(n)); };
	const std::size_t s_ra = slot("ra"), s_hms = slot("hms"), s_mag = slot("mag"), s_name = slot("name");
	std::vector<Value> slots(static_cast<std::size_t>(scope.size()));

	struct Line {
		std::string shape;
		double meles, floor;
	};
	std::vector<Line> lines;

	auto run_expr = [&](const Expression& e, std::size_t s, const std::vector<std::string>& col) {
		return best_of(
		    reps, rows,
		    [&]() {
			    double acc = 0;
			    for (std::size_t i = 0; i < rows; ++i) {
				    slots[s] = Value::borrow(col[i]);
				    Value v = e.evaluate(slots);
				    if (v.kind() == Kind::Float) acc += v.as_float();
			    }
			    return acc;
		    },
		    sink);
	};

	lines.push_back({e_float.source(), run_expr(e_float, s_ra, data.ra_deg),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     double acc = 0;
		                     for (std::size_t i = 0; i < rows; ++i)
			                     acc += from_chars_double(data.ra_deg[i]) * 15;
		                     return acc;
	                     },
	                     sink)});

	lines.push_back({e_hms.source(), run_expr(e_hms, s_hms, data.ra_hms),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     double acc = 0;
		                     for (std::size_t i = 0; i < rows; ++i) {
			                     std::string_view t = data.ra_hms[i];
			                     auto c1 = t.find(':'), c2 = t.find(':', c1 + 1);
			                     double h = from_chars_double(t.substr(0, c1)),
			                            m = from_chars_double(t.substr(c1 + 1, c2 - c1 - 1)),
			                            s = from_chars_double(t.substr(c2 + 1));
			                     acc += (h * 3600 + m * 60 + s) / 240;
		                     }
		                     return acc;
	                     },
	                     sink)});

	lines.push_back({e_null.source(), run_expr(e_null, s_mag, data.mag),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     double acc = 0;
		                     for (std::size_t i = 0; i < rows; ++i)
			                     if (!data.mag[i].empty()) acc += from_chars_double(data.mag[i]);
		                     return acc;
	                     },
	                     sink)});

	// idmap: raw literal straight to a COPY text field of a double column.
	SqlType dbl = SqlType::parse("double precision");
	std::string copy_buf;
	copy_buf.reserve(64);
	lines.push_back({"idmap literal -> COPY (double)",
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     std::size_t total = 0;
		                     for (std::size_t i = 0; i < rows; ++i) {
			                     copy_buf.clear();
			                     append_copy_literal(copy_buf, data.mag[i], dbl);
			                     total += copy_buf.size();
		                     }
		                     return static_cast<double>(total);
	                     },
	                     sink),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     std::size_t total = 0;
		                     for (std::size_t i = 0; i < rows; ++i) {
			                     copy_buf.clear();
			                     const std::string& t = data.mag[i];
			                     double v;
			                     if (t.empty())
				                     copy_buf += "\\N";
			                     else if (std::from_chars(t.data(), t.data() + t.size(), v).ec == std::errc())
				                     copy_buf += t;
			                     total += copy_buf.size();
		                     }
		                     return static_cast<double>(total);
	                     },
	                     sink)});

	// Two general shapes, against a floor of the same string work done by hand.
	lines.push_back({e_fmt.source(),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     std::size_t total = 0;
		                     for (std::size_t i = 0; i < rows; ++i) {
			                     slots[s_name] = Value::borrow(data.name[i]);
			                     slots[s_mag] = Value::borrow(data.mag[i]);
			                     total += e_fmt.evaluate(slots).as_str().size();
		                     }
		                     return static_cast<double>(total);
	                     },
	                     sink),
	                 best_of(
	                     reps, rows,
	                     [&]() {
		                     std::size_t total = 0;
		                     for (std::size_t i = 0; i < rows; ++i) {
			                     std::string_view n = data.name[i];
			                     n.remove_prefix(n.find_first_not_of(' '));
			                     n.remove_suffix(n.size() - n.find_last_not_of(' ') - 1);
			                     std::string out;
			                     out.reserve(n.size() + 1 + data.mag[i].size());
			                     out += n;
			                     out += '-';
			                     out += data.mag[i];
			                     total += out.size();
		                     }
		                     return static_cast<double>(total);
	                     },
	                     sink)});

	lines.push_back({e_cond.source(), run_expr(e_cond, s_mag, data.mag), lines[2].floor});

	std::printf("expr benchmark: %zu rows, best of %d runs (floor: the same parsing done directly with "
	            "std::from_chars)\n",
	            rows, reps);
	std::printf("%-46s %12s %12s %8s\n", "shape", "meles ns/row", "floor ns/row", "ratio");
	for (const auto& l : lines)
		std::printf("%-46s %12.1f %12.1f %8.2f\n", l.shape.c_str(), l.meles, l.floor, l.meles / l.floor);
	if (sink == 42.4242) std::puts(""); // keeps the work observable
	return 0;
}
