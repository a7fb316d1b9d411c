// meles/rd/model/resource.hpp — a loaded resource descriptor (the `resource` root element).
//
// The single source of truth for one data collection: tables, ingestion, services, metadata.
// RdStore hands these out as shared_ptr<const Resource>; once loaded a Resource never
// changes (a changed file yields a new Resource), so readers need no locking.
// Thread-safety: immutable after loading; safe to share between threads.
#pragma once

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/execute_def.hpp"
#include "meles/rd/model/meta.hpp"
#include "meles/rd/model/proc_def.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/service_def.hpp"
#include "meles/rd/model/table_def.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd {

struct Resource {
	std::string rd_id;                 // "anchor/q", "//scs"
	std::filesystem::path source_path; // the .rd file
	std::string schema;
	std::string resdir_text;      // as written (may be empty)
	std::filesystem::path resdir; // resolved absolute directory for sources
	std::vector<std::string> read_profiles, all_profiles;
	std::vector<std::string> require; // Python modules (not supported; kept for diagnostics)

	MetaBag meta;
	std::shared_ptr<const MetaBag> site_meta; // the site-wide default meta, if any

	std::vector<MacDef> macdefs;
	std::vector<TableDef> tables;
	std::vector<DataDesc> data;
	std::vector<ServiceDef> services;
	std::vector<ExecuteDef> executes;
	std::vector<RegSuite> reg_suites;
	std::optional<CoverageDef> coverage;
	std::vector<ProcDef> procdefs;
	std::vector<MixinDef> mixins;
	std::vector<StreamDef> streams;
	std::vector<CondDesc> cond_descs;       // RD-level condDescs (libraries like //scs)
	std::vector<RowmakerDef> rowmakers;     // RD-level rowmakers (referenced from make)
	std::vector<OutputTable> output_tables; // RD-level outputTables
	std::vector<CoreDef> cores;             // RD-level cores (referenced via service core=)
	std::vector<RawElement> res_recs;       // `resRec`: registry-only records
	std::vector<Property> properties;
	bool is_system = false;

	const TableDef* find_table(std::string_view id) const;
	const DataDesc* find_data(std::string_view id) const;
	const ServiceDef* find_service(std::string_view id) const;
	const ProcDef* find_procdef(std::string_view id) const;
	const MixinDef* find_mixin(std::string_view id) const;
	const StreamDef* find_stream(std::string_view id) const;
	const CondDesc* find_cond_desc(std::string_view id) const;
	const ExecuteDef* find_execute(std::string_view id) const;

	// Meta lookup chain for an element of this RD: element -> RD -> site default meta.
	MetaChain meta_chain(const MetaBag* element_meta = nullptr) const;
	// Convenience: the first value of key along meta_chain(element_meta), or "".
	std::string meta_text(std::string_view key, const MetaBag* element_meta = nullptr) const;
};

} // namespace meles::rd
