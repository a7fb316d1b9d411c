// The streaming VOTable reader on hand-written documents: every datatype (also those Meles
// never writes: bit, unsignedByte, complex), the three serializations with their null
// conventions, document structure (namespaces, several RESOURCEs, PARAMs, foreign elements),
// and the error messages users see.
#include "formats/base64.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace meles;
using namespace meles::testing;

namespace {

CollectingConsumer read_doc(const std::string& doc, votable::ReaderOptions o = {}) {
	CollectingConsumer c;
	votable::VOTableReader r(c, o);
	r.feed(doc);
	r.finish();
	return c;
}

// The message of the Error reading `doc` throws ("" if none).
std::string error_of(const std::string& doc, votable::ReaderOptions o = {}) {
	try {
		read_doc(doc, o);
	} catch (const Error& e) {
		return e.what();
	}
	return "";
}

std::string wrap(const std::string& fields, const std::string& data) {
	return "<?xml version='1.0'?>\n<VOTABLE version='1.4' xmlns='http://www.ivoa.net/xml/VOTable/v1.3'>"
	       "<RESOURCE><TABLE>" +
	       fields + "<DATA>" + data + "</DATA></TABLE></RESOURCE></VOTABLE>";
}

std::string b64(const std::string& bytes) {
	std::string out(formats::base64_lines_size(bytes.size()), '\0');
	out.resize(formats::base64_encode_lines(reinterpret_cast<const unsigned char*>(bytes.data()),
	                                        bytes.size(), out.data()));
	return out;
}

struct Bytes {
	std::string s;
	Bytes& u8(unsigned v) {
		s += static_cast<char>(v);
		return *this;
	}
	Bytes& be(std::uint64_t v, int n) {
		for (int i = n - 1; i >= 0; --i)
			s += static_cast<char>((v >> (8 * i)) & 0xFF);
		return *this;
	}
	Bytes& f32(float v) {
		std::uint32_t u;
		std::memcpy(&u, &v, 4);
		return be(u, 4);
	}
	Bytes& f64(double v) {
		std::uint64_t u;
		std::memcpy(&u, &v, 8);
		return be(u, 8);
	}
	Bytes& str(std::string_view v) {
		s += v;
		return *this;
	}
};

// Fields for the datatypes Meles never writes itself.
const std::string kOddFields = "<FIELD name='bit' datatype='bit'/>"
                               "<FIELD name='bits' datatype='bit' arraysize='*'/>"
                               "<FIELD name='ub' datatype='unsignedByte'><VALUES null='255'/></FIELD>"
                               "<FIELD name='uni' datatype='unicodeChar' arraysize='4'/>"
                               "<FIELD name='fc' datatype='floatComplex'/>"
                               "<FIELD name='dcs' datatype='doubleComplex' arraysize='*'/>"
                               "<FIELD name='bools' datatype='boolean' arraysize='3'/>"
                               "<FIELD name='strs' datatype='char' arraysize='3x*'/>"
                               "<FIELD name='lim' datatype='char' arraysize='10*'/>";

} // namespace

TEST_CASE("Reader: bit, unsignedByte, unicodeChar, complex, boolean arrays, string arrays in TABLEDATA") {
	auto c = read_doc(wrap(kOddFields,
	                       "<TABLEDATA>"
	                       "<TR><TD>1</TD><TD>1 0 1 1</TD><TD>200</TD><TD>Ωmega</TD><TD>1.5 -2</TD>"
	                       "<TD>1 2 3 4</TD><TD>T ? F</TD><TD>abcdefg</TD><TD>0123456789</TD></TR>"
	                       "<TR><TD>0</TD><TD>0110</TD><TD>255</TD><TD/><TD/><TD/><TD>TTF</TD><TD/><TD/></TR>"
	                       "</TABLEDATA>"));
	REQUIRE(c.rows.size() == 2);
	std::vector<std::string> r0 = {"true",      "[T,F,T,T]", "200",     "Ωmega",     "[1.5,-2]",
	                               "[1,2,3,4]", "[T,?,F]",   "abcdefg", "0123456789"};
	std::vector<std::string> r1 = {"false", "[F,T,T,F]", "NULL", "NULL", "NULL",
	                               "NULL",  "[T,T,F]",   "NULL", "NULL"};
	CHECK(c.rows[0] == r0);
	CHECK(c.rows[1] == r1);
	auto& f = c.schema.fields;
	CHECK(f[0].datatype == votable::Datatype::Bit);
	CHECK(f[0].meta.type.base == BaseType::Boolean);
	CHECK(f[2].meta.type.base == BaseType::SmallInt);
	CHECK(*f[2].null_int == 255);
	CHECK(f[3].meta.type.base == BaseType::Unicode);
	CHECK(!f[4].storable());
	CHECK(f[4].storage_problem.find("floatComplex") != std::string::npos);
	CHECK(f[6].meta.type.pg_ddl() == "boolean[3]");
	CHECK(f[7].meta.type.base == BaseType::Text);
}

TEST_CASE("Reader: the same odd datatypes in BINARY and BINARY2, with nulls") {
	// BINARY: nulls by magic value (ub), empty variable arrays, NaN; no bitmap.
	Bytes b;
	b.u8(0x80) // bit: 1
	    .be(4, 4)
	    .u8(0xB0) // bits: 1011
	    .u8(200)  // ub
	    .be(0x03A9, 2)
	    .be('m', 2)
	    .be(0xD834, 2)
	    .be(0xDD1E, 2) // uni: "Ωm𝄞" (surrogate pair)
	    .f32(1.5f)
	    .f32(-2) // fc
	    .be(1, 4)
	    .f64(1)
	    .f64(2)     // dcs: one complex
	    .str("T?F") // bools
	    .be(2, 4)
	    .str(std::string_view("abcde\0", 6)) // strs: 2 strings of 3
	    .be(3, 4)
	    .str("xyz"); // lim
	b.u8(0x00)
	    .be(0, 4)
	    .u8(255)
	    .be(0, 2)
	    .be(0, 2)
	    .be(0, 2)
	    .be(0, 2)
	    .f32(NAN)
	    .f32(NAN)
	    .be(0, 4)
	    .str("???")
	    .be(0, 4)
	    .be(0, 4);
	auto c =
	    read_doc(wrap(kOddFields, "<BINARY><STREAM encoding='base64'>" + b64(b.s) + "</STREAM></BINARY>"));
	REQUIRE(c.rows.size() == 2);
	std::vector<std::string> r0 = {"true",  "[T,F,T,T]", "200",   "Ωm𝄞", "[1.5,-2]",
	                               "[1,2]", "[T,?,F]",   "abcde", "xyz"};
	std::vector<std::string> r1 = {"false", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"};
	CHECK(c.rows[0] == r0);
	CHECK(c.rows[1] == r1);

	// BINARY2: the bitmap decides; empty values that are not flagged stay empty.
	Bytes b2;
	b2.u8(0x00).u8(0x00).str(b.s.substr(0, 1 + 5 + 1 + 8 + 8 + 20 + 3 + 10 + 7));
	b2.u8(0b01111111)
	    .u8(0x80) // all but the first column null
	    .u8(0)
	    .be(0, 4)
	    .u8(0)
	    .be(0, 8)
	    .f32(0)
	    .f32(0)
	    .be(0, 4)
	    .str(std::string_view("\0\0\0", 3))
	    .be(0, 4)
	    .be(0, 4);
	b2.u8(0x00).u8(0x00).u8(0).be(0, 4).u8(255).be(0, 8).f32(0).f32(0).be(0, 4).str("FFF").be(0, 4).be(0, 4);
	auto c2 =
	    read_doc(wrap(kOddFields, "<BINARY2><STREAM encoding='base64'>" + b64(b2.s) + "</STREAM></BINARY2>"));
	REQUIRE(c2.rows.size() == 3);
	CHECK(c2.rows[0] == r0);
	CHECK(c2.rows[1] ==
	      std::vector<std::string>{"false", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"});
	// VALUES null applies in every serialization; empty strings and arrays are values here.
	CHECK(c2.rows[2] ==
	      std::vector<std::string>{"false", "[]", "NULL", "", "[0,0]", "[]", "[F,F,F]", "", ""});
}

TEST_CASE("Reader: names, namespaces, several RESOURCEs, PARAMs and foreign elements") {
	std::string doc =
	    "<?xml version='1.0' encoding='UTF-8'?>"
	    "<vot:VOTABLE version='1.3' xmlns:vot='http://www.ivoa.net/xml/VOTable/v1.3'"
	    " xmlns:m='http://www.ivoa.net/xml/mivot'>"
	    "<vot:INFO name='before' value='1'/>"
	    "<vot:PARAM name='top' datatype='char' arraysize='*' value='hello'/>"
	    "<vot:RESOURCE name='meta' type='meta'><vot:PARAM name='inner' datatype='int' "
	    "value='3'/></vot:RESOURCE>"
	    "<vot:RESOURCE name='first'>"
	    "<m:VODML><m:TABLE><m:FIELD name='not me'/></m:TABLE></m:VODML>"
	    "<vot:TABLE name='t1'><vot:DESCRIPTION>The one</vot:DESCRIPTION>"
	    "<vot:FIELD name='Ra (J2000)' datatype='double' unit='deg' ucd='pos.eq.ra'>"
	    "<vot:DESCRIPTION>right ascension</vot:DESCRIPTION></vot:FIELD>"
	    "<vot:FIELD name='MixedCase' datatype='int'/>"
	    "<vot:GROUP><vot:FIELDref ref='x'/><vot:PARAM name='grouped' datatype='double' "
	    "value='1.5'/></vot:GROUP>"
	    "<vot:DATA><vot:TABLEDATA><vot:TR><vot:TD>1.5</vot:TD><vot:TD>2</vot:TD></vot:TR></vot:TABLEDATA>"
	    "</vot:DATA><vot:INFO name='QUERY_STATUS' value='OVERFLOW'/></vot:TABLE>"
	    "<vot:TABLE name='t2'><vot:FIELD name='other' datatype='int'/><vot:DATA><vot:TABLEDATA><vot:TR>"
	    "<vot:TD>9</vot:TD></vot:TR></vot:TABLEDATA></vot:DATA></vot:TABLE>"
	    "</vot:RESOURCE></vot:VOTABLE>";
	auto c = read_doc(doc);
	CHECK(c.schema.version == "1.3");
	CHECK(c.schema.table_name == "t1");
	CHECK(c.schema.resource_name == "first");
	CHECK(c.schema.description == "The one");
	REQUIRE(c.schema.fields.size() == 2);
	CHECK(c.schema.fields[0].meta.name == "Ra (J2000)");
	CHECK(c.schema.fields[0].meta.delimited);
	CHECK(c.schema.fields[0].meta.description == "right ascension");
	CHECK(c.schema.fields[1].meta.name == "MixedCase");
	CHECK(!c.schema.fields[1].meta.delimited);
	REQUIRE(c.schema.params.size() == 3);
	CHECK(c.schema.params[0].field.meta.name == "top");
	CHECK(c.schema.params[0].value == "hello");
	CHECK(c.schema.params[1].field.meta.name == "inner");
	CHECK(c.schema.params[2].field.meta.name == "grouped");
	REQUIRE(c.schema.infos.size() == 1);
	CHECK(c.schema.infos[0].name == "before");
	CHECK(c.rows == std::vector<std::vector<std::string>>{{"1.5", "2"}});
	REQUIRE(c.trailing.size() == 1);
	CHECK(c.trailing[0].value == "OVERFLOW");

	// VOTable 1.1 documents without a namespace, hex integers, +Inf.
	auto old =
	    read_doc("<VOTABLE version='1.1'><RESOURCE><TABLE><FIELD name='a' datatype='short'/>"
	             "<FIELD name='b' datatype='float'/><DATA><TABLEDATA><TR><TD> 0xFFFF </TD><TD>+Inf</TD></TR>"
	             "<TR><TD>+12</TD><TD>-1e-50</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>");
	CHECK(old.rows == std::vector<std::vector<std::string>>{{"-1", "inf"}, {"12", "-0"}});
}

TEST_CASE("Reader: a TABLE without DATA gives its schema and no rows") {
	auto c =
	    read_doc("<VOTABLE><RESOURCE><TABLE><FIELD name='a' datatype='int'/></TABLE></RESOURCE></VOTABLE>");
	CHECK(c.schema.fields.size() == 1);
	CHECK(c.schema.format == votable::DataFormat::None);
	CHECK(c.rows.empty());
	CHECK(c.ended);
}

TEST_CASE("Reader: cell errors name the row and the column") {
	std::string fields =
	    "<FIELD name='id' datatype='int'/><FIELD name='mag' datatype='float'/>"
	    "<FIELD name='flag' datatype='boolean'/><FIELD name='pos' datatype='double' arraysize='2'/>";
	auto rows = [](const std::string& bad) {
		std::string s = "<TABLEDATA>";
		for (int i = 1; i < 1532; ++i)
			s += "<TR><TD>" + std::to_string(i) + "</TD><TD>1.5</TD><TD>T</TD><TD>1 2</TD></TR>";
		return s + bad + "</TABLEDATA>";
	};
	CHECK(error_of(wrap(fields, rows("<TR><TD>1</TD><TD>abc</TD><TD>T</TD><TD>1 2</TD></TR>"))) ==
	      "row 1532, column 'mag': 'abc' is not a float");
	CHECK(error_of(wrap(fields, rows("<TR><TD>2147483648</TD><TD/><TD/><TD/></TR>"))) ==
	      "row 1532, column 'id': '2147483648' is not an int");
	CHECK(error_of(wrap(fields, rows("<TR><TD>1</TD><TD/><TD>yes</TD><TD/></TR>"))) ==
	      "row 1532, column 'flag': 'yes' is not a boolean");
	CHECK(error_of(wrap(fields, rows("<TR><TD>1</TD><TD/><TD/><TD>1 2 3</TD></TR>"))) ==
	      "row 1532, column 'pos': has 3 values, but arraysize=\"2\"");
	CHECK(error_of(wrap(fields, rows("<TR><TD>1</TD><TD/><TD/></TR>"))) ==
	      "row 1532 has 3 cells, but the table has 4 columns");
	CHECK(error_of(wrap(fields, rows("<TR><TD>1</TD><TD/><TD/><TD/><TD/></TR>"))) ==
	      "row 1532 has more than 4 cells");
}

TEST_CASE("Reader: document errors say what is wrong") {
	CHECK(error_of("this is not XML").rfind("the upload is not well-formed XML: syntax error (line 1", 0) ==
	      0);
	CHECK(error_of("<VOTABLE><RESOURCE><TABLE></RESOURCE></VOTABLE>").find("mismatched tag") !=
	      std::string::npos);
	CHECK(error_of("<html><body/></html>") == "not a VOTable: the document's root element is 'html'");
	CHECK(error_of("<VOTABLE><RESOURCE/></VOTABLE>") == "the VOTable contains no TABLE");
	CHECK(error_of("") == "the upload is not well-formed XML: no element found (line 1, column 1)");
	std::string f = "<FIELD name='a' datatype='int'/>";
	CHECK(error_of(wrap(f, "<BINARY2><STREAM href='http://example.org/x.bin'/></BINARY2>")) ==
	      "the table's data is in an external STREAM (href=\"http://example.org/x.bin\"); only inline base64 "
	      "STREAMs are accepted");
	CHECK(error_of(wrap(f, "<BINARY><STREAM encoding='gzip'>AAAA</STREAM></BINARY>")) ==
	      "gzip-encoded STREAMs are not supported; send the data with encoding=\"base64\"");
	CHECK(error_of(wrap(f, "<FITS><STREAM href='x.fits'/></FITS>")) ==
	      "VOTables with FITS-serialized DATA are not supported; use TABLEDATA, BINARY or BINARY2");
	CHECK(error_of(wrap(f, "<BINARY2><STREAM encoding='base64'>AAAA*AAA</STREAM></BINARY2>")) ==
	      "the STREAM contains characters that are not base64");
	CHECK(
	    error_of(wrap(f, "<BINARY2><STREAM encoding='base64'>AAAAAA==</STREAM></BINARY2>")) == // 4 of 5 bytes
	    "the BINARY2 stream ends inside row 1");
	CHECK(error_of(wrap("<FIELD name='a' datatype='integer'/>", "")) ==
	      "FIELD 'a' has an unknown datatype 'integer'");
	CHECK(error_of(wrap("<FIELD name='a'/>", "")) == "FIELD 'a' has no datatype");
	CHECK(error_of(wrap("<FIELD name='a' datatype='int' arraysize='x'/>", "")) ==
	      "FIELD 'a' has a bad arraysize 'x'");
	CHECK(error_of(wrap("<FIELD name='a' datatype='int'><VALUES null='none'/></FIELD>", "")) ==
	      "FIELD 'a': VALUES null='none' is not an int");
	// A variable-length cell claiming 1 GB.
	Bytes b;
	b.u8(0).be(0x40000000, 4);
	CHECK(error_of(wrap("<FIELD name='d' datatype='double' arraysize='*'/>",
	                    "<BINARY2><STREAM encoding='base64'>" + b64(b.s) + "</STREAM></BINARY2>")) ==
	      "row 1, column 'd': holds 1073741824 elements, more than the 67108864-byte limit for one cell");
}

TEST_CASE("Reader: row limit, batching and consumer errors") {
	std::string doc = wrap("<FIELD name='a' datatype='int'/>",
	                       "<TABLEDATA><TR><TD>1</TD></TR><TR><TD>2</TD></TR><TR><TD>3</TD></TR>"
	                       "<TR><TD>4</TD></TR><TR><TD>5</TD></TR></TABLEDATA>");
	votable::ReaderOptions o;
	o.max_rows = 4;
	CHECK(error_of(doc, o) == "the uploaded table has more than 4 rows, the limit here");

	struct Batches : votable::VOTableConsumer {
		std::vector<std::pair<std::uint64_t, std::size_t>> seen;
		void on_schema(const votable::TableSchema&) override {}
		void on_rows(const votable::RowBatch& b) override { seen.emplace_back(b.first_row(), b.rows()); }
	} batches;
	votable::ReaderOptions small;
	small.batch_rows = 2;
	votable::VOTableReader r(batches, small);
	r.feed(doc);
	r.finish();
	CHECK(batches.seen == std::vector<std::pair<std::uint64_t, std::size_t>>{{1, 2}, {3, 2}, {5, 1}});
	CHECK(r.rows() == 5);

	struct Failing : votable::VOTableConsumer {
		void on_schema(const votable::TableSchema&) override {}
		void on_rows(const votable::RowBatch&) override {
			throw Error(ErrorKind::Database, "COPY failed: disk full");
		}
	} failing;
	votable::VOTableReader r2(failing, small);
	try {
		r2.feed(doc);
		r2.finish();
		FAIL("consumer error was swallowed");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Database);
		CHECK(std::string(e.what()) == "COPY failed: disk full");
	}
	CHECK_THROWS_AS(r2.feed("<x/>"), Error);
}
