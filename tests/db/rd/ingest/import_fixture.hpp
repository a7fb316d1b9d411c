// tests/db/rd/ingest/import_fixture.hpp — what the import tests share: a fresh database with
// the `meles` schema and TAP_SCHEMA (//tap imported), an inputs directory of their own
// (removed afterwards) and an RD store over it.
#pragma once

#include "meles/core/pg/connection.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "test_db.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace meles::testing {

struct ImportFixture {
	TestDb db;
	std::filesystem::path dir; // the inputs directory
	std::unique_ptr<rd::RdStore> store;
	pg::Connection conn; // admin role

	explicit ImportFixture(const std::string& name)
	    : db(name),
	      dir(std::filesystem::temp_directory_path() / ("meles_" + name + "_" + std::to_string(getpid()))),
	      conn(db.admin()) {
		std::filesystem::remove_all(dir);
		std::filesystem::create_directories(dir);
		rd::RdStoreOptions o;
		o.inputs_dir = dir;
		store = std::make_unique<rd::RdStore>(o);
		{
			pg::Connection su(db.superuser(db.name()));
			su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
		}
		rd::ingest::Importer(conn, *store).import("//tap", {});
	}
	~ImportFixture() { std::filesystem::remove_all(dir); }

	// Writes `text` to <dir>/<path>, making the directories.
	void write(const std::filesystem::path& path, const std::string& text) {
		std::filesystem::create_directories((dir / path).parent_path());
		std::ofstream(dir / path) << text;
	}
	// Imports an RD as `meles imp` does, the store forgetting what it had read.
	rd::ingest::ImportReport import(const std::string& rd_id, const rd::ingest::ImportOptions& o = {}) {
		store->clear();
		return rd::ingest::Importer(conn, *store).import(rd_id, o);
	}
	std::string one(const std::string& sql) { return conn.exec(sql).get(0, 0); }
};

} // namespace meles::testing
