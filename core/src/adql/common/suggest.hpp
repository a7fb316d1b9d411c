// adql/common/suggest.hpp — "did you mean ...?" for unknown names: the closest candidate by
// case-insensitive edit distance, if it is close enough to be a plausible typo.
// Thread-safety: one Suggester per lookup.
#pragma once

#include <string>
#include <string_view>

namespace meles::adql {

class Suggester {
public:
	explicit Suggester(std::string_view wanted) : wanted_(wanted) {}
	// Offers a candidate (as it should be shown to the user).
	void offer(std::string_view candidate) { offer(candidate, candidate); }
	// Offers a candidate compared by `name` and shown as `shown` (e.g. with its quotes).
	void offer(std::string_view name, std::string_view shown);
	// " (did you mean 'x'?)" or "".
	std::string suffix() const;
	const std::string& best() const { return best_; }

private:
	std::string_view wanted_;
	std::string best_;
	size_t best_distance_ = static_cast<size_t>(-1);
};

// Case-insensitive Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b);

} // namespace meles::adql
