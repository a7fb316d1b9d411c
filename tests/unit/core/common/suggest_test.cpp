#include "meles/core/common/suggest.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace meles;

TEST_CASE("suggest: one edit distance for every did-you-mean") {
	CHECK(edit_distance("unti", "unit") == 1); // neighbours swapped
	CHECK(edit_distance("Ra", "ra") == 0);     // case-insensitive by default
	CHECK(edit_distance("Ra", "ra", false) == 1);
	CHECK(edit_distance(std::string(65, 'a'), "a") > 1000); // bounded cost
	std::vector<std::string> keys = {"creationDate", "description", "title"};
	CHECK(suggest("creationDat", keys) == "creationDate");
	CHECK(suggest("desciption", keys) == "description");
	CHECK(suggest("xyz", keys).empty());
	Suggester s("mian");
	s.offer("main");
	CHECK(s.suffix() == " (did you mean 'main'?)");
	Suggester t("ab", 1);
	t.offer("xy");
	CHECK(t.best().empty());
	Suggester u("x"); // a one-letter alias may still be a typo of another
	u.offer("m");
	CHECK(u.best() == "m");
}
