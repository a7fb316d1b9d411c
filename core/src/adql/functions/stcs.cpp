#include "adql/functions/stcs.hpp"

#include "meles/core/common/strings.hpp"

#include <charconv>
#include <cmath>

namespace meles::adql {

namespace {

bool to_number(std::string_view w, double& v) {
	if (!w.empty() && w[0] == '+') w.remove_prefix(1);
	auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
	return ec == std::errc() && p == w.data() + w.size() && std::isfinite(v);
}

} // namespace

bool parse_stcs(std::string_view text, StcsShape& out, std::string& error) {
	std::vector<std::string_view> words;
	for (size_t i = 0; i < text.size();) {
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		size_t start = i;
		while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		if (i > start) words.push_back(text.substr(start, i - start));
	}
	if (words.empty()) {
		error = "REGION needs an STC-S shape such as 'Circle ICRS 10 20 1'";
		return false;
	}
	std::string shape = to_lower(words[0]);
	size_t need;
	if (shape == "position")
		out.kind = StcsShape::Kind::Position, need = 2;
	else if (shape == "circle")
		out.kind = StcsShape::Kind::Circle, need = 3;
	else if (shape == "box")
		out.kind = StcsShape::Kind::Box, need = 4;
	else if (shape == "polygon")
		out.kind = StcsShape::Kind::Polygon, need = 6;
	else {
		error = "REGION supports the STC-S shapes Position, Circle, Box and Polygon, not '" +
		        std::string(words[0]) + "'";
		return false;
	}
	size_t k = 1;
	// frame, reference position and flavour words
	double v;
	while (k < words.size() && !to_number(words[k], v)) {
		std::string w = to_lower(words[k]);
		if (w == "union" || w == "intersection" || w == "not" || w == "difference" ||
		    w.find('(') != std::string::npos) {
			error = "REGION does not support compound STC-S regions (" + std::string(words[k]) + ")";
			return false;
		}
		if (!out.coordsys.empty()) out.coordsys += ' ';
		out.coordsys += words[k];
		++k;
	}
	for (; k < words.size(); ++k) {
		if (!to_number(words[k], v)) {
			error = "unexpected '" + std::string(words[k]) + "' in the STC-S " + std::string(words[0]);
			return false;
		}
		out.values.push_back(v);
	}
	bool count_ok = out.kind == StcsShape::Kind::Polygon
	                    ? (out.values.size() >= need && out.values.size() % 2 == 0)
	                    : out.values.size() == need;
	if (!count_ok) {
		error = "wrong number of coordinates for an STC-S " + std::string(words[0]);
		return false;
	}
	return true;
}

} // namespace meles::adql
