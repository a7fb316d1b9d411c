// rd/src/parse/element_parsers.hpp — the parse function of every RD element.
//
// Each function reads one element (Reader), builds its struct and stores it into the target
// given by its parent; the element table (element_table.cpp) maps element names to them.
// Thread-safety: single-threaded, part of one load.
#pragma once

#include "parse_context.hpp"

#include "meles/rd/python/rd_code.hpp"
#include "meles/rd/python/runtime.hpp"

namespace meles::rd::parse {

// resource level and shared
void parse_meta_el(ParseContext&, const RawElement&, Target);
void parse_macdef_el(ParseContext&, const RawElement&, Target);
void parse_property_el(ParseContext&, const RawElement&, Target);
void parse_script_el(ParseContext&, const RawElement&, Target);
void parse_publish_el(ParseContext&, const RawElement&, Target);
void parse_resrec_el(ParseContext&, const RawElement&, Target);
void parse_doc_el(ParseContext&, const RawElement&, Target);

// tables
void parse_table_el(ParseContext&, const RawElement&, Target);
void parse_column_el(ParseContext&, const RawElement&, Target);
void parse_param_el(ParseContext&, const RawElement&, Target);
void parse_values_el(ParseContext&, const RawElement&, Target);
void parse_option_el(ParseContext&, const RawElement&, Target);
void parse_index_el(ParseContext&, const RawElement&, Target);
void parse_foreign_key_el(ParseContext&, const RawElement&, Target);
void parse_stc_el(ParseContext&, const RawElement&, Target);
void parse_group_el(ParseContext&, const RawElement&, Target);
void parse_dm_el(ParseContext&, const RawElement&, Target);
void parse_mixin_el(ParseContext&, const RawElement&, Target);

// data
void parse_data_el(ParseContext&, const RawElement&, Target);
void parse_sources_el(ParseContext&, const RawElement&, Target);
void parse_ignore_sources_el(ParseContext&, const RawElement&, Target);
void parse_grammar_el(ParseContext&, const RawElement&, Target);
void parse_make_el(ParseContext&, const RawElement&, Target);
void parse_rowmaker_el(ParseContext&, const RawElement&, Target);
void parse_parmaker_el(ParseContext&, const RawElement&, Target);
void parse_map_el(ParseContext&, const RawElement&, Target);
void parse_var_el(ParseContext&, const RawElement&, Target);
void parse_apply_el(ParseContext&, const RawElement&, Target); // apply and all procedure applications
void parse_bind_el(ParseContext&, const RawElement&, Target);
void parse_code_el(ParseContext&, const RawElement&, Target);
void parse_setup_el(ParseContext&, const RawElement&, Target);
void parse_ignore_on_el(ParseContext&, const RawElement&, Target);
void parse_condition_el(ParseContext&, const RawElement&, Target); // keyIs, keyMissing, ..., not, and
void parse_procdef_el(ParseContext&, const RawElement&, Target);

// services
void parse_service_el(ParseContext&, const RawElement&, Target);
void parse_core_el(ParseContext&, const RawElement&, Target);
void parse_cond_desc_el(ParseContext&, const RawElement&, Target);
void parse_input_key_el(ParseContext&, const RawElement&, Target);
void parse_input_table_el(ParseContext&, const RawElement&, Target);
void parse_output_table_el(ParseContext&, const RawElement&, Target);
void parse_output_field_el(ParseContext&, const RawElement&, Target);

// the rest
void parse_execute_el(ParseContext&, const RawElement&, Target);
void parse_reg_suite_el(ParseContext&, const RawElement&, Target);
void parse_reg_test_el(ParseContext&, const RawElement&, Target);
void parse_coverage_el(ParseContext&, const RawElement&, Target);
void parse_updater_el(ParseContext&, const RawElement&, Target);
void parse_mixin_def_el(ParseContext&, const RawElement&, Target);

// Names of the core and grammar elements Meles knows.
const std::vector<std::string_view>& core_element_names();
const std::vector<std::string_view>& grammar_element_names();
bool is_core_element(std::string_view name);
bool is_grammar_element(std::string_view name);

// Shared pieces.
// Reads the column attributes (after original=) into c; allow_pseudo_types for inputKeys.
void read_column_attributes(Reader& r, Column& c, bool allow_pseudo_types);
// Resolves a column reference for original= (see references.cpp).
const Column* resolve_column_ref(ParseContext& ctx, std::string_view ref, const SourcePos& pos,
                                 const TableDef* name_path, std::string* qualified);
const TableDef* resolve_table_ref(ParseContext& ctx, std::string_view ref, const SourcePos& pos,
                                  std::string* qualified = nullptr);
// The TableDef a table's namePath (qualified ref) designates, or nullptr (error recorded).
const TableDef* name_path_table(ParseContext& ctx, const std::string& name_path, const SourcePos& pos);
ApplyDef parse_apply(ParseContext& ctx, const RawElement& e);
IgnoreOn parse_ignore_on(ParseContext& ctx, const RawElement& e);

// RD code (python_sites.cpp): the site a procedure application element belongs to, and the
// syntax check of a block of Python code (errors at the RD line of the offending code line).
python::Site site_of_application(std::string_view element);
void check_python(ParseContext& ctx, const PythonCode& code, python::CodeShape shape,
                  std::string_view at_dict = "");
// Checks an application's own code and setup code; warns when its site is only kept.
void check_application_code(ParseContext& ctx, const ApplyDef& a, std::string_view what);

// What code running while the RD loads may resolve (context.resolveId).
python::LoadHooks load_hooks(ParseContext& ctx, const SourcePos& pos);

// After the whole resource is built: references, cross checks, native fix-ups (resolve.cpp).
void resolve_resource(ParseContext& ctx);

} // namespace meles::rd::parse
