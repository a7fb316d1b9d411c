#include "meles/core/common/error.hpp"
#include "meles/core/common/types.hpp"

#include <doctest/doctest.h>

using namespace meles;

TEST_CASE("SqlType parses the RD type vocabulary") {
	CHECK(SqlType::parse("double precision").base == BaseType::Double);
	CHECK(SqlType::parse("DOUBLE   PRECISION").pg_ddl() == "double precision");
	CHECK(SqlType::parse("real[2]").pg_ddl() == "real[2]");
	CHECK(SqlType::parse("real[]").is_array);
	CHECK(SqlType::parse("char(8)").pg_ddl() == "char(8)");
	CHECK(SqlType::parse("char(*)").pg_ddl() == "text");
	CHECK(SqlType::parse("spoint").is_geometry());
	CHECK(SqlType::parse("int").rd_name() == "integer");
	CHECK_THROWS_AS(SqlType::parse("flaot"), Error);
	CHECK_THROWS_AS(SqlType::parse("char(x)"), Error);
}

TEST_CASE("SqlType maps to VOTable FIELD attributes") {
	auto v = votable_type(SqlType::parse("spoint"));
	CHECK(v.datatype == "double");
	CHECK(v.arraysize == "2");
	CHECK(v.xtype == "point");
	CHECK(votable_type(SqlType::parse("bigint")).datatype == "long");
	CHECK(votable_type(SqlType::parse("text")).arraysize == "*");
	CHECK(votable_type(SqlType::parse("char")).arraysize == "");
	CHECK(votable_type(SqlType::parse("real[3]")).arraysize == "3");
	CHECK(votable_type(SqlType::parse("timestamp")).xtype == "timestamp");
}

TEST_CASE("VOTable upload columns map to SQL types") {
	CHECK(sql_type_from_votable("double", "", "").base == BaseType::Double);
	CHECK(sql_type_from_votable("double", "2", "point").base == BaseType::SPoint);
	CHECK(sql_type_from_votable("char", "*", "").base == BaseType::Text);
	CHECK(sql_type_from_votable("int", "3", "").pg_ddl() == "integer[3]");
	CHECK(sql_type_from_votable("char", "*", "timestamp").base == BaseType::Timestamp);
	CHECK_THROWS_AS(sql_type_from_votable("doubleComplex", "", ""), Error);
}

TEST_CASE("Error carries kind and position") {
	Error e(ErrorKind::Syntax, "unexpected token", SourcePos{"q.rd", 12, 0});
	CHECK(e.kind() == ErrorKind::Syntax);
	CHECK(std::string(e.what()) == "q.rd:12: unexpected token");
	Error a(ErrorKind::Syntax, "Expected SELECT", SourcePos{"", 1, 1});
	CHECK(a.full_message() == "line 1, column 1: Expected SELECT");
}
