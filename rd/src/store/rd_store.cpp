#include "meles/rd/store/rd_store.hpp"

#include <chrono>

#include "meles/core/common/layout.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/rd/store/rd_id.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace meles::rd {

namespace fs = std::filesystem;

struct FileStamp {
	fs::file_time_type mtime{};
	std::uintmax_t size = 0;
	bool exists = false;

	static FileStamp of(const fs::path& p) {
		FileStamp s;
		std::error_code ec;
		s.mtime = fs::last_write_time(p, ec);
		if (ec) return s;
		s.size = fs::file_size(p, ec);
		s.exists = !ec;
		return s;
	}
	bool operator==(const FileStamp&) const = default;
};

struct RdStore::Entry {
	std::shared_ptr<const Resource> resource;
	Diagnostics diagnostics;
	fs::path file;
	FileStamp stamp;
	// RDs this one referenced while loading, with the Resource seen then.
	std::vector<std::pair<std::string, const Resource*>> dependencies;
	const MetaBag* site_meta = nullptr;
	// When the files were last found unchanged: a daemon asks for the same RD on every
	// request, and one look at the files per second is plenty to notice an edit.
	std::chrono::steady_clock::time_point verified{};
};

// Hands other RDs to the parser, loading them through the store and noting the dependency.
class RdStore::Resolver : public RdResolver {
public:
	explicit Resolver(RdStore& store) : store_(store) {}

	std::shared_ptr<const Resource> resolve(std::string_view rd_id) override {
		std::string id;
		fs::path file = store_.file_for(rd_id, id);
		std::shared_ptr<const Resource> res;
		auto it = store_.cache_.find(id);
		if (it != store_.cache_.end() && store_.up_to_date(*it->second)) {
			if (it->second->diagnostics.has_errors()) fail(id, it->second->diagnostics);
			res = it->second->resource;
		} else {
			LoadResult lr = store_.load_locked(id, file);
			if (!lr.resource || lr.diagnostics.has_errors()) fail(id, lr.diagnostics);
			res = lr.resource;
		}
		dependencies.emplace_back(id, res.get());
		return res;
	}

	std::vector<std::pair<std::string, const Resource*>> dependencies;

private:
	[[noreturn]] static void fail(const std::string& id, const Diagnostics& d) {
		for (auto& item : d.items())
			if (item.severity == Severity::Error)
				throw Error(item.kind, concat("RD ", id, " has errors, the first being: ", item.to_string()));
		throw Error(ErrorKind::Validation, concat("RD ", id, " cannot be loaded"));
	}

	RdStore& store_;
};

RdStore::RdStore(RdStoreOptions options) : options_(std::move(options)) {
	if (options_.system_rds_dir.empty()) options_.system_rds_dir = layout::current().system_rds;
}

RdStore::~RdStore() = default;

fs::path RdStore::file_for(std::string_view id_or_path, std::string& rd_id) const {
	std::string arg(trim(id_or_path));
	auto now = std::chrono::steady_clock::now();
	if (auto it = resolved_.find(arg); it != resolved_.end()) {
		auto& r = it->second;
		std::error_code ec;
		if (now - r.checked < options_.recheck_interval || fs::is_regular_file(r.file, ec)) {
			if (now - r.checked >= options_.recheck_interval) r.checked = now;
			rd_id = r.rd_id;
			return r.file;
		}
		resolved_.erase(it);
	}
	fs::path file = resolve_uncached(arg, rd_id);
	resolved_[arg] = {rd_id, file, now};
	return file;
}

fs::path RdStore::resolve_uncached(const std::string& arg, std::string& rd_id) const {
	if (arg == "%") {
		rd_id = "%";
		if (options_.userconfig_file.empty())
			throw Error(ErrorKind::NotFound,
			            "no userconfig RD (%) is configured (DaCHS keeps it in etc/userconfig.rd)");
		if (!fs::is_regular_file(options_.userconfig_file))
			throw Error(ErrorKind::NotFound,
			            concat("userconfig RD (%) ", options_.userconfig_file.string(), " does not exist"));
		return options_.userconfig_file;
	}
	if (is_system_rd_id(arg)) {
		rd_id = "//" + system_rd_name(arg);
		return resolve_rd_file(rd_id, options_.inputs_dir, options_.system_rds_dir);
	}
	fs::path file = resolve_rd_file(arg, options_.inputs_dir, options_.system_rds_dir);
	rd_id = rd_id_from_path(options_.inputs_dir.empty() ? fs::current_path() : options_.inputs_dir, file);
	return file;
}

std::string RdStore::rd_id_for(std::string_view id_or_path) const {
	std::string id;
	file_for(id_or_path, id);
	return id;
}

std::string RdStore::rd_id_without_file(std::string_view id_or_path) const {
	std::string arg(trim(id_or_path));
	if (is_system_rd_id(arg)) return "//" + system_rd_name(arg);
	fs::path p(arg);
	if (p.is_absolute())
		return rd_id_from_path(options_.inputs_dir.empty() ? fs::current_path() : options_.inputs_dir, p);
	if (p.extension() == ".rd") p.replace_extension();
	std::string id = p.lexically_normal().generic_string();
	while (id.starts_with("./"))
		id.erase(0, 2);
	return id;
}

bool RdStore::up_to_date(const Entry& e) const {
	if (FileStamp::of(e.file) != e.stamp) return false;
	for (auto& [dep, seen] : e.dependencies) {
		auto it = cache_.find(dep);
		if (it == cache_.end() || it->second->resource.get() != seen || !up_to_date(*it->second))
			return false;
	}
	if (!options_.default_meta_file.empty() && site_meta_loaded_) {
		std::error_code ec;
		auto mt = fs::last_write_time(options_.default_meta_file, ec);
		if (!ec && mt != site_meta_mtime_) return false;
		if (e.site_meta != site_meta_.get()) return false;
	}
	return true;
}

std::shared_ptr<const MetaBag> RdStore::site_meta_locked(Diagnostics* diags) {
	if (options_.default_meta_file.empty()) return nullptr;
	std::error_code ec;
	auto mt = fs::last_write_time(options_.default_meta_file, ec);
	if (ec) {
		if (diags)
			diags->error(ErrorKind::Io,
			             concat("cannot read the default meta file ", options_.default_meta_file.string()),
			             SourcePos{options_.default_meta_file.string(), 0, 0});
		return nullptr;
	}
	if (site_meta_loaded_ && mt == site_meta_mtime_) return site_meta_;
	std::ifstream in(options_.default_meta_file);
	std::stringstream ss;
	ss << in.rdbuf();
	auto bag = std::make_shared<MetaBag>();
	try {
		parse_meta_stream(ss.str(), SourcePos{options_.default_meta_file.string(), 1, 0}, *bag);
	} catch (const Error& e) {
		if (diags) diags->add(e, SourcePos{options_.default_meta_file.string(), 0, 0});
	}
	site_meta_ = bag;
	site_meta_mtime_ = mt;
	site_meta_loaded_ = true;
	return site_meta_;
}

std::shared_ptr<const MetaBag> RdStore::site_meta() {
	std::lock_guard lock(mutex_);
	return site_meta_locked(nullptr);
}

LoadResult RdStore::load_locked(const std::string& rd_id, const fs::path& file) {
	LoadResult out;
	if (std::find(loading_.begin(), loading_.end(), rd_id) != loading_.end()) {
		std::string chain = join(loading_, " -> ") + " -> " + rd_id;
		out.diagnostics.error(ErrorKind::Validation, concat("circular reference between RDs: ", chain),
		                      SourcePos{file.string(), 0, 0});
		return out;
	}
	loading_.push_back(rd_id);
	auto entry = std::make_unique<Entry>();
	entry->file = file;
	entry->stamp = FileStamp::of(file);
	entry->verified = std::chrono::steady_clock::now(); // just read: current for one interval
	Resolver resolver(*this);
	ParseOptions po;
	po.rd_id = rd_id;
	po.inputs_dir = options_.inputs_dir;
	po.config = options_.config;
	po.site_meta = site_meta_locked(&entry->diagnostics);
	po.resolver = &resolver;
	po.is_system = is_system_rd_id(rd_id);
	ParseResult pr = parse_rd_file(file, po);
	loading_.pop_back();
	entry->diagnostics.append(pr.diagnostics);
	entry->resource = std::move(pr.resource);
	entry->dependencies = std::move(resolver.dependencies);
	entry->site_meta = po.site_meta.get();
	out.resource = entry->resource;
	out.diagnostics = entry->diagnostics;
	cache_[rd_id] = std::move(entry);
	return out;
}

LoadResult RdStore::load(std::string_view id_or_path) {
	std::lock_guard lock(mutex_);
	std::string id;
	fs::path file;
	try {
		file = file_for(id_or_path, id);
	} catch (const Error& e) {
		LoadResult out;
		out.diagnostics.add(e, SourcePos{std::string(id_or_path), 0, 0});
		return out;
	}
	auto it = cache_.find(id);
	if (it != cache_.end() && it->second->file == file && up_to_date(*it->second))
		return LoadResult{it->second->resource, it->second->diagnostics};
	return load_locked(id, file);
}

LoadResult RdStore::load_text(std::string_view xml, const std::string& rd_id) {
	std::lock_guard lock(mutex_);
	LoadResult out;
	Resolver resolver(*this);
	ParseOptions po;
	po.rd_id = rd_id;
	po.inputs_dir = options_.inputs_dir;
	po.config = options_.config;
	po.site_meta = site_meta_locked(&out.diagnostics);
	po.resolver = &resolver;
	po.is_system = is_system_rd_id(rd_id);
	ParseResult pr = parse_rd_text(xml, rd_id + ".rd", po);
	out.diagnostics.append(pr.diagnostics);
	out.resource = std::move(pr.resource);
	return out;
}

std::shared_ptr<const Resource> RdStore::get(std::string_view id_or_path) {
	{
		std::lock_guard lock(mutex_);
		std::string id;
		fs::path file = file_for(id_or_path, id); // throws NotFound
		auto it = cache_.find(id);
		if (it != cache_.end() && it->second->file == file && !it->second->diagnostics.has_errors() &&
		    it->second->resource) {
			auto now = std::chrono::steady_clock::now();
			if (now - it->second->verified < options_.recheck_interval) return it->second->resource;
			if (up_to_date(*it->second)) {
				it->second->verified = now;
				return it->second->resource;
			}
		}
	}
	LoadResult lr = load(id_or_path);
	lr.diagnostics.throw_if_errors();
	if (!lr.resource) throw Error(ErrorKind::Validation, concat("RD ", id_or_path, " could not be loaded"));
	return lr.resource;
}

ResolvedTable RdStore::resolve_table(const TableRef& ref) {
	ResolvedTable out;
	out.rd = get(ref.rd_id);
	out.table = out.rd->find_table(ref.table_id);
	if (!out.table)
		throw Error(ErrorKind::NotFound, concat("RD ", ref.rd_id, " has no table '", ref.table_id, "'"));
	return out;
}

void RdStore::invalidate(std::string_view rd_id) {
	std::lock_guard lock(mutex_);
	cache_.erase(std::string(rd_id));
	resolved_.clear();
}

void RdStore::clear() {
	std::lock_guard lock(mutex_);
	cache_.clear();
	resolved_.clear();
	site_meta_loaded_ = false;
	site_meta_.reset();
}

} // namespace meles::rd

namespace meles::rd {

RdStoreOptions store_options(const Config& config) {
	RdStoreOptions o;
	o.inputs_dir = config.inputs_dir();
	// A site without the default meta file (never ran `meles init`, or removed it) simply
	// has no site-wide meta.
	if (auto f = config.get_path("general", "defaultMetaFile"); std::filesystem::exists(f))
		o.default_meta_file = f;
	if (auto f = config.get_path("general", "userconfig"); std::filesystem::exists(f)) o.userconfig_file = f;
	o.config = [&config](std::string_view section, std::string_view key) {
		return config.lookup(section, key);
	};
	return o;
}

} // namespace meles::rd
