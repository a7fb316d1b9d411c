// The element table: every RD element Meles parses, with its parse function.  Parents list
// the names they accept (dispatch_children); this table says how each name is parsed.
// docs/rd-reference.md describes the same elements for operators.
#include "element_parsers.hpp"

#include "meles/rd/ingest/grammar_registry.hpp"

#include <algorithm>

namespace meles::rd::parse {

const std::vector<std::string_view>& core_element_names() {
	static const std::vector<std::string_view> names = {
	    "dbCore",       "scsCore",        "ssapCore",       "datalinkCore", "fixedQueryCore", "pythonCore",
	    "customCore",   "uploadCore",     "nullCore",       "productCore",  "adqlCore",       "tapCore",
	    "registryCore", "siapCutoutCore", "fancyQueryCore", "debugCore",
	};
	return names;
}

// Grammar elements are those of the grammar records (ingest/grammar_registry): one table.
const std::vector<std::string_view>& grammar_element_names() {
	static const std::vector<std::string_view> names = [] {
		std::vector<std::string_view> out;
		for (auto& g : ingest::grammar_registry())
			out.push_back(g.element);
		return out;
	}();
	return names;
}

bool is_core_element(std::string_view name) {
	auto& n = core_element_names();
	return std::find(n.begin(), n.end(), name) != n.end();
}

bool is_grammar_element(std::string_view name) {
	return ingest::is_grammar_element(name);
}

const std::vector<ElementEntry>& element_table() {
	static const std::vector<ElementEntry> table = [] {
		std::vector<ElementEntry> t = {
		    // resource level and shared
		    {"meta", parse_meta_el, "metadata item, nested, dotted key or meta stream"},
		    {"macDef", parse_macdef_el, "defines an RD-wide macro"},
		    {"property", parse_property_el, "free key/value pair"},
		    {"script", parse_script_el, "SQL run at table lifecycle points"},
		    {"publish", parse_publish_el, "registry/OAI publication of a table, data or service"},
		    {"resRec", parse_resrec_el, "registry-only record (kept generically)"},
		    {"doc", parse_doc_el, "documentation (ignored)"},
		    // tables
		    {"table", parse_table_el, "table definition"},
		    {"column", parse_column_el, "table column"},
		    {"param", parse_param_el, "table/service parameter with a value"},
		    {"values", parse_values_el, "value constraints and null literal of a column"},
		    {"option", parse_option_el, "an enumerated value of a values element"},
		    {"index", parse_index_el, "index definition"},
		    {"foreignKey", parse_foreign_key_el, "foreign key"},
		    {"stc", parse_stc_el, "STC-S-like annotation"},
		    {"group", parse_group_el, "column group (kept generically)"},
		    {"dm", parse_dm_el, "VO-DML annotation (kept generically)"},
		    {"mixin", parse_mixin_el, "applies a mixin to the table (parameters as attributes)"},
		    // data
		    {"data", parse_data_el, "ingestion unit"},
		    {"sources", parse_sources_el, "input files of a data element"},
		    {"ignoreSources", parse_ignore_sources_el, "sources to skip"},
		    {"make", parse_make_el, "table to fill and its rowmaker"},
		    {"rowmaker", parse_rowmaker_el, "maps raw records to table rows"},
		    {"parmaker", parse_parmaker_el, "maps grammar parameters to table params"},
		    {"map", parse_map_el, "one column of a rowmaker"},
		    {"var", parse_var_el, "an intermediate value of a rowmaker"},
		    {"apply", parse_apply_el, "procedure application in a rowmaker"},
		    {"rowfilter", parse_apply_el, "row filter procedure of a grammar"},
		    {"sourceFields", parse_apply_el, "per-source values of a grammar"},
		    {"phraseMaker", parse_apply_el, "SQL generator of a condDesc"},
		    {"job", parse_apply_el, "the code of an execute element"},
		    {"coreProc", parse_apply_el, "the procedure of a pythonCore"},
		    {"descriptorGenerator", parse_apply_el, "datalink descriptor generator"},
		    {"metaMaker", parse_apply_el, "datalink metadata maker"},
		    {"dataFunction", parse_apply_el, "datalink data function"},
		    {"dataFormatter", parse_apply_el, "datalink data formatter"},
		    {"bind", parse_bind_el, "binds a procedure parameter"},
		    {"code", parse_code_el, "Python code (run by the embedded Python where Meles runs the site)"},
		    {"setup", parse_setup_el, "procedure parameters and setup code"},
		    {"ignoreOn", parse_ignore_on_el, "declarative row skipping"},
		    {"keyIs", parse_condition_el, "ignoreOn: key has value"},
		    {"keyMissing", parse_condition_el, "ignoreOn: key absent"},
		    {"keyNull", parse_condition_el, "ignoreOn: key absent or NULL"},
		    {"keyPresent", parse_condition_el, "ignoreOn: key present"},
		    {"not", parse_condition_el, "ignoreOn: negation"},
		    {"and", parse_condition_el, "ignoreOn: conjunction"},
		    {"procDef", parse_procdef_el, "procedure definition"},
		    // services
		    {"service", parse_service_el, "service definition"},
		    {"condDesc", parse_cond_desc_el, "condition descriptor of a core"},
		    {"inputKey", parse_input_key_el, "input parameter"},
		    {"inputTable", parse_input_table_el, "input parameters of a core"},
		    {"outputTable", parse_output_table_el, "output columns of a core or service"},
		    {"outputField", parse_output_field_el, "computed output column"},
		    // the rest
		    {"execute", parse_execute_el, "scheduled job"},
		    {"regSuite", parse_reg_suite_el, "regression test suite"},
		    {"regTest", parse_reg_test_el, "regression test"},
		    {"coverage", parse_coverage_el, "STC coverage of the resource"},
		    {"updater", parse_updater_el, "how coverage is computed"},
		    {"mixinDef", parse_mixin_def_el, "mixin definition"},
		};
		for (auto n : core_element_names())
			t.push_back({n, parse_core_el, "service core"});
		for (auto n : grammar_element_names())
			t.push_back({n, parse_grammar_el, "grammar (kept generically)"});
		return t;
	}();
	return table;
}

const ElementEntry* find_element(std::string_view name) {
	for (auto& e : element_table())
		if (e.name == name) return &e;
	return nullptr;
}

} // namespace meles::rd::parse
