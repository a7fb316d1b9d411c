// Uploaded rows as PostgreSQL COPY text: escaping, nulls, arrays, pg_sphere literals, and the
// errors for values PostgreSQL would refuse.  (The literals were checked against pg_sphere
// 1.2 by hand, see docs/output-formats.md; exponents are avoided because its parser rejects them.)
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_writer.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::testing;

namespace {

// Reads a document and converts all its rows.
struct CopyConsumer : votable::VOTableConsumer {
	std::unique_ptr<votable::CopyTextConverter> conv;
	std::string out;
	void on_schema(const votable::TableSchema& s) override {
		conv = std::make_unique<votable::CopyTextConverter>(s);
	}
	void on_rows(const votable::RowBatch& b) override { conv->append(b, out); }
};

CopyConsumer convert(const std::string& doc) {
	CopyConsumer c;
	votable::VOTableReader r(c);
	r.feed(doc);
	r.finish();
	return c;
}

std::string copy_error(const std::string& doc) {
	try {
		convert(doc);
	} catch (const Error& e) {
		return e.what();
	}
	return "";
}

std::string wrap(const std::string& fields, const std::string& rows) {
	return "<VOTABLE><RESOURCE><TABLE>" + fields + "<DATA><TABLEDATA>" + rows +
	       "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
}

} // namespace

TEST_CASE("COPY text of the sample table") {
	StringSink sink;
	auto w = votable::make_votable_writer(sink, {});
	w->begin(sample_header());
	write_sample_rows(*w);
	w->finish(formats::EndStatus::Ok);
	auto c = convert(sink.str());
	std::string want =
	    "t\t-12\t123456\t1234567890123\t1.5\t0.1\tx\tabc\ta<b>&\"'\\tq\\nz\\r\\\\,\tGrüße ☃ 𝄞\t"
	    "2021-03-04T05:06:07.123456\t2021-03-04\t{0,255,7}\t{1,-2}\t{7,8,9}\t{9223372036854775807}\t{0.25,-0."
	    "001}\t"
	    "{0.3333333333333333,2e+300}\t(10.5d,-20.25d)\t<(10d,20d),0.5d>\t{(1d,2d),(3d,4d),(5d,6d)}\t-45.125\n"
	    "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t"
	    "\\N\t\\N\n"
	    "f\t32767\t-2147483647\t-9223372036854775807\tInfinity\t-Infinity\t \t12345678\tx\tz\t"
	    "1999-12-31T23:59:59.999999\t1999-12-31\t{}\t{1}\t{0,-1,2147483647}\t{9223372036854775807}\t{0.25}\t"
	    "{5e-324,-0}\t(0d,90d)\t<(359.999d,-89.5d),0.00001d>\t{(0d,0d),(1d,0d),(1d,1d),(0d,1d)}\t"
	    "1.7976931348623157e+308\n"
	    "t\t0\t0\t0\t0\t0\t\\N\t\t\t\t\\N\t\\N\t{}\t{}\t\\N\t{}\t{}\t\\N\t\\N\t\\N\t\\N\t1e-300\n";
	CHECK(c.out == want);
	auto& cols = c.conv->columns();
	REQUIRE(cols.size() == 22);
	CHECK(cols[0].type.pg_ddl() == "boolean");
	CHECK(cols[6].type.pg_ddl() == "char(1)");
	CHECK(cols[10].type.pg_ddl() == "timestamp");
	CHECK(cols[12].type.pg_ddl() == "smallint[]");
	CHECK(cols[14].type.pg_ddl() == "integer[3]");
	CHECK(cols[18].type.pg_ddl() == "spoint");
	CHECK(cols[19].type.pg_ddl() == "scircle");
	CHECK(cols[20].type.pg_ddl() == "spoly");
	CHECK(cols[21].name == "Mixed Case");
	CHECK(cols[5].unit == "deg");
	CHECK(cols[3].description == "An identifier");
}

TEST_CASE("COPY text: magic nulls inside arrays, bit arrays, NaN positions, shapes given as text") {
	auto c = convert(
	    wrap("<FIELD name='a' datatype='short' arraysize='*'><VALUES null='-1'/></FIELD>"
	         "<FIELD name='b' datatype='bit' arraysize='3'/>"
	         "<FIELD name='p' datatype='double' arraysize='2' xtype='point'/>"
	         "<FIELD name='s' datatype='char' arraysize='*' xtype='circle'/>"
	         "<FIELD name='f' datatype='float' arraysize='*'/>",
	         "<TR><TD>1 -1 3</TD><TD>101</TD><TD>NaN 10</TD><TD>1 2 3</TD><TD>NaN +Inf -Inf 0.1</TD></TR>"
	         "<TR><TD>-1 -1</TD><TD>000</TD><TD>1e-5 -1e20</TD><TD/><TD/></TR>"));
	CHECK(c.out == "{1,NULL,3}\t{t,f,t}\t\\N\t<(1d,2d),3d>\t{NaN,Infinity,-Infinity,0.1}\n"
	               "{NULL,NULL}\t{f,f,f}\t(0.00001d,-100000000000000000000d)\t\\N\t\\N\n");
}

TEST_CASE("COPY converter refuses what PostgreSQL cannot store, naming row and column") {
	CHECK(copy_error(wrap("<FIELD name='z' datatype='doubleComplex'/>", "")) ==
	      "column 'z': VOTable datatype doubleComplex cannot be stored in a table");
	CHECK(copy_error(wrap("<FIELD name='m' datatype='int' arraysize='2x2'/>", "")) ==
	      "column 'm': multi-dimensional arrays (arraysize=\"2x2\") cannot be stored");
	CHECK(copy_error(wrap("<FIELD name='poly' datatype='double' arraysize='*' xtype='polygon'/>",
	                      "<TR><TD>1 2 3 4 5 6</TD></TR><TR><TD>1 2 3 4</TD></TR>")) ==
	      "row 2, column 'poly': a polygon needs an even number of at least 6 values, not 4");
	CHECK(copy_error(wrap("<FIELD name='pt' datatype='char' arraysize='*' xtype='point'/>",
	                      "<TR><TD>ten twenty</TD></TR>")) ==
	      "row 1, column 'pt': 'ten twenty' is not a list of numbers");
	// A NUL can only arrive in binary data.
	StringSink sink;
	auto w = votable::make_votable_writer(sink, {});
	formats::TableHeader h;
	h.columns = {col("t", "text")};
	w->begin(h);
	w->begin_row();
	w->string(std::string_view("a\0b", 3));
	w->end_row();
	w->finish(formats::EndStatus::Ok);
	CHECK(copy_error(sink.str()) ==
	      "row 1, column 't': contains a NUL character, which PostgreSQL cannot store");
}

TEST_CASE("pg_sphere literals are written in degrees without exponents") {
	std::string out;
	const double p[] = {1e-7, -1e-7};
	CHECK(votable::append_pgsphere_literal(out, "point", p, 2));
	CHECK(out == "(0.0000001d,-0.0000001d)");
	out.clear();
	CHECK(!votable::append_pgsphere_literal(out, "point", p, 1));
	CHECK(!votable::append_pgsphere_literal(out, "circle", p, 2));
	CHECK(!votable::append_pgsphere_literal(out, "moc", p, 2));
}
