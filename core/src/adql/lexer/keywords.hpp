// adql/lexer/keywords.hpp — ADQL 2.1 reserved words (SQL-92's plus ADQL's own, §2.1.2-3).
//
// A reserved word is never an identifier unless written in double quotes; the lexer turns
// it into a Keyword token.  Non-reserved names with special meaning in context (TABLESAMPLE,
// GREATEST, ivo_* functions) stay identifiers.
// Thread-safety: immutable static tables.
#pragma once

#include <cstdint>
#include <string_view>

namespace meles::adql {

// clang-format off
#define MELES_ADQL_KEYWORDS(X)                                                                               \
	X(Abs, "ABS") X(Absolute, "ABSOLUTE") X(Acos, "ACOS") X(Action, "ACTION") X(Add, "ADD") X(All, "ALL")    \
	X(Allocate, "ALLOCATE") X(Alter, "ALTER") X(And, "AND") X(Any, "ANY") X(Are, "ARE") X(Area, "AREA")      \
	X(As, "AS") X(Asc, "ASC") X(Asin, "ASIN") X(Assertion, "ASSERTION") X(At, "AT") X(Atan, "ATAN")          \
	X(Atan2, "ATAN2") X(Authorization, "AUTHORIZATION") X(Avg, "AVG") X(Begin, "BEGIN")                      \
	X(Between, "BETWEEN") X(Bigint, "BIGINT") X(Bit, "BIT") X(BitLength, "BIT_LENGTH") X(Both, "BOTH")       \
	X(Box, "BOX") X(By, "BY") X(Cascade, "CASCADE") X(Cascaded, "CASCADED") X(Case, "CASE")                  \
	X(Cast, "CAST") X(Catalog, "CATALOG") X(Ceiling, "CEILING") X(Centroid, "CENTROID") X(Char, "CHAR")      \
	X(Character, "CHARACTER") X(CharLength, "CHAR_LENGTH") X(CharacterLength, "CHARACTER_LENGTH")            \
	X(Check, "CHECK") X(Circle, "CIRCLE") X(Close, "CLOSE") X(Coalesce, "COALESCE") X(Collate, "COLLATE")    \
	X(Collation, "COLLATION") X(Column, "COLUMN") X(Commit, "COMMIT") X(Connect, "CONNECT")                  \
	X(Connection, "CONNECTION") X(Constraint, "CONSTRAINT") X(Constraints, "CONSTRAINTS")                    \
	X(Contains, "CONTAINS") X(Continue, "CONTINUE") X(Convert, "CONVERT") X(Coord1, "COORD1")                \
	X(Coord2, "COORD2") X(Coordsys, "COORDSYS") X(Corresponding, "CORRESPONDING") X(Cos, "COS")              \
	X(Cot, "COT") X(Count, "COUNT") X(Create, "CREATE") X(Cross, "CROSS") X(Current, "CURRENT")              \
	X(CurrentDate, "CURRENT_DATE") X(CurrentTime, "CURRENT_TIME") X(CurrentTimestamp, "CURRENT_TIMESTAMP")   \
	X(CurrentUser, "CURRENT_USER") X(Cursor, "CURSOR") X(Date, "DATE") X(Day, "DAY")                         \
	X(Deallocate, "DEALLOCATE") X(Decimal, "DECIMAL") X(Declare, "DECLARE") X(Default, "DEFAULT")            \
	X(Deferrable, "DEFERRABLE") X(Deferred, "DEFERRED") X(Degrees, "DEGREES") X(Delete, "DELETE")            \
	X(Desc, "DESC") X(Describe, "DESCRIBE") X(Descriptor, "DESCRIPTOR") X(Diagnostics, "DIAGNOSTICS")        \
	X(Disconnect, "DISCONNECT") X(Distance, "DISTANCE") X(Distinct, "DISTINCT") X(Domain, "DOMAIN")          \
	X(Double, "DOUBLE") X(Drop, "DROP") X(Else, "ELSE") X(End, "END") X(Escape, "ESCAPE")                    \
	X(Except, "EXCEPT") X(Exception, "EXCEPTION") X(Exec, "EXEC") X(Execute, "EXECUTE") X(Exists, "EXISTS")  \
	X(Exp, "EXP") X(External, "EXTERNAL") X(Extract, "EXTRACT") X(False, "FALSE") X(Fetch, "FETCH")          \
	X(First, "FIRST") X(Float, "FLOAT") X(Floor, "FLOOR") X(For, "FOR") X(Foreign, "FOREIGN")                \
	X(Found, "FOUND") X(From, "FROM") X(Full, "FULL") X(Get, "GET") X(Global, "GLOBAL") X(Go, "GO")          \
	X(Goto, "GOTO") X(Grant, "GRANT") X(Group, "GROUP") X(Having, "HAVING") X(Hour, "HOUR")                  \
	X(Identity, "IDENTITY") X(Ilike, "ILIKE") X(Immediate, "IMMEDIATE") X(In, "IN") X(InUnit, "IN_UNIT")     \
	X(Indicator, "INDICATOR") X(Initially, "INITIALLY") X(Inner, "INNER") X(Input, "INPUT")                  \
	X(Insensitive, "INSENSITIVE") X(Insert, "INSERT") X(Int, "INT") X(Integer, "INTEGER")                    \
	X(Intersect, "INTERSECT") X(Intersects, "INTERSECTS") X(Interval, "INTERVAL") X(Into, "INTO")            \
	X(Is, "IS") X(Isolation, "ISOLATION") X(Join, "JOIN") X(Key, "KEY") X(Language, "LANGUAGE")              \
	X(Last, "LAST") X(Leading, "LEADING") X(Left, "LEFT") X(Level, "LEVEL") X(Like, "LIKE") X(Local, "LOCAL") \
	X(Log, "LOG") X(Log10, "LOG10") X(Lower, "LOWER") X(Match, "MATCH") X(Max, "MAX") X(Min, "MIN")          \
	X(Minute, "MINUTE") X(Mod, "MOD") X(Module, "MODULE") X(Month, "MONTH") X(Names, "NAMES")                \
	X(National, "NATIONAL") X(Natural, "NATURAL") X(Nchar, "NCHAR") X(Next, "NEXT") X(No, "NO")              \
	X(Not, "NOT") X(Null, "NULL") X(Nullif, "NULLIF") X(Numeric, "NUMERIC") X(OctetLength, "OCTET_LENGTH")   \
	X(Of, "OF") X(Offset, "OFFSET") X(On, "ON") X(Only, "ONLY") X(Open, "OPEN") X(Option, "OPTION")          \
	X(Or, "OR") X(Order, "ORDER") X(Outer, "OUTER") X(Output, "OUTPUT") X(Overlaps, "OVERLAPS")              \
	X(Pad, "PAD") X(Partial, "PARTIAL") X(Pi, "PI") X(Point, "POINT") X(Polygon, "POLYGON")                  \
	X(Position, "POSITION") X(Power, "POWER") X(Precision, "PRECISION") X(Prepare, "PREPARE")                \
	X(Preserve, "PRESERVE") X(Primary, "PRIMARY") X(Prior, "PRIOR") X(Privileges, "PRIVILEGES")              \
	X(Procedure, "PROCEDURE") X(Public, "PUBLIC") X(Radians, "RADIANS") X(Rand, "RAND") X(Read, "READ")      \
	X(Real, "REAL") X(References, "REFERENCES") X(Region, "REGION") X(Relative, "RELATIVE")                  \
	X(Restrict, "RESTRICT") X(Revoke, "REVOKE") X(Right, "RIGHT") X(Rollback, "ROLLBACK") X(Round, "ROUND")  \
	X(Rows, "ROWS") X(Schema, "SCHEMA") X(Scroll, "SCROLL") X(Second, "SECOND") X(Section, "SECTION")        \
	X(Select, "SELECT") X(Session, "SESSION") X(SessionUser, "SESSION_USER") X(Set, "SET") X(Sin, "SIN")     \
	X(Size, "SIZE") X(Smallint, "SMALLINT") X(Some, "SOME") X(Space, "SPACE") X(Sql, "SQL")                  \
	X(Sqlcode, "SQLCODE") X(Sqlerror, "SQLERROR") X(Sqlstate, "SQLSTATE") X(Sqrt, "SQRT")                    \
	X(Substring, "SUBSTRING") X(Sum, "SUM") X(SystemUser, "SYSTEM_USER") X(Table, "TABLE") X(Tan, "TAN")     \
	X(Temporary, "TEMPORARY") X(Then, "THEN") X(Time, "TIME") X(Timestamp, "TIMESTAMP")                      \
	X(TimezoneHour, "TIMEZONE_HOUR") X(TimezoneMinute, "TIMEZONE_MINUTE") X(To, "TO") X(Top, "TOP")          \
	X(Trailing, "TRAILING") X(Transaction, "TRANSACTION") X(Translate, "TRANSLATE")                          \
	X(Translation, "TRANSLATION") X(Trim, "TRIM") X(True, "TRUE") X(Truncate, "TRUNCATE") X(Union, "UNION")  \
	X(Unique, "UNIQUE") X(Unknown, "UNKNOWN") X(Update, "UPDATE") X(Upper, "UPPER") X(Usage, "USAGE")        \
	X(User, "USER") X(Using, "USING") X(Value, "VALUE") X(Values, "VALUES") X(Varchar, "VARCHAR")            \
	X(Varying, "VARYING") X(View, "VIEW") X(When, "WHEN") X(Whenever, "WHENEVER") X(Where, "WHERE")          \
	X(With, "WITH") X(Work, "WORK") X(Write, "WRITE") X(Year, "YEAR") X(Zone, "ZONE")
// clang-format on

enum class Keyword : uint16_t {
	None,
#define MELES_ADQL_KW_ENUM(id, text) id,
	MELES_ADQL_KEYWORDS(MELES_ADQL_KW_ENUM)
#undef MELES_ADQL_KW_ENUM
};

// Case-insensitive lookup; Keyword::None for words that are not reserved.
Keyword lookup_keyword(std::string_view word) noexcept;
// Upper-case spelling ("SELECT").
std::string_view keyword_text(Keyword kw) noexcept;

} // namespace meles::adql
