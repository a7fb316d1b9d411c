#include "did_you_mean.hpp"

#include "meles/core/common/strings.hpp"

#include <algorithm>

namespace meles::rd::parse {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
	// Optimal string alignment distance: insertions, deletions, substitutions and
	// transpositions of neighbours ("unti" for "unit") each count as one edit.
	std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j)
		prev[j] = j;
	for (size_t i = 1; i <= a.size(); ++i) {
		cur[0] = i;
		for (size_t j = 1; j <= b.size(); ++j) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				cur[j] = std::min(cur[j], prev2[j - 2] + 1);
		}
		prev2 = prev;
		prev = cur;
	}
	return prev[b.size()];
}

} // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
	std::string lw = to_lower(word);
	std::string best;
	size_t best_d = static_cast<size_t>(-1);
	for (auto& c : candidates) {
		std::string lc = to_lower(c);
		size_t d = lw == lc ? 0 : edit_distance(lw, lc);
		if (d < best_d) {
			best_d = d;
			best = c;
		}
	}
	size_t limit = std::max<size_t>(2, word.size() / 3);
	if (best.empty() || best_d > limit || best_d >= word.size()) return "";
	return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
	auto m = closest_match(word, candidates);
	return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

} // namespace meles::rd::parse
