// The Range header of /getproduct (RFC 9110 §14): single byte ranges, suffixes, open ends,
// what lies beyond the file, and what is ignored (malformed headers, other units, several
// ranges: the whole file).
#include "meles/services/products/getproduct.hpp"

#include <doctest/doctest.h>

using meles::services::products::ByteRange;
using meles::services::products::content_disposition;
using meles::services::products::parse_range;

namespace {

void partial(std::string_view header, uint64_t size, uint64_t first, uint64_t length) {
	CAPTURE(header);
	auto r = parse_range(header, size);
	CHECK(r.kind == ByteRange::Kind::Partial);
	CHECK(r.first == first);
	CHECK(r.length == length);
}

void whole(std::string_view header, uint64_t size) {
	CAPTURE(header);
	auto r = parse_range(header, size);
	CHECK(r.kind == ByteRange::Kind::Whole);
	CHECK(r.first == 0);
	CHECK(r.length == size);
}

void unsatisfiable(std::string_view header, uint64_t size) {
	CAPTURE(header);
	CHECK(parse_range(header, size).kind == ByteRange::Kind::Unsatisfiable);
}

} // namespace

TEST_CASE("range: first bytes, open-ended, suffix") {
	partial("bytes=0-0", 100, 0, 1);
	partial("bytes=0-99", 100, 0, 100);
	partial("bytes=10-19", 100, 10, 10);
	partial("bytes=90-", 100, 90, 10);
	partial("bytes=-10", 100, 90, 10);
	partial(" bytes= 5 - 6 ", 100, 5, 2);
}

TEST_CASE("range: ends beyond the file are cut, starts beyond it are 416") {
	partial("bytes=50-1000", 100, 50, 50);
	partial("bytes=-1000", 100, 0, 100);
	partial("bytes=99-", 100, 99, 1);
	unsatisfiable("bytes=100-", 100);
	unsatisfiable("bytes=100-200", 100);
	unsatisfiable("bytes=-0", 100);
	unsatisfiable("bytes=0-", 0);
	unsatisfiable("bytes=-5", 0);
}

TEST_CASE("range: malformed headers, other units and several ranges get the whole file") {
	whole("", 100);
	whole("bytes=", 100);
	whole("bytes=-", 100);
	whole("bytes=abc-", 100);
	whole("bytes=5-3", 100);
	whole("bytes=1-2x", 100);
	whole("bytes=+1-2", 100);
	whole("items=0-5", 100);
	whole("bytes 0-5", 100);
	whole("bytes=0-1,5-6", 100);
	whole("bytes=99999999999999999999-", 100);
	whole("bytes=--5", 100);
}

TEST_CASE("content disposition: the last path component, plain and exactly") {
	CHECK(content_disposition("fitsimg/data/plain.fits") ==
	      "attachment; filename=\"plain.fits\"; filename*=UTF-8''plain.fits");
	CHECK(content_disposition("a/it's \"x\";y.fits") ==
	      "attachment; filename=\"it's _x__y.fits\"; filename*=UTF-8''it%27s%20%22x%22%3By.fits");
	CHECK(content_disposition("a/tab\there\n\xc3\xa9.fits") ==
	      "attachment; filename=\"tab_here___.fits\"; filename*=UTF-8''tab%09here%0A%C3%A9.fits");
	CHECK(content_disposition("") == "attachment; filename=\"product\"; filename*=UTF-8''product");
}
