// meles/rd/model/table_def.hpp — `table` definitions with their columns, indexes and keys.
//
// A TableDef is final when the loader returns it: mixins are applied, `original=` copies made,
// macros in index definitions and viewStatement expanded, and the `indexed` flags of columns
// set from the indexes and the primary key.  DDL and TAP_SCHEMA code read it unchanged.
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/column.hpp"
#include "meles/rd/model/meta.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace meles::rd {

// A reference to a table, resolved: rd_id is the RD holding it ("//products" for system RDs).
struct TableRef {
	std::string rd_id;
	std::string table_id;

	bool empty() const { return table_id.empty(); }
	std::string to_string() const { return rd_id + "#" + table_id; }
	bool operator==(const TableRef&) const = default;
};

enum class AdqlAccess { No, Yes, Hidden }; // adql="False" / "True" / "hidden"
enum class DupePolicy { Check, Drop, DropOld, Overwrite };

struct IndexDef {
	std::string name; // defaults to <table>_<columns>
	std::vector<std::string> columns;
	std::string method; // "" (btree), GIST, SPGIST, ...
	bool cluster = false;
	std::string kind;
	bool meta_only = false; // declared for TAP_SCHEMA only, not built
	// Raw SQL expression to index (element content), macros expanded; empty = the columns.
	std::string content;
	// `option` children (WHERE, INCLUDE, WITH, TABLESPACE) as type -> SQL text.
	std::vector<std::pair<std::string, std::string>> options;
	SourcePos pos;

	// What goes between the parentheses of CREATE INDEX.
	std::string sql_expression() const;
};

struct ForeignKey {
	std::string in_table;            // the reference as written
	TableRef dest_table;             // resolved
	std::vector<std::string> source; // local columns
	std::vector<std::string> dest;   // columns of dest_table (default: same as source)
	bool meta_only = false;
	SourcePos pos;
};

// A mixin applied to a table, with the parameters given in the `<mixin par="v">ref</mixin>` form.
struct MixinUse {
	std::string ref; // fully qualified: "//scs#q3cindex", "ogle/aux#prototype"
	std::map<std::string, std::string> params;
	SourcePos pos;
};

// `script` on tables and makes: SQL run at lifecycle points (Python scripts are kept, not run).
struct ScriptDef {
	std::string
	    type; // preImport, newSource, preIndex, preCreation, postCreation, afterMeta, beforeDrop, sourceDone
	std::string lang; // SQL, AC_SQL, python
	std::string name;
	bool notify = true;
	std::string content; // table-scope macros (\qName, ...) expanded for SQL scripts
	SourcePos pos;
};

// `publish` on tables, data and services.
struct PublishDef {
	std::vector<std::string> render; // renderers (services only)
	std::vector<std::string> sets;   // OAI sets; default ivo_managed
	std::string service;             // service id the capability points to
	bool auxiliary = false;
	SourcePos pos;
};

struct TableDef {
	std::string id;     // also the SQL table name
	std::string rd_id;  // RD the table belongs to
	std::string schema; // the RD's schema
	bool on_disk = false;
	AdqlAccess adql = AdqlAccess::No;
	std::vector<std::string> primary;
	std::vector<MixinUse> mixins;
	bool force_unique = false;
	DupePolicy dupe_policy = DupePolicy::Check;
	std::optional<std::string> view_statement; // macros (\qName, \colNames) expanded
	std::string name_path;                     // where bare column original= refs resolve
	bool temporary = false;
	bool system = false;
	std::optional<std::int64_t> nrows;
	std::vector<std::string> read_profiles, all_profiles;

	std::vector<Column> columns;
	std::vector<Param> params;
	std::vector<IndexDef> indexes;
	std::vector<ForeignKey> foreign_keys;
	std::string stc;                // STC-S-like annotation text
	std::vector<RawElement> groups; // `group` elements, kept generically
	std::vector<RawElement> dms;    // `dm` (VO-DML annotation), kept generically
	std::vector<PublishDef> publish;
	std::vector<ScriptDef> scripts;
	MetaBag meta;
	std::vector<Property> properties;
	// Native behaviours contributed by system mixins, e.g. "products" (rows mirrored into
	// dc.products by the importer; see docs/rd-reference.md).
	std::set<std::string> behaviours;
	std::string original; // fully qualified ref this table was copied from, if any
	SourcePos pos;

	std::string qualified_name() const { return schema + "." + id; }
	bool is_view() const { return view_statement.has_value(); }
	// Column lookup by SQL name, case-insensitive as SQL identifiers are.
	const Column* find_column(std::string_view name) const;
	Column* find_column(std::string_view name);
	const Param* find_param(std::string_view name) const;
	// Columns carrying exactly this UCD (compared case-insensitively).
	std::vector<const Column*> columns_with_ucd(std::string_view ucd) const;
	bool has_mixin(std::string_view qualified_ref) const;
};

} // namespace meles::rd
