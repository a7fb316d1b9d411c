// meles/services/rdsvc/service_directory.hpp — finds the RD service a URL names.
//
// Services live at /<rd id>/<service id>/<renderer>[/...] as in DaCHS, where the RD id may
// itself contain slashes (/anchor/q/cone/scs.xml: RD anchor/q, service cone, renderer
// scs.xml).  The directory also lists every RD below the inputs directory for the root page.
// Thread-safety: all members may be called concurrently (the RD store is thread-safe).
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meles::services {

struct ServiceAddress {
	std::shared_ptr<const rd::Resource> rd;
	const rd::ServiceDef* service = nullptr;
	std::string renderer; // "" when the URL ends at the service
	std::string rest;     // path after the renderer ("" or "/...")
	// Set when the RD file exists but does not load (rd and service are then null): the
	// operator's problem, for the log; the public gets a 5xx in the protocol's form.
	std::string rd_id;
	std::optional<Error> load_error;
};

class ServiceDirectory {
public:
	explicit ServiceDirectory(rd::RdStore& store);

	// nullopt when the path names no RD service.  A broken RD gives an address with
	// load_error set rather than a silent 404, so the caller can log why.
	std::optional<ServiceAddress> resolve(std::string_view path);

	// Every RD below the inputs directory that loads (broken ones are skipped, and logged
	// once per problem).  The directory is scanned again when the store's recheck interval
	// has passed, so new and deleted RDs show as soon as edits do.
	std::vector<std::shared_ptr<const rd::Resource>> all_rds();
	void reload();

	rd::RdStore& store() { return store_; }

private:
	rd::RdStore& store_;
	std::mutex mutex_;
	std::vector<std::string> ids_;
	bool scanned_ = false;
	std::chrono::steady_clock::time_point scanned_at_{};
	std::map<std::string, std::string> warned_; // RD id -> the load problem last logged
	// "is there an RD file for this id" answers, kept for a second (every request asks)
	std::map<std::string, std::pair<bool, std::chrono::steady_clock::time_point>> exists_;
	bool rd_exists(const std::string& rd_id);
	bool rd_exists_now(const std::string& rd_id) const;
};

} // namespace meles::services
