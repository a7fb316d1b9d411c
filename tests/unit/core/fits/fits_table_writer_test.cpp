// The FITS binary-table writer, read back with CFITSIO: header keywords, every column type,
// nulls (TNULL, NaN, logical 0), variable-length arrays on the heap, and the spool directory.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/fits/fits_table_writer.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>
#include <fitsio.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace meles;
using namespace meles::testing;

namespace {

struct TempDir {
	std::filesystem::path path;
	TempDir() {
		path = std::filesystem::temp_directory_path() / ("meles-fits-test-" + std::to_string(::getpid()));
		std::filesystem::create_directories(path);
	}
	~TempDir() { std::filesystem::remove_all(path); }
};

struct Fits {
	fitsfile* f = nullptr;
	int status = 0;
	explicit Fits(const std::string& path) {
		fits_open_table(&f, path.c_str(), READONLY, &status);
		REQUIRE_MESSAGE(status == 0, "CFITSIO cannot open the table, status " << status);
	}
	~Fits() {
		int s = 0;
		if (f) fits_close_file(f, &s);
	}
	std::string key(const char* name) {
		char value[FLEN_VALUE], comment[FLEN_COMMENT];
		int s = 0;
		fits_read_keyword(f, name, value, comment, &s);
		return s ? std::string("<missing>") : std::string(value);
	}
	// One cell rendered like CollectingConsumer does; "NULL" for nulls.
	std::string cell(int col, long row) {
		int type;
		long repeat, width;
		fits_get_coltype(f, col, &type, &repeat, &width, &status);
		bool variable = type < 0;
		type = std::abs(type);
		long n = repeat;
		if (variable) {
			long offset;
			fits_read_descript(f, col, row, &n, &offset, &status);
			if (n == 0) return "NULL";
		}
		if (type == TSTRING) {
			std::string buf(static_cast<std::size_t>(repeat) + 1, '\0');
			char* p = buf.data();
			int anynul = 0;
			fits_read_col(f, TSTRING, col, row, 1, 1, nullptr, &p, &anynul, &status);
			std::string s(p);
			return s.empty() ? "NULL" : s;
		}
		if (type == TLOGICAL) {
			char v = 0, nul = 0;
			int anynul = 0;
			fits_read_colnull(f, TLOGICAL, col, row, 1, 1, &v, &nul, &anynul, &status);
			return nul ? "NULL" : v ? "true" : "false";
		}
		std::vector<double> v(static_cast<std::size_t>(n));
		std::vector<char> nul(static_cast<std::size_t>(n));
		int anynul = 0;
		if (type == TLONGLONG) {
			std::vector<long long> iv(static_cast<std::size_t>(n));
			fits_read_colnull(f, TLONGLONG, col, row, 1, n, iv.data(), nul.data(), &anynul, &status);
			std::string s;
			bool all_null = true;
			for (long i = 0; i < n; ++i) {
				s += (i ? "," : "") + (nul[i] ? std::string("null") : std::to_string(iv[i]));
				all_null = all_null && nul[i];
			}
			if (all_null) return "NULL";
			return repeat == 1 && !variable ? s : "[" + s + "]";
		}
		if (type == TFLOAT || type == TDOUBLE) {
			// Without null checking: CFITSIO would flag infinities and flush subnormals too.
			fits_read_col(f, TDOUBLE, col, row, 1, n, nullptr, v.data(), &anynul, &status);
		} else {
			fits_read_colnull(f, TDOUBLE, col, row, 1, n, v.data(), nul.data(), &anynul, &status);
		}
		std::string s;
		bool all_null = true;
		for (long i = 0; i < n; ++i) {
			bool is_null = nul[i] || std::isnan(v[i]);
			all_null = all_null && is_null;
			if (type == TFLOAT)
				s += (i ? "," : "") + num(static_cast<double>(static_cast<float>(v[i])));
			else if (type == TDOUBLE)
				s += (i ? "," : "") + num(v[i]);
			else
				s += (i ? "," : "") +
				     (nul[i] ? std::string("null") : std::to_string(static_cast<long long>(v[i])));
		}
		if (all_null) return "NULL";
		return repeat == 1 && !variable ? s : "[" + s + "]";
	}
};

std::string write_fits(const std::filesystem::path& dir, formats::EndStatus status = formats::EndStatus::Ok) {
	StringSink sink;
	auto w = fits::make_fits_table_writer(sink, dir);
	w->begin(sample_header());
	write_sample_rows(*w);
	w->finish(status, "");
	return sink.take();
}

} // namespace

TEST_CASE("FITS binary table: header cards") {
	TempDir tmp;
	std::string bytes = write_fits(tmp.path);
	CHECK(bytes.size() % 2880 == 0);
	auto path = tmp.path / "t.fits";
	std::ofstream(path, std::ios::binary) << bytes;
	// The spool files are unlinked at once: only our own file is in the directory.
	CHECK(std::distance(std::filesystem::directory_iterator(tmp.path),
	                    std::filesystem::directory_iterator()) == 1);
	Fits f(path.string());
	long rows = 0;
	int cols = 0;
	fits_get_num_rows(f.f, &rows, &f.status);
	fits_get_num_cols(f.f, &cols, &f.status);
	CHECK(rows == 4);
	CHECK(cols == 22);
	CHECK(f.key("EXTNAME") == "'sample  '");
	CHECK(f.key("TTYPE1") == "'b       '");
	CHECK(f.key("TFORM1") == "'1L      '");
	CHECK(f.key("TFORM2") == "'1I      '");
	CHECK(f.key("TNULL2") == "-99");
	CHECK(f.key("TNULL3") == "-2147483648");
	CHECK(f.key("TFORM4") == "'1K      '");
	CHECK(f.key("TCOMM4") == "'An identifier'");
	CHECK(f.key("TUCD4") == "'meta.id;meta.main'");
	CHECK(f.key("TFORM5") == "'1E      '");
	CHECK(f.key("TUNIT5") == "'mag     '");
	CHECK(f.key("TFORM6") == "'1D      '");
	CHECK(f.key("TFORM8") == "'8A      '");
	CHECK(f.key("TFORM9") == "'14A     '");  // longest value in bytes
	CHECK(f.key("TFORM10") == "'16A     '"); // UTF-8 bytes of "Grüße ☃ 𝄞"
	CHECK(f.key("TFORM11") == "'26A     '");
	CHECK(f.key("TFORM13") == "'1PB(3)  '");
	CHECK(f.key("TFORM15") == "'3J      '");
	CHECK(f.key("TFORM18") == "'2D      '");
	CHECK(f.key("TFORM19") == "'2D      '");
	CHECK(f.key("TXTYP19") == "'point   '");
	CHECK(f.key("TFORM21") == "'1PD(8)  '");
	CHECK(f.key("TTYPE22") == "'Mixed Case'");
	CHECK(f.status == 0);
}

TEST_CASE("FITS binary table: values and nulls read back with CFITSIO") {
	TempDir tmp;
	auto path = tmp.path / "t.fits";
	std::ofstream(path, std::ios::binary) << write_fits(tmp.path);
	Fits f(path.string());
	std::vector<std::vector<std::string>> want = {
	    {"true",
	     "-12",
	     "123456",
	     "1234567890123",
	     "1.5",
	     "0.1",
	     "x",
	     "abc",
	     "a<b>&\"'\tq\nz\r\\,",
	     "Grüße ☃ 𝄞",
	     "2021-03-04T05:06:07.123456",
	     "2021-03-04",
	     "[0,255,7]",
	     "[1,-2]",
	     "[7,8,9]",
	     "[9223372036854775807]",
	     "[0.25," + num(static_cast<double>(-1e-3f)) + "]",
	     "[" + num(1.0 / 3) + ",2e+300]",
	     "[10.5,-20.25]",
	     "[10,20,0.5]",
	     "[1,2,3,4,5,6]",
	     "-45.125"},
	    std::vector<std::string>(22, "NULL"),
	    {"false",
	     "32767",
	     "-2147483647",
	     "-9223372036854775807",
	     "inf",
	     "-inf",
	     " ",
	     "12345678",
	     "x",
	     "z",
	     "1999-12-31T23:59:59.999999",
	     "1999-12-31",
	     "NULL",
	     "[1]",
	     "[0,-1,2147483647]",
	     "[9223372036854775807]",
	     "[0.25]",
	     "[5e-324,-0]",
	     "[0,90]",
	     "[359.999,-89.5,1e-05]",
	     "[0,0,1,0,1,1,0,1]",
	     "1.7976931348623157e+308"},
	    {"true", "0",    "0",    "0",    "0",    "0",    "NULL", "NULL", "NULL", "NULL", "NULL",
	     "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "1e-300"},
	};
	for (long r = 0; r < 4; ++r)
		for (int c = 0; c < 22; ++c) {
			CAPTURE(r);
			CAPTURE(c);
			std::string got = f.cell(c + 1, r + 1);
			CHECK(got == want[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)]);
		}
	CHECK(f.status == 0);
}

TEST_CASE("FITS writer: nothing is written for an error, overflow is noted, bad spool dir fails clearly "
          "(the path in the log, not in the message a web client gets)") {
	TempDir tmp;
	CHECK(write_fits(tmp.path, formats::EndStatus::Error).empty());
	std::string over = write_fits(tmp.path, formats::EndStatus::Overflow);
	CHECK(over.find("COMMENT QUERY_STATUS OVERFLOW") != std::string::npos);

	StringSink sink;
	auto w = fits::make_fits_table_writer(sink, tmp.path / "does-not-exist");
	try {
		w->begin(sample_header());
		FAIL("no error for a missing spool directory");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Io);
		CHECK(std::string(e.what()) == "cannot write the FITS output on the server (see the server log)");
	}
}

TEST_CASE("FITS writer: an empty result is a valid zero-row table") {
	TempDir tmp;
	StringSink sink;
	auto w = fits::make_fits_table_writer(sink, tmp.path);
	w->begin(sample_header());
	w->finish(formats::EndStatus::Ok);
	auto path = tmp.path / "empty.fits";
	std::ofstream(path, std::ios::binary) << sink.str();
	Fits f(path.string());
	long rows = -1;
	fits_get_num_rows(f.f, &rows, &f.status);
	CHECK(rows == 0);
	CHECK(f.key("TFORM9") == "'1A      '");
	CHECK(f.status == 0);
}
