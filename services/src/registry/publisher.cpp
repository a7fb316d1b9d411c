#include "meles/services/registry/publisher.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/schema/catalog_store.hpp"
#include "meles/services/registry/record_builder.hpp"
#include "meles/services/tap/tap_catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace meles::services::registry {

using rd::registry::MetaProblem;

namespace {

constexpr const char* kTapRd = "//tap";

bool has_publish(const rd::Resource& rd) {
	for (auto& s : rd.services)
		if (!s.publish.empty()) return true;
	for (auto& t : rd.tables)
		if (!t.publish.empty()) return true;
	for (auto& d : rd.data)
		if (!d.publish.empty()) return true;
	return false;
}

// The RD an argument names, or a problem.
std::shared_ptr<const rd::Resource> load(rd::RdStore& store, const std::string& arg,
                                         std::vector<MetaProblem>& problems) {
	auto result = store.load(arg);
	for (auto& d : result.diagnostics.items())
		if (d.severity == rd::Severity::Error) problems.push_back({d.pos, d.message});
	if (result.diagnostics.has_errors()) return nullptr;
	return result.resource;
}

} // namespace

PubReport publish(const Config& config, rd::RdStore& store, pg::Connection& conn,
                  const std::vector<std::string>& rds) {
	PubReport report;
	conn.begin();
	try {
		rd::schema::ensure_catalog_tables(conn);
		rd::registry::ensure_registry_tables(conn, config.get("db", "readRole"));
		BuildInput in{config, store, conn, tap::load_snapshot(conn, true)};
		// RD id -> its records, in the order given; the registry's own records always, the
		// TAP service's when it is published (its tableset follows every import).
		std::vector<std::pair<std::string, Built>> built;
		auto add = [&](const std::string& rd_id, Built b) {
			for (auto& p : b.problems)
				report.problems.push_back(std::move(p));
			for (auto& existing : built)
				if (existing.first == rd_id) return;
			built.emplace_back(rd_id, std::move(b));
		};
		for (auto& arg : rds) {
			if (arg == kRootRd) continue;
			auto rd = load(store, arg, report.problems);
			if (!rd) continue;
			if (!has_publish(*rd))
				report.notes.push_back(concat(
				    rd->rd_id, ": no <publish> element; nothing to publish",
				    rd::registry::is_published(conn, rd->rd_id) ? " (its records are now deleted)" : ""));
			add(rd->rd_id, build_rd_records(in, *rd));
		}
		bool tap_listed = std::find_if(built.begin(), built.end(),
		                               [](auto& b) { return b.first == kTapRd; }) != built.end();
		if (!tap_listed && rd::registry::is_published(conn, kTapRd)) {
			if (auto rd = load(store, kTapRd, report.problems)) add(rd->rd_id, build_rd_records(in, *rd));
		}
		add(kRootRd, build_root_records(in));
		for (auto& [rd_id, b] : built) {
			std::vector<std::string> ivoids;
			for (auto& r : b.records)
				ivoids.push_back(r.ivoid);
			for (auto& [ivoid, owner] : rd::registry::owners(conn, rd_id, ivoids)) {
				MetaProblem p;
				p.message =
				    concat(rd_id, ": the identifier ", ivoid, " is already published by ", owner,
				           " (give one of them another id or identifier meta, or meles pub -u ", owner, ")");
				report.problems.push_back(std::move(p));
			}
		}
		if (!report.problems.empty()) {
			// A problem of the RD's own metadata shows in each record inheriting it: say it once.
			std::set<std::string> seen;
			std::erase_if(report.problems, [&](const MetaProblem& p) {
				auto colon = p.message.find(": ");
				std::string key =
				    concat(p.pos.to_string(), "|",
				           colon == std::string::npos ? p.message : p.message.substr(colon + 2));
				return p.pos.line && !seen.insert(key).second;
			});
			conn.rollback();
			report.outcomes.clear();
			return report;
		}
		auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
		for (auto& [rd_id, b] : built)
			report.outcomes.push_back({rd_id, rd::registry::store_records(conn, rd_id, b.records, now)});
		conn.commit();
	} catch (...) {
		conn.rollback();
		throw;
	}
	return report;
}

PubReport unpublish(const Config& config, rd::RdStore& store, pg::Connection& conn,
                    const std::vector<std::string>& rds) {
	PubReport report;
	conn.begin();
	try {
		rd::registry::ensure_registry_tables(conn, config.get("db", "readRole"));
		auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
		for (auto& arg : rds) {
			// the RD's file may be gone: unpublishing needs only its id
			std::string rd_id = arg.starts_with("//") ? arg : store.rd_id_without_file(arg);
			RdOutcome o{rd_id, {}};
			o.store.deleted = rd::registry::unpublish(conn, rd_id, now);
			if (o.store.deleted.empty()) report.notes.push_back(concat(rd_id, ": nothing was published"));
			report.outcomes.push_back(std::move(o));
		}
		conn.commit();
	} catch (...) {
		conn.rollback();
		throw;
	}
	return report;
}

std::vector<std::string> publishable_rds(rd::RdStore& store, std::vector<MetaProblem>& problems) {
	std::vector<std::string> out;
	fs::path inputs = store.options().inputs_dir;
	std::error_code ec;
	std::vector<std::string> ids;
	for (fs::recursive_directory_iterator it(inputs, fs::directory_options::skip_permission_denied, ec), end;
	     !ec && it != end; it.increment(ec)) {
		if (!it->is_regular_file() || it->path().extension() != ".rd") continue;
		ids.push_back(fs::relative(it->path(), inputs).replace_extension().generic_string());
	}
	std::sort(ids.begin(), ids.end());
	for (auto& id : ids) {
		std::vector<MetaProblem> mine;
		auto rd = load(store, id, mine);
		if (!rd) {
			// an RD that does not load may be one that publishes: the operator must know
			for (auto& p : mine)
				problems.push_back(std::move(p));
			continue;
		}
		if (has_publish(*rd)) out.push_back(rd->rd_id);
	}
	out.push_back(kTapRd);
	return out;
}

std::vector<std::string> refresh_if_published(const Config& config, rd::RdStore& store, pg::Connection& conn,
                                              const std::string& rd_id) {
	if (conn.exec("SELECT to_regclass('meles.resources') IS NULL").get(0, 0) == "t") return {};
	if (!rd::registry::is_published(conn, rd_id)) return {};
	std::vector<std::string> notes;
	PubReport r = publish(config, store, conn, {rd_id});
	if (!r.problems.empty()) {
		notes.push_back(
		    concat("the registry records of ", rd_id, " were not updated (meles pub ", rd_id, " says why)"));
		return notes;
	}
	for (auto& o : r.outcomes)
		if (o.rd_id == rd_id && (!o.store.changed.empty() || !o.store.added.empty()))
			notes.push_back(concat("registry records of ", rd_id, " updated: ", join(o.store.changed, ", ")));
	return notes;
}

} // namespace meles::services::registry
