// meles/rd/model/service_def.hpp — `service` elements with their cores, condDescs and outputs.
//
// Services are parsed and kept; renderers in meles_services interpret them.  Cores of all
// kinds share one struct (CoreDef) whose `type` is the element name; what a kind needs beyond
// the common members is in `options` (atomic attributes) and `element` (the raw element).
// Condition descriptors copied from system RDs keep their origin in `original`
// (e.g. "//scs#protoInput"), which is how protocol code recognises them.
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/column.hpp"
#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/meta.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"
#include "meles/rd/model/table_def.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd {

struct InputKey {
	Column column;
	std::optional<std::string> value; // default (element content)
	std::string multiplicity;         // single | forced-single | multiple | "" (derived)
	std::optional<int> show_items;
	bool std = false; // part of a standard protocol
	std::string input_unit;
	std::string widget_factory;
	std::string original;
	SourcePos pos;
};

struct CondDesc {
	std::string id;
	std::string original;   // fully qualified origin ("//scs#humanInput"), transitively the first
	std::string build_from; // column name of the queried table
	bool required = false;
	bool silent = false;
	std::string fixed_sql;
	bool combining = false;
	std::string joiner;
	std::vector<InputKey> input_keys;
	std::optional<ApplyDef> phrase_maker;
	std::vector<Property> properties;
	SourcePos pos;
};

struct OutputField {
	Column column;
	std::string select; // SQL select expression, if not the column itself
	std::optional<PythonCode> formatter;
	bool wants_row = false;
	std::vector<std::string> sets;
};

struct OutputTable {
	std::string id;
	std::vector<std::string> auto_cols; // names/patterns copied from the queried table
	std::optional<int> verb_level;
	std::vector<OutputField> fields; // `column` (usually original=) and `outputField`
	std::vector<Param> params;
	std::vector<Property> properties;
	std::string original;
	SourcePos pos;
};

struct CoreDef {
	std::string type; // dbCore, scsCore, ssapCore, datalinkCore, fixedQueryCore, pythonCore, nullCore, ...
	std::string id;
	std::string queried_table_ref; // as written
	TableRef queried_table;        // resolved (empty if none)
	std::vector<CondDesc> cond_descs;
	std::vector<InputKey> input_keys; // inputTable / inputKey children
	std::optional<OutputTable> output_table;
	std::optional<int> limit;
	std::string sort_key;
	bool distinct = false;
	std::string group_by;
	// Remaining atomic options (query, timeout, writable, module, destDD, ...), macros expanded.
	std::map<std::string, std::string> options;
	// Procedure applications (coreProc, descriptorGenerator, metaMaker, dataFunction, dataFormatter).
	std::vector<ApplyDef> procs;
	std::vector<Property> properties;
	RawElement element; // the complete element, for what is not modelled above
	std::string original;
	SourcePos pos;
};

struct ServiceDef {
	std::string id;
	std::vector<std::string> allowed; // renderers
	std::string default_renderer;
	std::string core_ref;        // fully qualified, when the core is referenced (core="...")
	std::optional<CoreDef> core; // inline or copied from core_ref
	std::string limit_to;
	std::string custom_page;
	std::string template_path;
	std::vector<PublishDef> publish;
	std::vector<InputKey> input_keys; // service-level inputKey
	std::optional<OutputTable> output_table;
	MetaBag meta;
	std::vector<Property> properties;
	std::string original;
	SourcePos pos;
};

} // namespace meles::rd
