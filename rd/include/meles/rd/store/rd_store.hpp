// meles/rd/store/rd_store.hpp — RD id -> loaded resource descriptor, with caching.
//
// The store loads RDs on demand (user RDs below the inputs directory, system RDs "//name" from
// the system RD directory), resolves references between RDs while loading, caches the result
// and reloads an RD when its file, the default meta file or any RD it references changed.
// Resources are immutable and shared: a reload produces a new Resource, holders of the old
// one keep a consistent view.
// Thread-safety: all member functions may be called from any thread (one internal mutex;
// loads are serialised).
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"
#include "meles/rd/parse/rd_parser.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

struct RdStoreOptions {
	std::filesystem::path inputs_dir;        // RD ids are paths below this directory
	std::filesystem::path system_rds_dir;    // empty: layout::current().system_rds
	std::filesystem::path default_meta_file; // site-wide meta stream (DaCHS etc/defaultmeta.txt); optional
	ConfigLookup config;                     // for \getConfig; falls back to DaCHS defaults
	// The site's userconfig RD, referenced as "%" ("%#obscore-extracolumns"); DaCHS keeps it
	// in etc/userconfig.rd.  Empty: references to % are errors.
	std::filesystem::path userconfig_file;
	// How long a cached RD counts as current before its files are looked at again; 0 =
	// every time (the CLI).  The daemon uses a second: edits show up almost at once and
	// requests do not each stat a handful of files.
	std::chrono::milliseconds recheck_interval{0};
};

// A table together with the RD keeping it alive.
struct ResolvedTable {
	std::shared_ptr<const Resource> rd;
	const TableDef* table = nullptr;
};

struct LoadResult {
	std::shared_ptr<const Resource> resource; // null when the file could not be parsed at all
	Diagnostics diagnostics;                  // errors and warnings of this RD (not of others)
};

class RdStore {
public:
	explicit RdStore(RdStoreOptions options);
	~RdStore();
	RdStore(const RdStore&) = delete;
	RdStore& operator=(const RdStore&) = delete;

	// The RD named by id ("anchor/q", "//scs") or by path ("q.rd", "/x/y/q.rd").  Throws
	// Error(NotFound) for unknown RDs and the first problem (with file:line) of a bad RD.
	std::shared_ptr<const Resource> get(std::string_view id_or_path);
	// Like get, but never throws for problems inside the RD: returns every diagnostic.
	// (A missing RD is reported as a diagnostic, too.)
	LoadResult load(std::string_view id_or_path);

	// The table a TableRef designates (make table=, foreignKey, queriedTable, ...); throws
	// Error(NotFound) when the RD or the table does not exist.
	ResolvedTable resolve_table(const TableRef& ref);

	// Parses RD text as if it were the file of RD rd_id (references to other RDs go through
	// this store); the result is not cached.  For tests and tools checking generated RDs.
	LoadResult load_text(std::string_view xml, const std::string& rd_id);

	// The RD id an argument designates ("q.rd" -> "q" when inputs_dir is "."), without loading.
	std::string rd_id_for(std::string_view id_or_path) const;
	// The RD id an argument designates even when no such file exists (any more): for
	// `meles drop` of an RD whose file is gone.  Ids stay as given (without ".rd"), absolute
	// paths are made relative to the inputs directory.
	std::string rd_id_without_file(std::string_view id_or_path) const;

	// Forgets cached RDs (all, or one id), so the next get() reads the files again.
	void invalidate(std::string_view rd_id);
	void clear();

	const RdStoreOptions& options() const { return options_; }
	std::shared_ptr<const MetaBag> site_meta();

private:
	struct Entry;
	class Resolver;

	LoadResult load_locked(const std::string& rd_id, const std::filesystem::path& file);
	bool up_to_date(const Entry& e) const;
	std::shared_ptr<const MetaBag> site_meta_locked(Diagnostics* diags);
	std::filesystem::path file_for(std::string_view id_or_path, std::string& rd_id) const;
	std::filesystem::path resolve_uncached(const std::string& arg, std::string& rd_id) const;

	RdStoreOptions options_;
	std::recursive_mutex mutex_;
	std::map<std::string, std::unique_ptr<Entry>> cache_;
	// Argument as given -> RD id and file, so that repeated lookups skip path canonicalisation;
	// the file is looked at again only after recheck_interval (a daemon resolves the same RD
	// on every request, and a stat per request is a measurable part of a small one).
	struct Resolved {
		std::string rd_id;
		std::filesystem::path file;
		std::chrono::steady_clock::time_point checked;
	};
	mutable std::map<std::string, Resolved> resolved_;
	std::vector<std::string> loading_; // RD ids being loaded (cycle detection)
	std::shared_ptr<const MetaBag> site_meta_;
	std::filesystem::file_time_type site_meta_mtime_{};
	bool site_meta_loaded_ = false;
};

} // namespace meles::rd

#include "meles/core/config/config.hpp"

namespace meles::rd {

// Store options from the configuration: [general] inputsDir, defaultMetaFile (if the file
// exists) and \getConfig lookups.  `config` must outlive the store.
RdStoreOptions store_options(const Config& config);

} // namespace meles::rd
