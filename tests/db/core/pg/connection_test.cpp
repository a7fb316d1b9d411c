#include "meles/core/pg/connection.hpp"
#include "meles/core/pg/pool.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace meles;
using meles::testing::TestDb;

TEST_CASE("pg: exec, parameters, quoting") {
	TestDb db("pg_exec");
	pg::Connection c(db.admin());
	c.exec("CREATE TABLE t (id int, name text)");
	c.exec_params("INSERT INTO t VALUES ($1, $2)", {"1", std::string("O'Brien \"x\"")});
	c.exec_params("INSERT INTO t VALUES ($1, $2)", {"2", std::nullopt});
	auto r = c.exec("SELECT id, name FROM t ORDER BY id");
	REQUIRE(r.rows() == 2);
	CHECK(r.get(0, 1) == "O'Brien \"x\"");
	CHECK(r.is_null(1, 1));
	CHECK(r.column_name(1) == "name");
	CHECK(r.get_int(1, 0) == 2);
	auto q = c.exec("SELECT " + pg::quote_literal("it's") + " AS " + pg::quote_ident("We\"ird"));
	CHECK(q.get(0, 0) == "it's");
	CHECK(q.column_name(0) == "We\"ird");
}

TEST_CASE("pg: errors are typed by SQLSTATE") {
	TestDb db("pg_errors");
	pg::Connection c(db.admin());
	try {
		c.exec("SELECT * FROM no_such_table");
		FAIL("no error");
	} catch (const pg::DbError& e) {
		CHECK(e.sqlstate() == "42P01");
		CHECK(e.kind() == ErrorKind::Name);
		CHECK(std::string(e.what()).find("no_such_table") != std::string::npos);
	}
	c.exec("SET statement_timeout = 100");
	try {
		c.exec("SELECT pg_sleep(5)");
		FAIL("no timeout");
	} catch (const pg::DbError& e) {
		CHECK(e.kind() == ErrorKind::Timeout);
	}
	pg::ConnectParams bad = db.admin();
	bad.conninfo += "x"; // database t_pg_errorsx does not exist
	CHECK_THROWS_WITH_AS(pg::Connection{bad}, doctest::Contains("cannot connect to the"), pg::DbError);
}

TEST_CASE("pg: the read-only role cannot write outside temp tables") {
	TestDb db("pg_roles");
	pg::Connection a(db.admin());
	a.exec("CREATE SCHEMA pub; CREATE TABLE pub.t (x int); GRANT USAGE ON SCHEMA pub TO meles_ro; "
	       "GRANT SELECT ON pub.t TO meles_ro;");
	pg::Connection r(db.read_only());
	CHECK(r.exec("SELECT count(*) FROM pub.t").get(0, 0) == "0");
	CHECK_THROWS_AS(r.exec("INSERT INTO pub.t VALUES (1)"), pg::DbError);
	CHECK_THROWS_AS(r.exec("CREATE TABLE pub.u (x int)"), pg::DbError);
	CHECK_THROWS_AS(r.exec("CREATE TABLE public.u (x int)"), pg::DbError);
	r.exec("CREATE TEMP TABLE up (x int)"); // uploads need this
	r.exec("INSERT INTO up VALUES (1)");
}

TEST_CASE("pg: COPY in, and an unfinished COPY never commits") {
	TestDb db("pg_copy");
	pg::Connection c(db.admin());
	c.exec("CREATE TABLE t (id int, s text)");
	{
		c.begin();
		auto copy = c.copy_in("COPY t FROM STDIN");
		for (int i = 0; i < 10000; ++i)
			copy.write(std::to_string(i) + "\tv" + std::to_string(i) + "\n");
		CHECK(copy.finish() == 10000);
		c.commit();
	}
	CHECK(c.exec("SELECT count(*) FROM t").get(0, 0) == "10000");
	{
		c.begin();
		{
			auto copy = c.copy_in("COPY t FROM STDIN");
			copy.write("1\tx\n");
		} // abandoned: aborted
		CHECK_THROWS_AS(c.commit(), pg::DbError);
		c.rollback();
	}
	CHECK(c.exec("SELECT count(*) FROM t").get(0, 0) == "10000");
	c.begin();
	auto copy = c.copy_in("COPY t FROM STDIN");
	copy.write("notanumber\tx\n");
	CHECK_THROWS_WITH_AS(copy.finish(), doctest::Contains("invalid input syntax"), pg::DbError);
	c.rollback();
}

TEST_CASE("pg: a client gets at most its share of the pool, and exhaustion is Unavailable (503), not Limit") {
	TestDb db("pg_pool_share");
	pg::Pool pool(db.admin(), 3);
	auto a = pool.acquire_for("10.0.0.1", 2, std::chrono::milliseconds(50));
	auto b = pool.acquire_for("10.0.0.1", 2, std::chrono::milliseconds(50));
	try {
		pool.acquire_for("10.0.0.1", 2, std::chrono::milliseconds(50));
		FAIL("a third lease for a client whose share is two");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Unavailable);
		CHECK(std::string(e.what()).find("as many as one client may") != std::string::npos);
	}
	// The last connection is still there for somebody else.
	auto c = pool.acquire_for("10.0.0.2", 2, std::chrono::milliseconds(50));
	try {
		pool.acquire(std::chrono::milliseconds(50));
		FAIL("a lease from an exhausted pool");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Unavailable);
		CHECK(std::string(e.what()).find("busy") != std::string::npos);
	}
	// A returned lease counts for its client again; a waiting client gets its own back.
	std::thread give_back([l = std::move(a)]() mutable {
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
		auto gone = std::move(l);
	});
	auto d = pool.acquire_for("10.0.0.1", 2, std::chrono::seconds(5));
	give_back.join();
	CHECK(pool.in_use() == 3);
}

TEST_CASE("pg: the last connections of a pool are kept for short work") {
	TestDb db("pg_pool_reserve");
	pg::Pool pool(db.admin(), 4);
	pool.set_reserve(2);
	auto ms = std::chrono::milliseconds(50);
	// Ordinary leases stop where the reserve begins.
	auto a = pool.acquire_for("10.0.0.1", 0, ms);
	auto b = pool.acquire_for("10.0.0.2", 0, ms);
	CHECK_FALSE(a.reserved());
	CHECK_FALSE(b.reserved());
	CHECK_THROWS_WITH_AS(pool.acquire_for("10.0.0.3", 0, ms), doctest::Contains("kept for short ones"),
	                     Error);
	// Callers that may use it get it, marked, until the pool is empty.
	auto c = pool.acquire_for("10.0.0.3", 0, ms, true);
	auto d = pool.acquire_for("10.0.0.4", 0, ms, true);
	CHECK(c.reserved());
	CHECK(d.reserved());
	CHECK_THROWS_WITH_AS(pool.acquire_for("10.0.0.5", 0, ms, true),
	                     doctest::Contains("all 4 database connections are busy"), Error);
	// While the reserve is untouched, a caller that may use it gets an ordinary lease.
	{ auto gone = std::move(a); }
	{ auto gone = std::move(c); }
	{ auto gone = std::move(d); }
	auto e = pool.acquire_for("10.0.0.6", 0, ms, true);
	CHECK_FALSE(e.reserved());
	// An ordinary waiter is served once more than the reserve is free again.
	std::thread give_back([l = std::move(b)]() mutable {
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
		auto gone = std::move(l);
	});
	auto f = pool.acquire_for("10.0.0.7", 0, std::chrono::seconds(5));
	give_back.join();
	CHECK_FALSE(f.reserved());
	CHECK(pool.in_use() == 2);
}

TEST_CASE("pg: planner_cost tells a one-row query from a big scan without running either") {
	TestDb db("pg_planner_cost");
	pg::Connection c(db.admin());
	c.exec("CREATE TABLE big AS SELECT g AS x FROM generate_series(1, 200000) g; ANALYZE big");
	double small = pg::planner_cost(c, "SELECT x FROM big LIMIT 1");
	double large = pg::planner_cost(c, "SELECT x FROM big ORDER BY x DESC");
	CHECK(small < 10);
	CHECK(large > 10000);
	CHECK_THROWS_AS(pg::planner_cost(c, "SELECT nope FROM big"), Error);
}

TEST_CASE("pg: pool bounds connections and recovers") {
	TestDb db("pg_pool");
	pg::Pool pool(db.admin(), 2);
	{
		auto a = pool.acquire();
		auto b = pool.acquire();
		CHECK(pool.in_use() == 2);
		CHECK_THROWS_WITH_AS(pool.acquire(std::chrono::milliseconds(50)), doctest::Contains("busy"), Error);
		a->exec("BEGIN"); // returned inside a transaction: rolled back on return
	}
	CHECK(pool.in_use() == 0);
	auto c = pool.acquire();
	CHECK_FALSE(c->in_transaction());
	// A connection killed by the server is replaced transparently.
	int pid = c->backend_pid();
	{
		pg::Connection su(db.superuser(db.name()));
		su.exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
	}
	CHECK_THROWS(c->exec("SELECT 1"));
	c.discard();
	{ auto dummy = std::move(c); }
	auto d = pool.acquire();
	CHECK(d->exec("SELECT 1").get(0, 0) == "1");
	// cancel from another thread
	std::thread t([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(200));
		d->cancel();
	});
	CHECK_THROWS_AS(d->exec("SELECT pg_sleep(10)"), pg::DbError);
	t.join();
}

TEST_CASE("pg: notifications reach a LISTENing connection when the notifier commits") {
	TestDb db("pg_notify");
	pg::Connection listener(db.admin()), notifier(db.admin());
	listener.exec("LISTEN meles_test");
	// nothing sent: the wait ends empty after its timeout
	CHECK(listener.wait_for_notifications(std::chrono::milliseconds(50)).empty());
	notifier.begin();
	notifier.exec("NOTIFY meles_test");
	// not before the commit
	CHECK(listener.wait_for_notifications(std::chrono::milliseconds(50)).empty());
	notifier.commit();
	auto got = listener.wait_for_notifications(std::chrono::milliseconds(5000));
	REQUIRE(got.size() == 1);
	CHECK(got[0] == "meles_test");
	// a rolled-back notification never arrives
	notifier.begin();
	notifier.exec("NOTIFY meles_test");
	notifier.rollback();
	CHECK(listener.wait_for_notifications(std::chrono::milliseconds(100)).empty());
}
