// meles/rd/model/data_desc.hpp — `data` (ingestion units): sources, grammar, makes, rowmakers.
//
// The grammar is kept generically (element name, attributes, children with positions) so the
// grammar implementations can read their own options; the pieces every grammar shares
// (rowfilter, ignoreOn, sourceFields) are also parsed into typed form.  Rowmaker expressions
// stay text (Expr) for the expression compiler.
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/column.hpp"
#include "meles/rd/model/meta.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"
#include "meles/rd/model/table_def.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace meles::rd {

struct IgnoreSources {
	std::string from_db;               // SQL selecting already-ingested accrefs/paths
	std::string from_db_updating;      // same, only applied when updating
	std::string from_file;             // file listing paths to skip
	std::vector<std::string> patterns; // shell patterns of sources to skip
	SourcePos pos;
};

struct SourcesDef {
	std::vector<std::string> patterns; // shell globs relative to the RD's resdir
	bool recurse = false;
	std::vector<std::string> items; // literal source tokens (`item` children)
	std::optional<IgnoreSources> ignore;
	SourcePos pos;
};

// A declarative row filter condition of `ignoreOn`.
struct IgnoreCondition {
	enum class Kind { KeyIs, KeyMissing, KeyNull, KeyPresent, Not, And };
	Kind kind = Kind::KeyMissing;
	std::string key;
	std::string value;                     // KeyIs only
	std::vector<IgnoreCondition> children; // Not (any child true -> false), And (all true)
	SourcePos pos;
};

// `ignoreOn`: the row is skipped when any condition holds; with bail, it is an error instead.
struct IgnoreOn {
	bool bail = false;
	std::vector<IgnoreCondition> conditions;
	SourcePos pos;
};

struct BindDef {
	std::string key;
	Expr expr; // Python expression
	SourcePos pos;
};

// A formal parameter of a procDef (`par` in `setup`).
struct ProcPar {
	std::string key;
	std::optional<Expr> default_value; // nullopt: the application must bind it
	bool late = false;
	std::string description;
	SourcePos pos;
};

// Application of a procedure: rowmaker `apply`, grammar `rowfilter`, `sourceFields`,
// condDesc `phraseMaker`, datalink descriptorGenerator/metaMaker/dataFunction/..., `job`.
struct ApplyDef {
	std::string element; // apply, rowfilter, sourceFields, phraseMaker, job, ...
	std::string name;
	std::string proc_ref; // fully qualified procDef reference ("//products#define"), or ""
	std::vector<BindDef> binds;
	std::vector<ProcPar> setup_pars;  // inline setup pars
	std::vector<std::string> imports; // setup imports
	std::optional<PythonCode> setup_code;
	std::optional<PythonCode> code;             // inline body
	std::map<std::string, std::string> options; // element-specific values (metaMaker semantics=)
	SourcePos pos;

	// True if the application carries Python code of its own (its procDef may have more).
	bool has_python() const { return (code && !code->empty()) || (setup_code && !setup_code->empty()); }
};

struct MapDef {
	std::string key; // destination column (`key` or `dest`)
	// Exactly one of source and expr: copy (with type-directed parsing) or evaluate.
	std::optional<std::string> source;
	std::optional<Expr> expr;
	std::optional<Expr> null_expr;      // a value equal to this becomes NULL
	std::vector<std::string> null_excs; // exception names that mean NULL
	SourcePos pos;
};

struct VarDef {
	std::string key;                   // `key` or `name`
	std::optional<std::string> source; // `source=` copies a raw key
	std::optional<Expr> expr;
	std::optional<Expr> null_expr;
	std::vector<std::string> null_excs;
	SourcePos pos;
};

struct RowmakerDef {
	std::string id;
	std::vector<std::string> idmaps; // shell patterns over column names ("*", "mag_*")
	std::vector<std::pair<std::string, std::string>> simplemaps; // (destination column, raw key)
	std::vector<IgnoreOn> ignore_on;                             // evaluated first
	std::vector<VarDef> vars;                                    // then vars, in order
	std::vector<ApplyDef> applies;                               // then applies
	std::vector<MapDef> maps;                                    // then maps and idmaps
	bool implicit = false; // made up for a `make` without rowmaker (identity: idmaps="*")
	std::string original;
	SourcePos pos;
};

struct MakeDef {
	std::string table_ref;    // as written
	TableRef table;           // resolved
	RowmakerDef rowmaker;     // inline, referenced (copied) or implicit identity
	std::string rowmaker_ref; // fully qualified id when the rowmaker was referenced
	std::optional<RowmakerDef> parmaker;
	std::string role;
	std::string row_source = "rows"; // rows | parameters
	std::vector<ScriptDef> scripts;
	SourcePos pos;
};

// The grammar of a data element, generically: `element` is the complete (macro-expanded)
// element; the typed members repeat the children all grammars share.
struct GrammarDef {
	std::string type; // element name: csvGrammar, columnGrammar, fitsTableGrammar, ...
	RawElement element;
	std::vector<ApplyDef> rowfilters;
	std::vector<IgnoreOn> ignore_on;
	std::optional<ApplyDef> source_fields;
	std::optional<ApplyDef> iterator, pargetter; // embeddedGrammar
	std::string module;                          // customGrammar: resdir-relative module (no .py)
	SourcePos pos;

	// An option given as attribute or as child element of that name (trimmed text).
	std::optional<std::string> option(std::string_view name) const { return element.value(name); }
	// Child elements with this name (e.g. `col` of columnGrammar, `mapKeys` of fitsProdGrammar).
	std::vector<const RawElement*> children(std::string_view name) const;
};

struct DataDesc {
	std::string id;
	bool auto_import = true; // `auto`
	bool updating = false;
	std::vector<std::string> recreate_after; // fully qualified data references
	bool remake_on_data_change = true;
	std::optional<SourcesDef> sources;
	std::optional<GrammarDef> grammar;
	std::vector<MakeDef> makes;
	std::vector<PublishDef> publish;
	std::vector<Property> properties;
	std::vector<Param> params;
	MetaBag meta;
	std::string original;
	SourcePos pos;
};

} // namespace meles::rd
