#include "meles/core/common/suggest.hpp"

#include <algorithm>
#include <vector>

namespace meles {

namespace {
inline char fold(char c, bool ignore_case) {
	return (ignore_case && c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
} // namespace

size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case) {
	if (a.size() > 64 || b.size() > 64) return static_cast<size_t>(-1) / 2;
	std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j)
		prev[j] = j;
	for (size_t i = 1; i <= a.size(); ++i) {
		cur[0] = i;
		char ai = fold(a[i - 1], ignore_case);
		for (size_t j = 1; j <= b.size(); ++j) {
			char bj = fold(b[j - 1], ignore_case);
			cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai == bj ? 0 : 1)});
			if (i > 1 && j > 1 && ai == fold(b[j - 2], ignore_case) && fold(a[i - 2], ignore_case) == bj)
				cur[j] = std::min(cur[j], prev2[j - 2] + 1);
		}
		std::swap(prev2, prev);
		std::swap(prev, cur);
	}
	return prev[b.size()];
}

Suggester::Suggester(std::string_view wanted, std::optional<size_t> max_distance, bool ignore_case)
    : wanted_(wanted),
      limit_(max_distance ? *max_distance : std::max<size_t>(1, std::min<size_t>(3, wanted.size() / 3))),
      ignore_case_(ignore_case) {}

void Suggester::offer(std::string_view name, std::string_view shown) {
	size_t d = edit_distance(wanted_, name, ignore_case_);
	if (d <= limit_ && d < best_distance_) {
		best_distance_ = d;
		best_ = std::string(shown);
	}
}

std::string Suggester::suffix() const {
	if (best_.empty()) return {};
	return " (did you mean '" + best_ + "'?)";
}

} // namespace meles
