#include "meles/rd/ingest/data_check.hpp"

#include "ingest/model_adapters.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"
#include "meles/rd/ingest/rowmaker.hpp"
#include "meles/rd/ingest/native_procs.hpp"
#include "meles/rd/python/grammars.hpp"

#include <optional>

namespace meles::rd::ingest {

namespace {

// The record's field names, if they can be known without importing: declared by the
// grammar, or the layout of the first source (which reads only its header).
std::optional<std::vector<std::string>> field_names(const Resource& rd, const DataDesc& dd) {
	// Rows made by Python (embedded/custom grammars) and rows that Python rowfilters or
	// sourceFields change have fields known only once the code runs.
	if (python::is_python_grammar(dd.grammar->type) || dd.grammar->source_fields) return std::nullopt;
	for (auto& rf : dd.grammar->rowfilters)
		if (!find_native_proc(rf.proc_ref)) return std::nullopt;
	std::unique_ptr<Grammar> grammar;
	try {
		grammar = make_grammar(to_grammar_element(dd.grammar->element));
	} catch (const Error&) {
		return std::nullopt; // check_importable reports it
	}
	if (auto declared = grammar->declared_fields()) return declared;
	if (!dd.sources) return std::nullopt;
	try {
		ExpandOptions eo;
		eo.allow_empty = true;
		auto sources = expand_sources(to_sources_spec(*dd.sources), rd.resdir.string(), eo);
		if (sources.empty()) return std::nullopt;
		return grammar->open(sources.front())->layout().names();
	} catch (const Error&) {
		// Missing or unreadable data is `meles imp`'s to report; val checks the RD.
		return std::nullopt;
	}
}

void check_application(const ApplyDef& a, const ProcResolver& procs, Diagnostics& diags) {
	const ProcDef* def = procs && !a.proc_ref.empty() ? procs(a.proc_ref) : nullptr;
	std::string what = a.proc_ref.empty() ? a.element : concat(a.element, " of ", a.proc_ref);
	if (procs && !a.proc_ref.empty() && !def) {
		diags.error(ErrorKind::NotFound, concat(what, ": its procDef cannot be found"), a.pos);
		return;
	}
	switch (runner_of(a, def)) {
	case ProcRunner::Nothing:
	case ProcRunner::Python:
		return; // the Python runtime runs it (the loader checks its code)
	case ProcRunner::Missing:
		diags.error(ErrorKind::Validation,
		            concat(what, ": the procedure has no code and Meles has no native implementation of it"),
		            a.pos);
		return;
	case ProcRunner::Native:
		break;
	}
	try {
		find_native_proc(a.proc_ref)->expand(a, *def);
	} catch (const Error& e) {
		diags.add(e, a.pos);
	}
}

bool has_field(const std::optional<std::vector<std::string>>& fields, const std::string& name) {
	if (!fields) return true; // unknown: give the benefit of the doubt
	for (auto& f : *fields)
		if (f == name) return true;
	return false;
}

} // namespace

void check_importable(const DataDesc& dd, const ProcResolver& procs, Diagnostics& diags) {
	if (dd.sources) {
		try {
			to_sources_spec(*dd.sources);
		} catch (const Error& e) {
			diags.add(e, dd.sources->pos);
		}
	}
	if (!dd.grammar) return;
	// Python grammars are made by the Python runtime (the loader checks their code).
	const GrammarRecord* record = find_grammar(dd.grammar->type);
	try {
		if (record && record->support == GrammarSupport::Python)
			python::check_grammar(*dd.grammar);
		else
			make_grammar(to_grammar_element(dd.grammar->element));
	} catch (const Error& e) {
		diags.add(e, dd.grammar->pos);
	}
	for (auto& rf : dd.grammar->rowfilters)
		check_application(rf, procs, diags);
	if (dd.grammar->source_fields) check_application(*dd.grammar->source_fields, procs, diags);
	for (auto& mk : dd.makes) {
		for (auto& a : mk.rowmaker.applies)
			check_application(a, procs, diags);
		if (mk.parmaker)
			for (auto& a : mk.parmaker->applies)
				check_application(a, procs, diags);
	}
}

void check_data_elements(const Resource& rd, const ProcResolver& procs, Diagnostics& diags) {
	for (auto& dd : rd.data) {
		check_importable(dd, procs, diags);
		std::optional<std::vector<std::string>> fields;
		if (dd.grammar)
			fields = field_names(rd, dd);
		else
			continue; // no grammar: nothing is read (parmakers, views, ...)
		for (auto& mk : dd.makes) {
			if (mk.table.rd_id != rd.rd_id) continue; // tables of other RDs are checked there
			const TableDef* t = rd.find_table(mk.table.table_id);
			if (!t || !t->on_disk || t->is_view() || mk.row_source != "rows") continue;
			const RowmakerDef& rm = mk.rowmaker;
			// apply procedures may set any column: no verdict possible.
			if (!rm.applies.empty()) continue;
			for (auto& c : t->columns) {
				const std::string& name = c.meta.name;
				bool filled = false;
				auto provided = [&](const std::string& key) {
					for (auto& v : rm.vars)
						if (v.key == key) return true;
					return has_field(fields, key);
				};
				for (auto& m : rm.maps)
					if (iequals(m.key, name))
						filled = filled || m.expr.has_value() || provided(m.source.value_or(m.key));
				for (auto& [dest, src] : rm.simplemaps)
					if (iequals(dest, name)) filled = filled || provided(src);
				// idmaps copy a var of the column's name as well as a raw field.
				for (auto& pat : rm.idmaps)
					if (name_matches(pat, name)) filled = filled || provided(name);
				if (filled) continue;
				std::string hint;
				if (fields) {
					for (auto& f : *fields)
						if (iequals(f, name))
							hint = concat(" (the grammar has a field '", f,
							              "': field names are case-sensitive)");
					if (hint.empty() && !rm.idmaps.empty())
						hint = concat(" (the grammar's fields are: ", join(*fields, ", "), ")");
				}
				diags.warning(concat("column '", name, "' of table '", t->id,
				                     "' is filled by no map of data '", dd.id,
				                     "': it will be NULL in every row", hint),
				              c.pos.line ? c.pos : mk.pos);
			}
		}
	}
}

} // namespace meles::rd::ingest
