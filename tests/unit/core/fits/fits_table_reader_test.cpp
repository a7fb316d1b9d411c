#include "meles/core/common/error.hpp"
#include "meles/core/fits/fits_table_reader.hpp"
#include "unit/core/fits/sample_tables.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

using namespace meles;
using namespace meles::core::fits;

namespace {

struct TempFile {
	std::string path;
	explicit TempFile(const std::string& name)
	    : path((std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".fits"))
	               .string()) {}
	~TempFile() { std::remove(path.c_str()); }
};

size_t column(const FitsTableReader& r, const std::string& name) {
	for (size_t i = 0; i < r.columns().size(); ++i)
		if (r.columns()[i].name == name) return i;
	FAIL("no column " << name);
	return 0;
}

} // namespace

TEST_CASE("FitsTableReader describes binary table columns") {
	TempFile f("meles-reader-cols");
	write_fits_tables(f.path, meles::testing::sample_tables());
	FitsTableReader r(f.path, 1);
	CHECK_FALSE(r.is_ascii());
	CHECK(r.rows() == 3);
	CHECK(r.extname() == "CAT");
	const auto& c = r.columns();
	REQUIRE(c.size() == 12);
	CHECK(c[column(r, "ID")].type == CellType::Integer);
	CHECK(c[column(r, "RA")].type == CellType::Float);
	CHECK(c[column(r, "RA")].unit == "deg");
	CHECK(c[column(r, "Flux")].type == CellType::Float);  // non-integral scaling
	CHECK(c[column(r, "u16")].type == CellType::Integer); // unsigned convention stays integer
	CHECK(c[column(r, "NAME")].type == CellType::String);
	CHECK(c[column(r, "NAME")].repeat == 8);
	CHECK(c[column(r, "VEC")].repeat == 3);
	CHECK(c[column(r, "VEC")].dims == std::vector<int64_t>{3});
	CHECK_FALSE(c[column(r, "VEC")].scalar());
	CHECK(c[column(r, "BITS")].is_bits);
	CHECK(c[column(r, "VAR")].variable_length);
	CHECK(c[column(r, "GOOD")].scalar());
	CHECK(r.preferred_chunk_rows() >= 1);
}

TEST_CASE("FitsTableReader applies scaling and flags nulls") {
	TempFile f("meles-reader-vals");
	write_fits_tables(f.path, meles::testing::sample_tables());
	FitsTableReader r(f.path, 1);
	int64_t ints[6];
	double dbl[9];
	uint8_t nulls[9], bools[8];

	r.read_integers(column(r, "ID"), 0, 3, ints, nulls);
	CHECK(ints[0] == 1);
	CHECK(ints[2] == 3);
	r.read_floats(column(r, "Flux"), 0, 3, dbl, nulls);
	CHECK(dbl[0] == 105.0);
	CHECK(nulls[1] == 1);
	CHECK(std::isnan(dbl[1]));
	CHECK(dbl[2] == 110.0);
	r.read_integers(column(r, "u16"), 0, 3, ints, nulls);
	CHECK(ints[0] == 0);
	CHECK(ints[1] == 32768);
	CHECK(ints[2] == 65535);
	r.read_floats(column(r, "RA"), 0, 3, dbl, nulls);
	CHECK(nulls[0] == 0);
	CHECK(nulls[1] == 1); // NaN is flagged; callers decide what it means
	r.read_logicals(column(r, "GOOD"), 0, 3, bools, nulls);
	CHECK(bools[0] == 1);
	CHECK(bools[1] == 0);
	CHECK(nulls[2] == 1);
	r.read_integers(column(r, "IVEC"), 0, 6, ints, nulls);
	CHECK(ints[0] == 1);
	CHECK(nulls[1] == 1);
	CHECK(nulls[2] == 0);
	CHECK(nulls[4] == 1);
	r.read_logicals(column(r, "BITS"), 0, 8, bools, nulls);
	CHECK(std::vector<int>(bools, bools + 8) == std::vector<int>{1, 0, 1, 1, 0, 0, 0, 0});

	char strs[3 * 9];
	uint32_t lens[3];
	r.read_strings(column(r, "NAME"), 0, 3, 8, strs, lens, nulls);
	CHECK(std::string(strs, lens[0]) == "alpha");
	CHECK(lens[1] == 0);
	CHECK(std::string(strs + 18, lens[2]) == "gamma"); // trailing blanks removed

	int64_t counts[3];
	r.read_lengths(column(r, "VAR"), 0, 3, counts);
	CHECK(std::vector<int64_t>(counts, counts + 3) == std::vector<int64_t>{1, 0, 3});
	r.read_integers(column(r, "VAR"), 2, 3, ints, nulls);
	CHECK(std::vector<int64_t>(ints, ints + 3) == std::vector<int64_t>{5, 6, 7});
}

TEST_CASE("FitsTableReader reads ASCII tables") {
	TempFile f("meles-reader-ascii");
	write_fits_tables(f.path, meles::testing::sample_tables());
	FitsTableReader r(f.path, 2);
	CHECK(r.is_ascii());
	REQUIRE(r.columns().size() == 3);
	CHECK(r.columns()[0].type == CellType::Integer);
	CHECK(r.columns()[1].type == CellType::Float);
	CHECK(r.columns()[2].type == CellType::String);
	int64_t ints[3];
	double dbl[3];
	uint8_t nulls[3];
	r.read_integers(0, 0, 3, ints, nulls);
	CHECK(ints[2] == 3);
	r.read_floats(1, 0, 3, dbl, nulls);
	CHECK(dbl[0] == 1.5);
	CHECK(nulls[1] == 1);
	CHECK(dbl[2] == -2.25);
	char s[3 * 9];
	uint32_t lens[3];
	r.read_strings(2, 0, 3, r.columns()[2].repeat, s, lens, nulls);
	CHECK(std::string(s + 2 * (r.columns()[2].repeat + 1), lens[2]) == "three");
}

TEST_CASE("FitsTableReader errors name the file and the problem") {
	TempFile f("meles-reader-err");
	write_fits_tables(f.path, meles::testing::sample_tables());
	auto msg = [](auto fn) {
		try {
			fn();
		} catch (const Error& e) {
			return std::string(e.what());
		}
		return std::string("(no error)");
	};
	CHECK(msg([&] { FitsTableReader(f.path, 5); }) ==
	      f.path + ": the file has no HDU 5 (it has 3, numbered from 0 = primary)");
	CHECK(msg([&] { FitsTableReader(f.path, 0); }).find("HDU 0 is an image, not a table") !=
	      std::string::npos);
	CHECK(msg([&] {
		      FitsTableReader("/nonexistent/x.fits", 1);
	      }).starts_with("/nonexistent/x.fits: cannot open FITS file"));
	TempFile img("meles-reader-img");
	write_fits_image(img.path);
	CHECK(msg([&] { FitsTableReader(img.path, 1); }).find("HDU 1 is an image") != std::string::npos);
	TempFile cplx("meles-reader-cplx");
	FixtureTable t;
	t.rows = 1;
	FixtureColumn c{"Z", "C"};
	c.numbers = {{1, 2}};
	t.columns = {c};
	write_fits_tables(cplx.path, {t});
	CHECK(msg([&] { FitsTableReader(cplx.path, 1); }).find("column Z has complex type") != std::string::npos);
}
