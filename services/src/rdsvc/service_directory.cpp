#include "meles/services/rdsvc/service_directory.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <algorithm>

namespace fs = std::filesystem;

namespace meles::services {

ServiceDirectory::ServiceDirectory(rd::RdStore& store) : store_(store) {}

std::optional<ServiceAddress> ServiceDirectory::resolve(std::string_view path) {
	auto segs = split_list(path, '/');
	if (segs.size() < 2) return std::nullopt;
	// (The transport refuses control characters in paths already; a NUL would cut file names.)
	for (char c : path)
		if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
	// The renderer is at index k (or absent); the service right before it; the RD id is
	// everything before the service.  Prefer the longest RD id that exists.
	for (size_t svc_index = segs.size() - 1; svc_index >= 1; --svc_index) {
		std::vector<std::string> rd_parts(segs.begin(), segs.begin() + static_cast<long>(svc_index));
		std::string rd_id = join(rd_parts, "/");
		if (rd_id.find("..") != std::string::npos) return std::nullopt;
		if (!rd_exists(rd_id)) continue;
		std::shared_ptr<const rd::Resource> rd;
		try {
			// The RD file itself, not whatever else the id might name (a file of that name in the
			// working directory, say).
			rd = store_.get((store_.options().inputs_dir / (rd_id + ".rd")).string());
		} catch (const Error& e) {
			ServiceAddress broken;
			broken.rd_id = rd_id;
			if (svc_index + 1 < segs.size()) broken.renderer = segs[svc_index + 1];
			broken.load_error = e;
			return broken;
		}
		const rd::ServiceDef* svc = rd->find_service(segs[svc_index]);
		if (!svc) return std::nullopt;
		ServiceAddress a;
		a.rd = rd;
		a.service = svc;
		if (svc_index + 1 < segs.size()) a.renderer = segs[svc_index + 1];
		for (size_t i = svc_index + 2; i < segs.size(); ++i)
			a.rest += "/" + segs[i];
		return a;
	}
	return std::nullopt;
}

bool ServiceDirectory::rd_exists(const std::string& rd_id) {
	auto now = std::chrono::steady_clock::now();
	{
		std::lock_guard lock(mutex_);
		auto it = exists_.find(rd_id);
		if (it != exists_.end() && now - it->second.second < std::chrono::seconds(1)) return it->second.first;
	}
	bool e = fs::is_regular_file(store_.options().inputs_dir / (rd_id + ".rd"));
	std::lock_guard lock(mutex_);
	if (exists_.size() > 10000) exists_.clear(); // bounded: ids come from request paths
	exists_[rd_id] = {e, now};
	return e;
}

std::vector<std::shared_ptr<const rd::Resource>> ServiceDirectory::all_rds() {
	std::vector<std::string> ids;
	{
		std::lock_guard lock(mutex_);
		auto now = std::chrono::steady_clock::now();
		if (!scanned_ || now - scanned_at_ >= store_.options().recheck_interval) {
			ids_.clear();
			const fs::path& inputs = store_.options().inputs_dir;
			std::error_code ec;
			if (fs::is_directory(inputs, ec)) {
				for (auto it = fs::recursive_directory_iterator(
				         inputs, fs::directory_options::skip_permission_denied, ec);
				     it != fs::recursive_directory_iterator(); it.increment(ec)) {
					if (ec) break;
					if (it->is_regular_file() && it->path().extension() == ".rd") {
						fs::path rel = it->path().lexically_relative(inputs);
						rel.replace_extension();
						ids_.push_back(rel.generic_string());
					}
				}
			}
			std::sort(ids_.begin(), ids_.end());
			scanned_ = true;
			scanned_at_ = now;
			// RDs that are gone are no longer worth a word.
			std::erase_if(warned_, [&](const auto& w) {
				return !std::binary_search(ids_.begin(), ids_.end(), w.first);
			});
		}
		ids = ids_;
	}
	std::vector<std::shared_ptr<const rd::Resource>> out;
	for (auto& id : ids) {
		try {
			out.push_back(store_.get(id));
			std::lock_guard lock(mutex_);
			warned_.erase(id);
		} catch (const Error& e) {
			// Deleted between the scan and now: simply not listed.
			if (!rd_exists_now(id)) continue;
			std::string what = e.what();
			std::lock_guard lock(mutex_);
			auto& last = warned_[id];
			if (last != what) log::warn(concat("RD ", id, " does not load: ", what));
			last = what;
		}
	}
	return out;
}

bool ServiceDirectory::rd_exists_now(const std::string& rd_id) const {
	std::error_code ec;
	return fs::is_regular_file(store_.options().inputs_dir / (rd_id + ".rd"), ec);
}

void ServiceDirectory::reload() {
	std::lock_guard lock(mutex_);
	scanned_ = false;
	warned_.clear();
	store_.clear();
}

} // namespace meles::services
