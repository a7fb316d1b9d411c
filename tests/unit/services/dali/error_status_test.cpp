// The rule for PostgreSQL's texts in client messages (docs/tap.md): the few a user can act on
// pass, every other one is replaced by a neutral text, also after the error was copied.
#include "meles/core/pg/connection.hpp"
#include "meles/services/dali/error_status.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;

TEST_CASE("error status: PostgreSQL internals never reach clients, user-meaningful errors do") {
	// What the hostile probes of issue 10 got back verbatim.
	for (auto [state, text] :
	     {std::pair{"42P10", "ORDER BY position -1 is not in select list"},
	      std::pair{"22021", "invalid byte sequence for encoding \"UTF8\": 0xff"},
	      std::pair{"08006", "connection to server on socket \"/var/run/x/.s.PGSQL.5432\" failed"},
	      std::pair{"42501", "permission denied for table secret"},
	      std::pair{"XX000", "spoly: invalid polygon"}, std::pair{"53200", "out of memory"}}) {
		pg::DbError e(state, text);
		std::string sqlstate = state;
		CAPTURE(sqlstate);
		CHECK(e.message() == text); // operators (log, CLI) still read it
		std::string shown = public_message(e);
		CHECK(shown.find(text) == std::string::npos);
		CHECK(shown.find("SQLSTATE") == std::string::npos);
		CHECK(dali_error_document(e).find(text) == std::string::npos);
		Error sliced = e; // as in the job manager: the base copy still hides the text
		CHECK(public_message(sliced) == shown);
		CHECK(http_status(e.kind()) == http_status(pg::DbError(state, "x").kind()));
	}
	CHECK(
	    public_message(pg::DbError("08001", "cannot connect to the database: connection to server on socket "
	                                        "\"/tmp/x/run/.s.PGSQL.5432\" failed")) ==
	    "The database is not available right now; please try again in a few seconds.");
	CHECK(http_status(pg::DbError("53300", "sorry, too many clients already").kind()) == 503);
	CHECK(http_status(pg::DbError("57P01", "terminating connection due to administrator command").kind()) ==
	      503);
	CHECK(public_message(pg::DbError("22012", "division by zero")) == "division by zero");
	CHECK(public_message(pg::DbError("57014", "canceling statement due to statement timeout")) ==
	      "canceling statement due to statement timeout");
	CHECK(public_message(pg::DbError("22P02", "invalid input syntax for type double precision: \"abc\"")) ==
	      "invalid input syntax for type double precision: \"abc\"");
	// A message quoting a huge value of the user's is shortened, at a character boundary.
	std::string digits(400, '9');
	auto long_one = public_message(
	    pg::DbError("22003", concat("\"", digits, "\" is out of range for type double precision")));
	CHECK(long_one.size() <= 300);
	CHECK(long_one.ends_with("..."));
	std::string umlauts;
	for (int i = 0; i < 200; ++i)
		umlauts += "\xC3\xBC";
	auto cut = public_message(pg::DbError("22P02", umlauts));
	CHECK(cut.size() % 2 == 1); // whole two-byte characters plus "..."
	// Meles's own errors are shown as they are.
	CHECK(public_message(Error(ErrorKind::Validation, "MAXREC must not be negative")) ==
	      "MAXREC must not be negative");
}
