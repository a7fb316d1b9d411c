// Persistent user tables against a real database: uploads (replacement only at commit, quotas
// while streaming), the per-user ADQL catalogs, CREATE TABLE AS under the read role's
// privileges, index jobs making a crossmatch with a 1,000,000-row user table an index join,
// and the reaper.  The HTTP side is tests/integration/test_user_tables.py.
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/core/votable/votable_writer.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "meles/services/user_tables/user_tables.hpp"
#include "meles/services/uws/job_manager.hpp"
#include "test_db.hpp"
#include "user_tables/table_builder.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

using namespace meles;
using namespace meles::services;
using namespace meles::services::user_tables;
using meles::testing::TestDb;
namespace fs = std::filesystem;

namespace {

Settings test_settings() {
	Settings s;
	s.read_role = "meles_ro";
	s.lifetime = std::chrono::hours(24);
	s.max_lifetime = std::chrono::hours(48);
	s.user_limits = {1'000'000'000, 10};
	s.anonymous_limits = {1'000'000'000, 10};
	return s;
}

// A database with //tap_user imported, a job manager and the user tables service.
struct Fixture {
	TestDb db;
	fs::path dir;
	Config config;
	pg::Pool pool;
	uws::JobManager jobs;
	UserTables tables;
	pg::Connection admin;

	explicit Fixture(const std::string& name, Settings settings = test_settings())
	    : db(name), dir(fs::temp_directory_path() / ("meles_ut_" + name + "_" + std::to_string(getpid()))),
	      config(Config::defaults(dir)), pool(db.admin(), 4), jobs(config, pool, dir / "jobs"),
	      tables(settings, db.admin(), pool, jobs), admin(db.admin()) {
		fs::remove_all(dir);
		fs::create_directories(dir);
		{
			pg::Connection su(db.superuser(db.name()));
			su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
		}
		rd::RdStoreOptions o;
		o.inputs_dir = dir;
		o.config = [](std::string_view section, std::string_view key) -> std::optional<std::string> {
			if (section == "db" && key == "readRole") return "meles_ro";
			return std::nullopt;
		};
		rd::RdStore store(o);
		rd::ingest::Importer imp(admin, store);
		imp.import("//tap_user", {});
		tables.start();
		jobs.start();
	}
	~Fixture() {
		jobs.stop();
		tables.stop();
		fs::remove_all(dir);
	}

	UserTable put(const Owner& owner, const std::string& name, const std::string& votable) {
		size_t pos = 0;
		return tables
		    .upload(owner, name,
		            [&](char* buf, size_t n) {
			            size_t k = std::min(n, votable.size() - pos);
			            std::memcpy(buf, votable.data() + pos, k);
			            pos += k;
			            return k;
		            })
		    .table;
	}
	UserTable put_file(const Owner& owner, const std::string& name, const fs::path& file) {
		std::ifstream in(file, std::ios::binary);
		return tables
		    .upload(owner, name,
		            [&](char* buf, size_t n) {
			            in.read(buf, static_cast<std::streamsize>(n));
			            return static_cast<size_t>(in.gcount());
		            })
		    .table;
	}
	int64_t count(const std::string& sql) { return admin.exec(sql).get_int(0, 0); }
	int64_t tap_user_relations() {
		return count(
		    "SELECT count(*) FROM pg_class WHERE relnamespace = 'tap_user'::regnamespace AND relkind = 'r'");
	}
	uws::Phase run_index(const Owner& owner, const std::string& name, const std::string& spec) {
		auto j = jobs.create(UserTables::kIndexJobKind, {{"TABLE", name}, {"INDEX", spec}}, owner, {});
		jobs.run(UserTables::kIndexJobKind, j.id);
		for (int i = 0; i < 600; ++i) {
			auto w = jobs.wait(UserTables::kIndexJobKind, j.id, 1, std::nullopt);
			if (w && !uws::is_active(w->phase)) {
				if (w->error_message) MESSAGE(*w->error_message);
				return w->phase;
			}
		}
		return uws::Phase::Unknown;
	}
};

// A small TABLEDATA VOTable; `rows` are the <TR> contents.
std::string make_votable(const std::string& fields, const std::vector<std::string>& rows,
                         const std::string& description = "") {
	std::string out =
	    "<?xml version=\"1.0\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">"
	    "<RESOURCE><TABLE>";
	if (!description.empty()) out += "<DESCRIPTION>" + description + "</DESCRIPTION>";
	out += fields + "<DATA><TABLEDATA>";
	for (auto& r : rows)
		out += "<TR>" + r + "</TR>";
	return out + "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
}

const std::string kStarFields = "<FIELD name=\"id\" datatype=\"long\" ucd=\"meta.id\"/>"
                                "<FIELD name=\"ra\" datatype=\"double\" unit=\"deg\" "
                                "ucd=\"pos.eq.ra\"><DESCRIPTION>Right ascension</DESCRIPTION></FIELD>"
                                "<FIELD name=\"dec\" datatype=\"double\" unit=\"deg\" ucd=\"pos.eq.dec\"/>";

std::string stars(int n, int offset = 0) {
	std::vector<std::string> rows;
	for (int i = 0; i < n; ++i)
		rows.push_back("<TD>" + std::to_string(i + offset) + "</TD><TD>" + std::to_string(i * 0.01) +
		               "</TD><TD>" + std::to_string(i * 0.005 - 30) + "</TD>");
	return make_votable(kStarFields, rows, "Some stars");
}

class FileSink final : public ByteSink {
public:
	explicit FileSink(const fs::path& p) : out_(p, std::ios::binary) {}
	void write(std::string_view d) override { out_.write(d.data(), static_cast<std::streamsize>(d.size())); }

private:
	std::ofstream out_;
};

// n random positions on the sphere as BINARY2 (id, ra, dec), reproducibly.
void write_big_votable(const fs::path& file, int n, unsigned seed) {
	FileSink sink(file);
	auto w = votable::make_votable_writer(sink, {});
	formats::TableHeader h;
	for (auto [name, type, unit] : {std::tuple{"id", "bigint", ""},
	                                {"ra", "double precision", "deg"},
	                                {"dec", "double precision", "deg"}}) {
		ColumnMeta m;
		m.name = name;
		m.type = SqlType::parse(type);
		m.unit = unit;
		h.columns.push_back(m);
	}
	w->begin(h);
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<double> u(0, 1);
	for (int i = 0; i < n; ++i) {
		w->begin_row();
		w->int64(i);
		w->float64(u(rng) * 360);
		w->float64(std::asin(2 * u(rng) - 1) * 180 / M_PI);
		w->end_row();
	}
	w->finish();
}

std::string explain(pg::Connection& c, const std::string& sql) {
	auto r = c.exec("EXPLAIN " + sql);
	std::string out;
	for (int i = 0; i < r.rows(); ++i)
		out += r.get(i, 0) + "\n";
	return out;
}

} // namespace

TEST_CASE("user tables: upload, replacement only at commit, failed uploads keep the old table") {
	Fixture f("ut_upload");
	UserTable t = f.put(std::nullopt, "Stars", stars(5));
	CHECK(t.name == "stars");
	CHECK(t.nrows == 5);
	CHECK(t.description == "Some stars");
	REQUIRE(t.columns.size() == 3);
	CHECK(t.columns[1].unit == "deg");
	CHECK(t.columns[1].ucd == "pos.eq.ra");
	CHECK(t.columns[1].description == "Right ascension");
	CHECK(t.sql_name.size() == 21);
	CHECK(t.sql_name.find("stars") == std::string::npos); // not derived from the name
	CHECK(f.count("SELECT count(*) FROM " + t.relation()) == 5);
	// The read role may read it (through the translator's catalog, the only way to name it).
	pg::Connection ro(f.db.read_only());
	CHECK(ro.exec("SELECT count(*) FROM " + t.relation()).get_int(0, 0) == 5);
	CHECK_THROWS(ro.exec("SELECT count(*) FROM meles.user_tables"));

	// A broken second upload (row 3 has a bad double) fails and leaves the first one as it was.
	std::vector<std::string> bad{"<TD>1</TD><TD>1</TD><TD>1</TD>", "<TD>2</TD><TD>2</TD><TD>2</TD>",
	                             "<TD>3</TD><TD>abc</TD><TD>3</TD>"};
	CHECK_THROWS_WITH_AS(f.put(std::nullopt, "stars", make_votable(kStarFields, bad)),
	                     doctest::Contains("abc"), Error);
	auto still = find(f.admin, std::nullopt, "stars");
	REQUIRE(still);
	CHECK(still->sql_name == t.sql_name);
	CHECK(f.count("SELECT count(*) FROM " + t.relation()) == 5);
	CHECK(f.tap_user_relations() == 1); // the half-made table went with the rollback

	// A good replacement gets a new relation; the old one is dropped.
	UserTable t2 = f.put(std::nullopt, "stars", stars(7));
	CHECK(t2.sql_name != t.sql_name);
	CHECK(f.count("SELECT count(*) FROM " + t2.relation()) == 7);
	CHECK(f.tap_user_relations() == 1);

	// Names: regular ADQL identifiers that are not reserved words.
	for (const char* n : {"join", "SELECT", "1abc", "a-b", "_x", ""})
		CHECK_THROWS_WITH_AS(f.put(std::nullopt, n, stars(1)),
		                     doctest::Contains("cannot be used as an upload table name"), Error);
	// Complex numbers cannot be stored; the message names the column.
	CHECK_THROWS_WITH_AS(
	    f.put(std::nullopt, "cplx",
	          make_votable("<FIELD name=\"z\" datatype=\"floatComplex\"/>", {"<TD>1 2</TD>"})),
	    doctest::Contains("z"), Error);
	// Column names that collide once folded.
	CHECK_THROWS_WITH_AS(
	    f.put(std::nullopt, "dup",
	          make_votable("<FIELD name=\"RA\" datatype=\"int\"/><FIELD name=\"ra\" datatype=\"int\"/>",
	                       {"<TD>1</TD><TD>2</TD>"})),
	    doctest::Contains("two columns are called"), Error);
	// A table without rows: FIELDs and no DATA, or an empty TABLEDATA.
	UserTable empty =
	    f.put(std::nullopt, "empty",
	          "<VOTABLE version=\"1.4\"><RESOURCE><TABLE>" + kStarFields + "</TABLE></RESOURCE></VOTABLE>");
	CHECK(empty.nrows == 0);
	CHECK(empty.columns.size() == 3);
	CHECK(f.put(std::nullopt, "empty", make_votable(kStarFields, {})).nrows == 0);
	CHECK(f.count("SELECT count(*) FROM " + find(f.admin, std::nullopt, "empty")->relation()) == 0);
	// Reserved words as column names are kept, as delimited names.
	UserTable r =
	    f.put(std::nullopt, "reserved",
	          make_votable("<FIELD name=\"size\" datatype=\"int\"/><FIELD name=\"dec\" datatype=\"int\"/>",
	                       {"<TD>1</TD><TD>2</TD>"}));
	CHECK(r.columns[0].delimited);
	CHECK_FALSE(r.columns[1].delimited);
}

TEST_CASE("user tables: hostile uploads — connections only once data arrives, a bounded pool, a size limit, "
          "and the end when the client goes away") {
	Settings s = test_settings();
	s.upload_connections = 1;
	s.upload_wait = std::chrono::milliseconds(200);
	s.max_upload_bytes = 4 << 20;
	Fixture f("ut_hostile", s);
	f.put(std::nullopt, "warm", stars(2));
	auto open_transactions = [&] {
		return f.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
		               "AND state LIKE 'idle in transaction%'");
	};
	auto reader_of = [](std::vector<std::string> pieces, std::function<void(size_t)> before = {}) {
		return [pieces = std::move(pieces), before, i = size_t(0)](char* buf, size_t n) mutable -> size_t {
			if (before) before(i);
			if (i == pieces.size()) return 0;
			REQUIRE(pieces[i].size() <= n);
			std::memcpy(buf, pieces[i].data(), pieces[i].size());
			return pieces[i++].size();
		};
	};

	// No connection, no transaction while the client has sent nothing (each PUT used to open a
	// connection and a transaction before reading its body).
	int64_t at_first_read = -1;
	f.tables.upload(std::nullopt, "lazy", reader_of({stars(3)}, [&](size_t i) {
		                if (i == 0) at_first_read = open_transactions();
	                }));
	CHECK(at_first_read == 0);

	// One upload connection: an upload whose rows have begun holds it, the next one is told to
	// come back (503), not given a connection of its own.
	std::string head =
	    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE><TABLE>"
	    "<FIELD name=\"x\" datatype=\"double\"/><DATA><BINARY2><STREAM encoding=\"base64\">" +
	    std::string(200 << 10, ' ');
	std::promise<void> holding, release;
	auto released = release.get_future().share();
	std::string holder_error;
	std::thread holder([&] {
		try {
			f.tables.upload(std::nullopt, "holder",
			                reader_of({head, std::string(100 << 10, ' '),
			                           "</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>"},
			                          [&](size_t i) {
				                          if (i == 2) { // the reader has parsed 300 kB: the rows have begun
					                          holding.set_value();
					                          released.wait();
				                          }
			                          }));
		} catch (const std::exception& e) {
			holder_error = e.what();
		}
	});
	struct Release { // whatever happens below, the holder finishes
		std::promise<void>& p;
		std::thread& t;
		bool done = false;
		void operator()() {
			if (done) return;
			done = true;
			p.set_value();
			t.join();
		}
		~Release() { (*this)(); }
	} finish_holder{release, holder};
	holding.get_future().wait();
	std::string second_error = "none";
	try {
		f.put(std::nullopt, "other", stars(2));
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Unavailable);
		second_error = e.what();
	}
	CHECK(second_error == "all 1 connections for uploads are in use; please try again in a few seconds");
	finish_holder();
	CHECK(holder_error == "");
	CHECK(find(f.admin, std::nullopt, "holder"));
	CHECK(f.put(std::nullopt, "other", stars(2)).nrows == 2);

	// The body is limited.
	CHECK_THROWS_WITH_AS(f.put(std::nullopt, "big", stars(2) + std::string(5 << 20, ' ')),
	                     doctest::Contains("larger than the limit for user table uploads here"), Error);

	// The client goes away in the middle: the upload stops, nothing is made, the callback is
	// unregistered at the end.
	std::function<void()> gone_callback;
	bool registered = false;
	UserTables::UploadControl control;
	control.on_client_gone = [&](std::function<void()> cb) {
		registered = static_cast<bool>(cb);
		gone_callback = std::move(cb);
	};
	std::string doc = stars(2000);
	std::vector<std::string> pieces;
	for (size_t i = 0; i < doc.size(); i += 64 << 10)
		pieces.push_back(doc.substr(i, 64 << 10));
	int64_t relations = f.tap_user_relations();
	try {
		f.tables.upload(std::nullopt, "gone",
		                reader_of(pieces,
		                          [&](size_t i) {
			                          if (i == 2 && gone_callback) gone_callback();
		                          }),
		                control);
		FAIL("the upload went on without its client");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Io);
	}
	CHECK_FALSE(registered);
	CHECK_FALSE(find(f.admin, std::nullopt, "gone"));
	CHECK(f.tap_user_relations() == relations);
	CHECK(open_transactions() == 0);
}

TEST_CASE("user tables: quotas are enforced while the rows stream, and on the count of tables") {
	Settings s = test_settings();
	s.anonymous_limits = {400'000, 3};
	s.user_limits = {100'000'000, 2};
	Fixture f("ut_quota", s);
	// 20,000 rows of three 8-byte columns need about 1 MB: refused during the stream.
	fs::path big = f.dir / "big.vot";
	write_big_votable(big, 20000, 1);
	try {
		f.put_file(std::nullopt, "big", big);
		FAIL("no quota error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Limit);
		CHECK_MESSAGE(std::string(e.what()).find("(400000 bytes)") != std::string::npos, e.what());
		CHECK_MESSAGE(std::string(e.what()).find("the quota of anonymous user tables") != std::string::npos,
		              e.what());
	}
	CHECK(f.tap_user_relations() == 0);
	// The table count: replacing does not count, a new name does.
	f.put("alice", "a", stars(3));
	f.put("alice", "b", stars(3));
	f.put("alice", "b", stars(4));
	try {
		f.put("alice", "c", stars(3));
		FAIL("no count quota error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Limit);
		CHECK_MESSAGE(std::string(e.what()).find("allows 2 tables, and 2 exist already") != std::string::npos,
		              e.what());
	}
	// A per-user override lifts it.
	set_quota_override(f.admin, "alice", {std::nullopt, 5});
	CHECK(limits_for(f.admin, s, "alice").tables == 5);
	CHECK(limits_for(f.admin, s, "alice").bytes == 100'000'000);
	f.put("alice", "c", stars(3));
	CHECK(usage(f.admin, "alice").tables == 3);
	// Deleting the account's tables also forgets the override.
	CHECK(drop_tables_of(f.admin, "alice") == 3);
	CHECK_FALSE(quota_override(f.admin, "alice"));
	CHECK(f.tap_user_relations() == 0);
}

TEST_CASE("user tables: the size estimate used during uploads is close to what PostgreSQL stores") {
	Fixture f("ut_estimate");
	fs::path big = f.dir / "est.vot";
	write_big_votable(big, 100000, 2);
	UserTable t = f.put_file(std::nullopt, "est", big);
	// What the estimator says for the same rows, as COPY text.
	std::vector<ColumnMeta> cols = t.columns;
	SizeEstimator est(cols);
	auto r = f.admin.exec("SELECT id || E'\\t' || ra || E'\\t' || dec || E'\\n' FROM " + t.relation());
	std::string text;
	for (int i = 0; i < r.rows(); ++i)
		text += r.get(i, 0);
	double estimated = static_cast<double>(est.estimate(text));
	double heap = static_cast<double>(f.count("SELECT pg_relation_size('" + t.relation() + "')"));
	MESSAGE("estimated " << estimated << " bytes, heap " << heap << " bytes");
	CHECK(estimated > 0.7 * heap);
	CHECK(estimated < 1.1 * heap);
}

TEST_CASE("user tables: catalogs show each user their own tables, then anonymous ones") {
	Fixture f("ut_catalog");
	UserTable a = f.put("alice", "t", stars(1));
	UserTable b = f.put("bob", "t", stars(2));
	UserTable anon = f.put(std::nullopt, "t", stars(3));
	UserTable shared = f.put(std::nullopt, "shared", stars(4));
	UserTable bob_only = f.put("bob", "secret", stars(5));

	auto names = [](const adql::Catalog& c, const std::string& n) {
		std::vector<const adql::TableEntry*> out;
		c.find_tables(n, out);
		std::vector<std::string> sql;
		for (auto* e : out)
			sql.push_back(e->sql_name);
		return sql;
	};
	auto ca = f.tables.catalog("alice");
	CHECK(names(*ca, "t") == std::vector<std::string>{a.relation()});
	CHECK(names(*ca, "shared") == std::vector<std::string>{shared.relation()});
	CHECK(names(*ca, "secret").empty());
	auto cn = f.tables.catalog(std::nullopt);
	CHECK(names(*cn, "t") == std::vector<std::string>{anon.relation()});
	CHECK(names(*cn, "secret").empty());
	// A user without tables sees the anonymous ones.
	CHECK(names(*f.tables.catalog("carol"), "t") == std::vector<std::string>{anon.relation()});

	// Through the translator: tap_user.t is alice's table for alice, bob's secret is unknown,
	// and neither random SQL names nor other spellings reach anything.
	auto tr = adql::translate("SELECT COUNT(*) FROM tap_user.t", *ca);
	CHECK(tr.sql.find(a.relation()) != std::string::npos);
	CHECK(tr.tables.at(0).entry->columns.at(1).unit == "deg");
	for (std::string q : std::vector<std::string>{
	         "SELECT * FROM tap_user.secret", "SELECT * FROM tap_user.\"" + bob_only.sql_name + "\"",
	         "SELECT * FROM \"" + bob_only.sql_name + "\"", "SELECT * FROM tap_user.\"T\"",
	         "SELECT * FROM bob.secret",
	         "SELECT * FROM tap_user.t AS x JOIN tap_user.secret AS y ON x.id = y.id",
	         "SELECT * FROM tap_user.t WHERE id IN (SELECT id FROM tap_user.secret)",
	         "SELECT * FROM tap_user.bob.secret"}) {
		CAPTURE(q);
		CHECK_THROWS_AS(adql::translate(q, *ca), Error);
	}
	// Expired tables vanish from catalogs at once, before the reaper gets to them.
	set_destruction(f.admin, shared.sql_name, std::chrono::system_clock::now() - std::chrono::seconds(1));
	CHECK(names(*f.tables.catalog("alice"), "shared").empty());
	// Without //tap_user the catalog is empty rather than an error.
	f.admin.exec("DROP SCHEMA tap_user CASCADE");
	CHECK_FALSE(f.tables.enabled());
	std::vector<const adql::TableEntry*> all;
	f.tables.catalog("alice")->all_tables(all);
	CHECK(all.empty());
}

TEST_CASE("user tables: CREATE TABLE AS runs its SELECT with the read role's privileges") {
	Fixture f("ut_ctas");
	f.admin.exec(
	    "CREATE SCHEMA pub; CREATE TABLE pub.stars AS SELECT i AS id, (i % 20)::real AS mag, i * 0.1 AS ra "
	    "FROM generate_series(1, 1000) AS i; GRANT USAGE ON SCHEMA pub TO meles_ro; "
	    "GRANT SELECT ON pub.stars TO meles_ro;"
	    "CREATE SCHEMA priv; CREATE TABLE priv.secret AS SELECT 42 AS answer;");
	adql::SimpleCatalog pub;
	{
		adql::TableEntry e;
		e.schema = "pub";
		e.name = "stars";
		e.sql_name = "pub.stars";
		for (auto [n, t, unit, ucd] : {std::tuple{"id", "integer", "", "meta.id"},
		                               {"mag", "real", "mag", "phot.mag"},
		                               {"ra", "double precision", "deg", "pos.eq.ra"}}) {
			ColumnMeta m;
			m.name = n;
			m.type = SqlType::parse(t);
			m.unit = unit;
			m.ucd = ucd;
			m.description = std::string("the ") + n;
			e.columns.push_back(m);
		}
		pub.add(e);
		// A catalog entry the read role has no privileges for stands for a translator or
		// catalog bug: the database must still refuse.
		adql::TableEntry s;
		s.schema = "priv";
		s.name = "secret";
		s.sql_name = "priv.secret";
		ColumnMeta m;
		m.name = "answer";
		m.type = SqlType::parse("integer");
		s.columns.push_back(m);
		pub.add(s);
	}
	auto user_cat = f.tables.catalog("alice");
	adql::CompositeCatalog cat({&pub, user_cat.get()});
	adql::TranslateOptions opts;
	opts.allow_create_table = true;
	pg::Connection ro(f.db.read_only());

	auto t = adql::translate(
	    "CREATE TABLE tap_user.bright AS SELECT id, mag, ra * 2 AS ra2 FROM pub.stars WHERE mag < 5", cat,
	    opts);
	CreatedTable made = f.tables.create_table_as(t, ro, "alice");
	CHECK(made.adql_name == "tap_user.bright");
	CHECK(made.rows == 250);
	REQUIRE(made.columns.size() == 3);
	CHECK(made.columns[1].unit == "mag");
	CHECK(made.columns[1].ucd == "phot.mag");
	CHECK(made.columns[1].description == "the mag");
	CHECK(made.columns[2].unit == "deg");
	auto stored = find(f.admin, "alice", "bright");
	REQUIRE(stored);
	CHECK(stored->origin == "query");
	CHECK(stored->columns[1].unit == "mag");
	CHECK(f.count("SELECT count(*) FROM " + stored->relation() + " WHERE mag < 5") == 250);

	// The new table is at once queryable by its owner, and only by its owner.
	auto again = f.tables.catalog("alice");
	adql::CompositeCatalog cat2({&pub, again.get()});
	auto q = adql::translate("SELECT COUNT(*) FROM tap_user.bright", cat2);
	CHECK(ro.exec(q.sql).get_int(0, 0) == 250);
	CHECK_THROWS(adql::translate("SELECT COUNT(*) FROM tap_user.bright", *f.tables.catalog("bob")));

	// CREATE TABLE AS over itself replaces it with the result.
	auto self = adql::translate("CREATE TABLE tap_user.bright AS SELECT * FROM tap_user.bright WHERE mag < 2",
	                            cat2, opts);
	CHECK(f.tables.create_table_as(self, ro, "alice").replaced);
	CHECK(f.count("SELECT count(*) FROM " + find(f.admin, "alice", "bright")->relation()) == 100);

	// Reading what the read role may not read fails in the database, and nothing is created.
	auto secret = adql::translate("CREATE TABLE tap_user.leak AS SELECT answer FROM priv.secret", cat, opts);
	try {
		f.tables.create_table_as(secret, ro, "alice");
		FAIL("the read role read priv.secret");
	} catch (const Error& e) {
		// insufficient_privilege is a server-side problem (not the client's credentials)
		CHECK(e.kind() == ErrorKind::Database);
		CHECK_MESSAGE(std::string(e.what()).find("permission denied") != std::string::npos, e.what());
	}
	CHECK_FALSE(find(f.admin, "alice", "leak"));
	// Only tap_user, only regular names.
	CHECK_THROWS_WITH_AS(
	    f.tables.create_table_as(adql::translate("CREATE TABLE pub.x AS SELECT id FROM pub.stars", cat, opts),
	                             ro, "alice"),
	    doctest::Contains("only create tables in schema tap_user"), Error);
	CHECK_THROWS_WITH_AS(
	    f.tables.create_table_as(
	        adql::translate("CREATE TABLE tap_user.\"Odd Name\" AS SELECT id FROM pub.stars", cat, opts), ro,
	        "alice"),
	    doctest::Contains("cannot be used as an upload table name"), Error);
}

TEST_CASE("user tables: an index job makes a crossmatch with 1,000,000 uploaded rows an index join") {
	Fixture f("ut_index");
	fs::path big = f.dir / "big.vot";
	write_big_votable(big, 1000000, 3);
	UserTable t = f.put_file("alice", "big", big);
	CHECK(t.nrows == 1000000);
	// A small table of positions near some of the big table's rows, as a public table would be.
	f.admin.exec("CREATE SCHEMA pub; CREATE TABLE pub.probes AS SELECT id, ra + 0.5 / 3600 AS ra, dec FROM " +
	             t.relation() +
	             " WHERE id % 10000 = 0; GRANT USAGE ON SCHEMA pub TO meles_ro; "
	             "GRANT SELECT ON pub.probes TO meles_ro; ANALYZE pub.probes;");
	adql::SimpleCatalog pub;
	{
		adql::TableEntry e;
		e.schema = "pub";
		e.name = "probes";
		e.sql_name = "pub.probes";
		e.columns = t.columns;
		pub.add(e);
	}
	const std::string xmatch = "SELECT p.id AS probe, b.id FROM pub.probes AS p JOIN tap_user.big AS b "
	                           "ON 1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(p.ra, p.dec, 2./3600))";
	pg::Connection ro(f.db.read_only());
	auto translate = [&] {
		auto uc = f.tables.catalog("alice");
		adql::CompositeCatalog cat({&pub, uc.get()});
		return adql::translate(xmatch, cat);
	};
	// Before indexing: a sequential scan of the big table.
	CHECK(explain(ro, translate().sql).find("Seq Scan on " + t.sql_name) != std::string::npos);

	CHECK(f.run_index("alice", "big", "ra, DEC") == uws::Phase::Completed);
	auto indexed = find(f.admin, "alice", "big");
	REQUIRE(indexed);
	REQUIRE(indexed->indexes.size() == 1);
	CHECK(indexed->indexes[0].kind == IndexKind::Q3c);
	CHECK(indexed->columns[1].indexed);
	CHECK(indexed->columns[2].indexed);
	CHECK_FALSE(indexed->columns[0].indexed);
	CHECK(indexed->size_bytes > t.size_bytes);
	auto entry = table_entry(*indexed);
	REQUIRE(entry.q3c_indexes.size() == 1);
	CHECK(entry.q3c_indexes[0].ra == "ra");

	auto tr = translate();
	CHECK(tr.uses_q3c);
	std::string plan = explain(ro, tr.sql);
	MESSAGE(plan);
	CHECK((plan.find("Index Scan on " + indexed->indexes[0].name) != std::string::npos ||
	       plan.find("Index Scan using " + indexed->indexes[0].name) != std::string::npos));
	CHECK(plan.find("Seq Scan on " + t.sql_name) == std::string::npos);
	// Each of the 100 probes finds its own star, 0.5 arcsec away (another one within 2 arcsec
	// is a 1e-5 chance at this density).
	CHECK(ro.exec("SELECT count(*) FROM (" + tr.sql + ") AS q WHERE probe = id").get_int(0, 0) == 100);
	// Clustered on the index.
	CHECK(f.count("SELECT count(*) FROM pg_index WHERE indisclustered AND indrelid = '" + t.relation() +
	              "'::regclass") == 1);

	// A B-tree on one column; bad specifications fail the job with a message naming the problem.
	CHECK(f.run_index("alice", "big", "id") == uws::Phase::Completed);
	CHECK(find(f.admin, "alice", "big")->columns[0].indexed);
	CHECK(f.run_index("alice", "big", "ra,nosuch") == uws::Phase::Error);
	CHECK(f.run_index("alice", "nosuch", "ra,dec") == uws::Phase::Error);
	CHECK(f.run_index("bob", "big", "ra,dec") == uws::Phase::Error); // not bob's table
}

TEST_CASE("user tables: a pg_sphere index when the operator chooses it") {
	Settings s = test_settings();
	s.spatial_index = IndexKind::Spoint;
	Fixture f("ut_spoint", s);
	fs::path file = f.dir / "sp.vot";
	write_big_votable(file, 200000, 4);
	UserTable t = f.put_file(std::nullopt, "sp", file);
	CHECK(f.run_index(std::nullopt, "sp", "ra,dec") == uws::Phase::Completed);
	auto e = table_entry(*find(f.admin, std::nullopt, "sp"));
	REQUIRE(e.spoint_indexes.size() == 1);
	auto uc = f.tables.catalog(std::nullopt);
	auto tr = adql::translate(
	    "SELECT id FROM tap_user.sp WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 0.5))", *uc);
	pg::Connection ro(f.db.read_only());
	std::string plan = explain(ro, tr.sql);
	MESSAGE(plan);
	CHECK(plan.find("Index Scan") != std::string::npos); // (Bitmap) Index Scan on the spoint index
	CHECK(plan.find("Seq Scan") == std::string::npos);
}

TEST_CASE("user tables: the reaper drops expired tables and relations without bookkeeping") {
	Fixture f("ut_reaper");
	UserTable keep = f.put(std::nullopt, "keep", stars(2));
	UserTable old = f.put("alice", "old", stars(2));
	set_destruction(f.admin, old.sql_name, std::chrono::system_clock::now() - std::chrono::seconds(1));
	f.admin.exec("CREATE TABLE tap_user.leftover (x integer)");
	CHECK(f.tap_user_relations() == 3);
	CHECK(f.tables.reap() == 1);
	CHECK_FALSE(find(f.admin, "alice", "old"));
	CHECK(find(f.admin, std::nullopt, "keep"));
	CHECK(f.tap_user_relations() == 1);
	// The reaper thread wakes for the next destruction time by itself.
	set_destruction(f.admin, keep.sql_name,
	                std::chrono::system_clock::now() + std::chrono::milliseconds(300));
	f.tables.poke_reaper();
	// The bookkeeping goes first (committed), the relation right after it: wait for both.
	for (int i = 0; i < 100 && (find(f.admin, std::nullopt, "keep") || f.tap_user_relations() != 0); ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	CHECK_FALSE(find(f.admin, std::nullopt, "keep"));
	CHECK(f.tap_user_relations() == 0);
}
