#include "adql/common/suggest.hpp"

#include <algorithm>
#include <vector>

namespace meles::adql {

namespace {
inline char fold(char c) {
	return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
} // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
	if (a.size() > 64 || b.size() > 64) return static_cast<size_t>(-1) / 2;
	// optimal string alignment: Levenshtein plus adjacent transpositions ("mian" -> "main")
	std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j)
		prev[j] = j;
	for (size_t i = 1; i <= a.size(); ++i) {
		cur[0] = i;
		for (size_t j = 1; j <= b.size(); ++j) {
			size_t subst = prev[j - 1] + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
			cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1]))
				cur[j] = std::min(cur[j], prev2[j - 2] + 1);
		}
		std::swap(prev2, prev);
		std::swap(prev, cur);
	}
	return prev[b.size()];
}

void Suggester::offer(std::string_view name, std::string_view shown) {
	size_t limit = std::max<size_t>(1, std::min<size_t>(3, wanted_.size() / 3));
	size_t d = edit_distance(wanted_, name);
	if (d <= limit && d < best_distance_) {
		best_distance_ = d;
		best_ = std::string(shown);
	}
}

std::string Suggester::suffix() const {
	if (best_.empty()) return {};
	return " (did you mean '" + best_ + "'?)";
}

} // namespace meles::adql
